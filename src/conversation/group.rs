//! WhatsApp groups (through a gateway): a post in a `sales` group in the staff's form
//! (Name / Phone / Items / Address, any order and spelling) becomes an order at once.

use rusqlite::Connection;

use super::reply::{self, Turn};
use crate::domain::limits::MAX_READ_CHARS;
use crate::domain::Phone;
use crate::error::AppResult;
use crate::orders::{self, Channel, LineRequest, NewOrder, PaymentMode};
use crate::reader::{self, Reading};
use crate::whatsapp::groups;
use crate::whatsapp::outbox::Content;

/// Handles a post in group `group_id` by the member `t.phone`.
pub fn handle(t: &Turn, conn: &Connection, group_id: &str) -> AppResult<()> {
    if groups::role_of(conn, t.business.id, group_id)?.as_deref() != Some("sales") {
        return Ok(());
    }
    let r = t.reading;
    // Staff also chat in the group ("ok", "thanks"): answer only what looks like an order post.
    let labelled = t.text.to_lowercase().contains("items");
    if r.intent != reader::Intent::Order && r.phone.is_none() && r.address.is_none() && !labelled {
        return Ok(());
    }
    let to_group = |key: &str, vars: &[(&str, String)]| {
        let text = t.wordings.render(conn, t.business.id, key, vars)?;
        reply::send(t, conn, group_id, &Content::text(text))
    };
    let phone = r.phone.as_deref().and_then(|p| Phone::from_digits(p).ok());
    let problems = problems(r, phone.is_some());
    let (Some(phone), true) = (phone, problems.is_empty()) else {
        return to_group(
            "group_order_unreadable",
            &[("problems", problems.join("; "))],
        );
    };
    let req = new_order(t, r, phone);
    match crate::db::savepoint(conn, || orders::service::create(conn, t.business, &req)) {
        Ok(order) => {
            // The words each line was read from, for staff corrections to learn from.
            let said: Vec<(String, String)> = r
                .sources
                .iter()
                .map(|s| (s.sku.clone(), reader::alias_words(&s.text)))
                .collect();
            orders::store::keep_said(conn, order.id, &said)?;
            to_group(
                "group_order_taken",
                &reply::order_vars(t.business, &order, t.tracker),
            )
        }
        Err(e) => to_group("group_order_unreadable", &[("problems", e.into_refusal()?)]),
    }
}

/// What stops a post from becoming an order as it stands, in the words the group is told.
fn problems(r: &Reading, has_phone: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if r.items.is_empty() && r.unclear.is_empty() {
        problems.push("no items I could read".to_owned());
    }
    for u in &r.unclear {
        problems.push(format!("not sure about \"{}\"", u.text));
    }
    if !r.unknown.is_empty() {
        problems.push(format!("we don't sell {}", r.unknown.join(", ")));
    }
    if r.skipped > 0 {
        problems.push(format!("{} more lines I couldn't read", r.skipped));
    }
    // An order is taken from a whole post or not at all.
    if r.clipped {
        problems.push(format!(
            "the post is longer than the {MAX_READ_CHARS} characters I read"
        ));
    }
    if !has_phone {
        problems.push("no customer phone number".into());
    }
    problems
}

fn new_order(t: &Turn, r: &Reading, phone: Phone) -> NewOrder {
    NewOrder {
        channel: Channel::Group,
        customer_phone: phone,
        customer_name: r.name.clone().unwrap_or_default(),
        lines: r
            .items
            .iter()
            .map(|i| LineRequest::Qty {
                sku: i.sku.clone(),
                qty: i.qty,
            })
            .collect(),
        address: r.address.clone().unwrap_or_default(),
        notes: r.notes.clone().unwrap_or_default(),
        payment_mode: PaymentMode::Cash,
        fulfilment: orders::Fulfilment::Delivery,
        deliver_on: None,
        actor: format!("group:{}", t.phone),
    }
}
