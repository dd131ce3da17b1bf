//! Every message Novi sends a customer or a group, as a template the owner can reword in
//! Settings. Placeholders in braces (`{order_number}`) are filled in when it is sent.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{AppError, AppResult};

pub struct Template {
    pub key: &'static str,
    /// What it is for, as the settings page says it.
    pub purpose: &'static str,
    pub default: &'static str,
    pub placeholders: &'static [&'static str],
}

const ORDER: &[&str] = &[
    "tracking_link",
    "customer_name",
    "order_number",
    "items",
    "total",
    "status",
    "shop_name",
];

pub const ALL: &[Template] = &[
    Template { key: "welcome", purpose: "Reply to a greeting", default: "Namaste{customer_name_comma}! Welcome to {shop_name}. Send us your order, like \"1 kg kaju katli, 12 MG Road\", or type MENU to see what we have.", placeholders: &["customer_name", "customer_name_comma", "shop_name"] },
    Template { key: "fallback", purpose: "When Novi cannot tell what the customer wants", default: "Thank you for your message. Someone from {shop_name} will get back to you shortly.", placeholders: &["shop_name"] },
    Template { key: "summary", purpose: "The reading of an order, asking to confirm", default: "Here is your order:\n{items}\nDelivery: {delivery_fee}\nTotal: {total}\n{where}{note}", placeholders: &["items", "delivery_fee", "total", "where", "address", "note", "shop_name"] },
    Template { key: "confirm_prompt", purpose: "How to confirm, where there are no buttons", default: "Reply YES to confirm, CHANGE to change it, or CANCEL.", placeholders: &[] },
    Template { key: "ask_amount", purpose: "Asking how much of a product", default: "How much {product} would you like: {options}?", placeholders: &["product", "options"] },
    Template { key: "ask_which", purpose: "Asking which of two products", default: "Which one do you mean: {options}?", placeholders: &["options"] },
    Template { key: "unknown", purpose: "Naming what the shop does not sell", default: "Sorry, we don't sell {names}.", placeholders: &["names"] },
    Template { key: "more_lines", purpose: "More unclear lines in one message than Novi asks about", default: "…and {count} more lines we couldn't read. Please send those again in a new message.", placeholders: &["count"] },
    Template { key: "long_message", purpose: "A message longer than Novi reads", default: "Your message was very long, so we read only its first {limit} characters. Please send the rest in a new message.", placeholders: &["limit", "shop_name"] },
    Template { key: "ask_address", purpose: "Asking for the delivery address", default: "Where should we deliver? Please send the full address.", placeholders: &[] },
    Template { key: "confirmed", purpose: "The order is taken", default: "Thank you{customer_name_comma}! Your order {order_number} is placed. Total {total}. We will keep you posted here. Track it: {tracking_link}", placeholders: &["customer_name", "customer_name_comma", "order_number", "total", "items", "shop_name", "tracking_link"] },
    Template { key: "payment_link", purpose: "Added to \"The order is taken\" when the shop has Razorpay: the link to pay online", default: "Pay {total} online: {payment_link}", placeholders: &["payment_link", "total", "order_number", "shop_name"] },
    Template { key: "short_of_stock", purpose: "Not enough stock to take the order", default: "Sorry, {problem}. Please send the order again with a smaller amount.", placeholders: &["problem"] },
    Template { key: "stock_offer", purpose: "Less in stock than asked: offering what there is", default: "We have {available} of {product} today — send {available}?", placeholders: &["product", "available", "asked"] },
    Template { key: "sold_out", purpose: "A product asked for is sold out", default: "Sorry, {product} is sold out today.", placeholders: &["product"] },
    Template { key: "stock_person", purpose: "The customer wants more than is in stock: a person will help", default: "No problem. Someone from {shop_name} will get back to you about your order.", placeholders: &["shop_name"] },
    Template { key: "large_order", purpose: "An order larger than a chat may take: a person will confirm it", default: "That is a large order of {product}! Someone from {shop_name} will confirm it with you shortly.", placeholders: &["product", "shop_name"] },
    Template { key: "change_unread", purpose: "A message at the summary Novi could not read as a change", default: "Sorry, we could not read that change, so nothing was changed. Your order is still as below; reply CHANGE and send it again as you want it, or someone from {shop_name} will help you.", placeholders: &["shop_name"] },
    Template { key: "change_prompt", purpose: "After the customer asks to change the order", default: "Sure, send the order again as you want it.", placeholders: &[] },
    Template { key: "price_changed", purpose: "A price changed between the summary and the customer's yes: nothing is placed until they confirm the new one", default: "Sorry, a price changed since we sent your order, so it is not placed yet. Here it is at today's prices; please confirm again.", placeholders: &["shop_name"] },
    Template { key: "drop_or_change", purpose: "A bare \"no\" to an order not yet placed: drop it or change it?", default: "Nothing is dropped yet: reply CANCEL to drop this order, or CHANGE to change it.", placeholders: &["shop_name"] },
    Template { key: "draft_cancelled", purpose: "The customer called off an order not yet placed", default: "No problem, we have dropped that order.", placeholders: &[] },
    Template { key: "status_list", purpose: "Answering \"where is my order\"", default: "Your latest orders:\n{orders}", placeholders: &["orders"] },
    Template { key: "no_orders", purpose: "Asked about orders, but there are none", default: "We have no orders from this number yet. Send us one any time!", placeholders: &[] },
    Template { key: "order_cancelled", purpose: "The customer cancelled their order", default: "Your order {order_number} is cancelled.", placeholders: ORDER },
    Template { key: "cannot_cancel", purpose: "The order can no longer be cancelled", default: "Sorry, order {order_number} cannot be cancelled now: {reason}.", placeholders: &["order_number", "reason"] },
    Template { key: "menu", purpose: "The menu (prices)", default: "Here is what we have at {shop_name}:\n{menu}\n\nOrder online: {storefront_link}", placeholders: &["menu", "shop_name", "storefront_link"] },
    Template { key: "menu_list", purpose: "The menu as a list to pick from (Cloud API)", default: "Here is what we have at {shop_name}. Pick a category to see its prices, or order online: {storefront_link}", placeholders: &["shop_name", "storefront_link"] },
    Template { key: "status_confirmed", purpose: "Order status: confirmed", default: "Your order {order_number} is confirmed.", placeholders: ORDER },
    Template { key: "status_preparing", purpose: "Order status: preparing", default: "We are preparing your order {order_number}.", placeholders: ORDER },
    Template { key: "status_out_for_delivery", purpose: "Order status: out for delivery", default: "Your order {order_number} is out for delivery.", placeholders: ORDER },
    Template { key: "status_delivered", purpose: "Order status: delivered", default: "Your order {order_number} has been delivered. Thank you for ordering from {shop_name}!", placeholders: ORDER },
    Template { key: "status_ready_for_pickup", purpose: "Order status (pickup): ready to pick up", default: "Your order {order_number} is ready. Pick it up at {shop_name}.", placeholders: ORDER },
    Template { key: "status_picked_up", purpose: "Order status (pickup): picked up", default: "Thank you for picking up your order {order_number} from {shop_name}!", placeholders: ORDER },
    Template { key: "status_cancelled", purpose: "Order status: cancelled by the shop", default: "Sorry, your order {order_number} has been cancelled. Please contact us if you have questions.", placeholders: ORDER },
    Template { key: "group_order_taken", purpose: "Sales group: order taken", default: "Order {order_number} taken for {customer_name}: {items}. Total {total}.", placeholders: &["order_number", "customer_name", "items", "total"] },
    Template { key: "group_order_unreadable", purpose: "Sales group: order not taken", default: "Could not take this order: {problems}.", placeholders: &["problems"] },
    Template { key: "delivery_group", purpose: "Delivery group: an order going out", default: "Order {order_number} for {customer_name} ({phone}): {items}. Total {total} ({payment}). Deliver to: {address}", placeholders: &["order_number", "customer_name", "phone", "items", "total", "payment", "address"] },
];

pub fn find(key: &str) -> Option<&'static Template> {
    ALL.iter().find(|t| t.key == key)
}

/// The business's wording for `key`, or the built-in one.
pub fn body(conn: &Connection, business_id: i64, key: &str) -> AppResult<String> {
    let custom: Option<String> = conn
        .prepare_cached("SELECT body FROM message_templates WHERE business_id = ?1 AND key = ?2")?
        .query_row(params![business_id, key], |r| r.get(0))
        .optional()?;
    Ok(custom.unwrap_or_else(|| find(key).map_or("", |t| t.default).to_owned()))
}

/// Fills `{name}` placeholders; unknown ones are left as written. One pass over the body,
/// the first value given for a name winning: every reply is filled this way, and replacing
/// each name in turn copied the whole text once per placeholder. A value is never filled in
/// again, so a customer named "{total}" stays "{total}".
pub fn fill(body: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(body.len() + vars.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn render(
    conn: &Connection,
    business_id: i64,
    key: &str,
    vars: &[(&str, String)],
) -> AppResult<String> {
    Ok(fill(&body(conn, business_id, key)?, vars))
}

/// Shops' wordings read within one write transaction, each once: nearly every message of a
/// batch is answered with the same few. Owners reword them between the worker's transactions,
/// never inside one, so keep one no longer than its transaction.
#[derive(Default)]
pub struct Wordings(RefCell<HashMap<i64, HashMap<String, Rc<str>>>>);

impl Wordings {
    /// [`body`], read once per shop and key.
    pub fn body(&self, conn: &Connection, business_id: i64, key: &str) -> AppResult<Rc<str>> {
        // Looked up by the borrowed key: a wording already held costs no allocation.
        if let Some(held) = self.0.borrow().get(&business_id).and_then(|b| b.get(key)) {
            return Ok(Rc::clone(held));
        }
        let read: Rc<str> = body(conn, business_id, key)?.into();
        let mut shops = self.0.borrow_mut();
        let shop = shops.entry(business_id).or_default();
        shop.insert(key.to_owned(), Rc::clone(&read));
        Ok(read)
    }

    /// [`render`] from the wordings held.
    pub fn render(
        &self,
        conn: &Connection,
        business_id: i64,
        key: &str,
        vars: &[(&str, String)],
    ) -> AppResult<String> {
        Ok(fill(&self.body(conn, business_id, key)?, vars))
    }
}

/// What is wrong with `body` as the wording of `t`, if anything: a stray brace, a placeholder
/// it does not have, or more than 1,000 characters. Said beside the message's box.
pub fn problem(t: &Template, body: &str) -> Option<String> {
    let body = body.trim();
    if body.is_empty() || body == t.default {
        return None;
    }
    if has_stray_brace(body) {
        return Some(format!(
            "has a brace that is not part of a placeholder; write each as {{{}}}",
            t.placeholders.first().copied().unwrap_or("shop_name")
        ));
    }
    if let Some(bad) = placeholders_in(body)
        .into_iter()
        .find(|p| !t.placeholders.contains(&p.as_str()))
    {
        let can: Vec<String> = t.placeholders.iter().map(|p| format!("{{{p}}}")).collect();
        return Some(format!(
            "has no placeholder {{{bad}}}; it can use {}",
            can.join(", ")
        ));
    }
    (body.chars().count() > 1000).then(|| "can be at most 1000 characters".to_owned())
}

/// Saves the owner's wording; an empty body goes back to the built-in one. Placeholders that
/// this message does not have are refused, so a typo does not reach customers as `{ordr}`.
pub fn save(conn: &Connection, business_id: i64, key: &str, body: &str) -> AppResult<()> {
    let t = find(key).ok_or(AppError::NotFound)?;
    let body = body.trim();
    if body.is_empty() || body == t.default {
        conn.execute(
            "DELETE FROM message_templates WHERE business_id = ?1 AND key = ?2",
            params![business_id, key],
        )?;
        return Ok(());
    }
    if let Some(why) = problem(t, body) {
        return Err(AppError::Invalid(format!("\"{}\" {why}", t.purpose)));
    }
    conn.execute(
        "INSERT INTO message_templates (business_id, key, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (business_id, key) DO UPDATE SET body = excluded.body",
        params![business_id, key, body],
    )?;
    Ok(())
}

/// Whether a `{` or `}` in `body` is not part of a `{name}`: "Hi {customer_name and" would
/// reach customers as written.
fn has_stray_brace(body: &str) -> bool {
    let mut rest = body;
    loop {
        let Some(at) = rest.find(['{', '}']) else {
            return false;
        };
        if rest[at..].starts_with('}') {
            return true;
        }
        let after = &rest[at + 1..];
        match after.find(['{', '}']) {
            Some(end) if after[end..].starts_with('}') && is_name(&after[..end]) => {
                rest = &after[end + 1..];
            }
            _ => return true,
        }
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn placeholders_in(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
                    && end > 0 =>
            {
                found.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordings_read_each_shop_s_wording_once_as_the_database_holds_it() {
        let (_dir, db, b) = crate::accounts::test_shop();
        db.with_tx(|tx| {
            let held = Wordings::default();
            let built_in = find("welcome").unwrap().default;
            assert_eq!(&*held.body(tx, b, "welcome")?, built_in);
            tx.execute(
                "INSERT INTO message_templates (business_id, key, body) VALUES (?1, 'welcome', 'Ram Ram')",
                [b],
            )?;
            // Read once: the same wording within the transaction it was read in.
            assert_eq!(&*held.body(tx, b, "welcome")?, built_in);
            let fresh = Wordings::default();
            assert_eq!(&*fresh.body(tx, b, "welcome")?, "Ram Ram");
            assert_eq!(fresh.render(tx, b, "welcome", &[])?, body(tx, b, "welcome")?);
            Ok::<_, AppError>(())
        })
        .unwrap();
    }

    #[test]
    fn a_brace_outside_a_placeholder_is_stray() {
        for ok in [
            "Hi {customer_name}, {shop_name} here",
            "no braces",
            "{a}{b}",
        ] {
            assert!(!has_stray_brace(ok), "{ok}");
        }
        for t in ALL {
            assert!(!has_stray_brace(t.default), "{}", t.key);
        }
        for bad in [
            "Hi {customer_name and {shop_name} welcome",
            "Hi {customer_name",
            "Hi customer_name}",
            "{{shop_name}}",
            "{}",
            "{Shop Name}",
        ] {
            assert!(has_stray_brace(bad), "{bad}");
        }
    }

    #[test]
    fn fills_placeholders_and_keeps_unknown_ones() {
        let out = fill(
            "Order {order_number} for {who}",
            &[("order_number", "#12".into())],
        );
        assert_eq!(out, "Order #12 for {who}");
    }

    #[test]
    fn fills_each_placeholder_once_with_the_first_value_given() {
        let vars = [
            ("customer_name", "{total}".to_owned()),
            ("total", "₹240.00".to_owned()),
            ("customer_name", "later".to_owned()),
        ];
        assert_eq!(
            fill("{customer_name}: {total} {{total} {total", &vars),
            "{total}: ₹240.00 {₹240.00 {total",
            "a value is not filled again; an unclosed brace stays"
        );
        assert_eq!(fill("", &vars), "");
        assert_eq!(fill("{}{customer_name}}", &vars), "{}{total}}");
    }

    #[test]
    fn every_default_uses_only_its_own_placeholders() {
        for t in ALL {
            for p in placeholders_in(t.default) {
                assert!(t.placeholders.contains(&p.as_str()), "{}: {{{p}}}", t.key);
            }
        }
    }

    #[test]
    fn finds_placeholders() {
        assert_eq!(placeholders_in("a {x_y} {} {Bad} {z}"), vec!["x_y", "z"]);
    }
}
