//! One customer's chat: read each message against the catalog, keep a draft, ask about what
//! is unclear, show the reading with its total, and turn the customer's "yes" into an order.

use rusqlite::Connection;

use super::drafts::{self, Draft, Stage};
use super::reply::{self, Turn};
use super::words::{is_change, is_no, is_yes};
use crate::error::AppResult;
use crate::orders::{self, OrderError, Status};
use crate::reader::{self, IndexedProduct, Intent, Item, ProductIndex, Reading, UnclearReason};
use crate::whatsapp::metrics;

/// Handles one message from a customer.
pub fn handle(t: &Turn, conn: &Connection) -> AppResult<()> {
    let draft = drafts::load(conn, t.business.id, &t.phone)?;
    if t.kind == "order" {
        return catalog_cart(t, conn, draft);
    }
    if let Some(picked) = t.button.as_deref().and_then(|b| b.strip_prefix("menu:")) {
        return reply::menu_category(t, conn, picked);
    }
    let answer = t.button.as_deref().unwrap_or(&t.text);
    if let Some(d) = draft {
        if let Some(done) = on_draft(t, conn, d, answer)? {
            return Ok(done);
        }
    }
    let reading = reader::read(t.catalog, &t.text);
    match reading.intent {
        Intent::Order if has_lines(&reading) => take_lines(t, conn, None, &reading),
        Intent::Status => reply::status(t, conn),
        Intent::Cancel => reply::cancel_latest(t, conn),
        Intent::Menu => reply::menu(t, conn),
        Intent::Greeting => reply::say_template(t, conn, "welcome", &[]),
        _ => reply::fallback(t, conn),
    }
}

fn has_lines(r: &Reading) -> bool {
    !r.items.is_empty() || !r.unclear.is_empty() || !r.unknown.is_empty()
}

/// A message while a draft is open: confirm, change, drop, answer a question, give the
/// address, or add lines. `None` when it is none of those (status, menu...).
fn on_draft(t: &Turn, conn: &Connection, mut d: Draft, answer: &str) -> AppResult<Option<()>> {
    let bid = t.business.id;
    if is_yes(answer) {
        // A yes before the summary (an old button, a quick reply) asks again for what is missing.
        return if d.stage == Stage::Confirming {
            confirm(t, conn, d)
        } else {
            next_step(t, conn, d)
        }
        .map(Some);
    }
    if is_change(answer) {
        d.stage = Stage::Changing;
        drafts::save(conn, bid, &t.phone, &d)?;
        return reply::say_template(t, conn, "change_prompt", &[]).map(Some);
    }
    if is_no(answer) {
        drafts::delete(conn, bid, &t.phone)?;
        return reply::say_template(t, conn, "draft_cancelled", &[]).map(Some);
    }
    if t.button.is_some() {
        return next_step(t, conn, d).map(Some);
    }
    // A pending question has first claim on the answer ("500 g", "besan wale").
    if let Some(q) = d.questions.first().cloned() {
        if let Some(items) = resolve(t, &q, &t.text) {
            d.questions.remove(0);
            d.add(&items);
            return next_step(t, conn, d).map(Some);
        }
    }
    let reading = reader::read(t.catalog, &t.text);
    if has_lines(&reading) && reading.intent == Intent::Order {
        return take_lines(t, conn, Some(d), &reading).map(Some);
    }
    if !d.questions.is_empty() {
        return reply::ask(t, conn, &d).map(Some);
    }
    let asked_for_address = !d.lines.is_empty() && d.address.is_empty();
    if asked_for_address && matches!(reading.intent, Intent::Other | Intent::Order) {
        d.address = reading
            .address
            .clone()
            .unwrap_or_else(|| t.text.trim().to_owned());
        return next_step(t, conn, d).map(Some);
    }
    Ok(None)
}

/// Reads a customer's answer to question `q` into the lines it settles, if it does.
fn resolve(t: &Turn, q: &reader::Unclear, answer: &str) -> Option<Vec<Item>> {
    let settled = |r: Reading| (!r.items.is_empty() && r.unclear.is_empty()).then_some(r.items);
    if let Some(items) = settled(reader::read(t.catalog, &answer_text(t, q, answer))) {
        return Some(items);
    }
    if q.reason != UnclearReason::Ambiguous {
        return None;
    }
    // A choice ("besan wale"): find which candidate the answer names, reading it against the
    // candidates alone, then read the original line with only that product to match.
    let candidates: Vec<IndexedProduct> = q
        .skus
        .iter()
        .filter_map(|s| t.catalog.find(s).cloned())
        .collect();
    let picked = reader::read(&ProductIndex::new(candidates.clone()), answer);
    let mut named: Vec<&str> = picked.items.iter().map(|i| i.sku.as_str()).collect();
    named.extend(
        picked
            .unclear
            .iter()
            .filter(|u| u.skus.len() == 1)
            .map(|u| u.skus[0].as_str()),
    );
    named.sort_unstable();
    named.dedup();
    let [sku] = named[..] else { return None };
    let chosen = candidates.into_iter().filter(|c| c.sku == sku).collect();
    settled(reader::read(&ProductIndex::new(chosen), &q.text))
}

/// What to read when a customer answers a question: a product and an amount together.
fn answer_text(t: &Turn, q: &reader::Unclear, answer: &str) -> String {
    match q.reason {
        // A word in brackets settles a choice: "1 kg laddu (besan)".
        UnclearReason::Ambiguous => format!("{} ({})", q.text, answer.trim()),
        _ => {
            let name = q
                .skus
                .first()
                .and_then(|s| t.catalog.find(s))
                .map_or(q.text.as_str(), |i| i.name.as_str());
            format!("{} {}", answer.trim(), name)
        }
    }
}

/// Lines read from a message go into the draft (replacing it after "change").
fn take_lines(t: &Turn, conn: &Connection, draft: Option<Draft>, r: &Reading) -> AppResult<()> {
    let mut d = draft.unwrap_or_else(|| Draft::new(t.received_ms));
    if d.stage == Stage::Changing {
        d.lines.clear();
        d.questions.clear();
    }
    d.stage = Stage::Collecting;
    d.add(&r.items);
    d.questions.extend(r.unclear.iter().cloned());
    for (field, value) in [
        (&mut d.name, &r.name),
        (&mut d.address, &r.address),
        (&mut d.notes, &r.notes),
    ] {
        if let Some(v) = value {
            *field = v.clone();
        }
    }
    if d.address.is_empty() {
        d.address = reply::saved_address(conn, t)?.unwrap_or_default();
    }
    if !r.unknown.is_empty() {
        reply::unknown(t, conn, &r.unknown)?;
    }
    if d.lines.is_empty() && d.questions.is_empty() {
        drafts::delete(conn, t.business.id, &t.phone)?;
        return Ok(());
    }
    next_step(t, conn, d)
}

/// Asks the next question, or for the address, or shows the reading to confirm.
fn next_step(t: &Turn, conn: &Connection, mut d: Draft) -> AppResult<()> {
    if d.first_reply_ms.is_none() {
        d.first_reply_ms = Some(crate::whatsapp::outbox::now_ms());
    }
    if !d.questions.is_empty() {
        drafts::save(conn, t.business.id, &t.phone, &d)?;
        return reply::ask(t, conn, &d);
    }
    if d.address.is_empty() {
        drafts::save(conn, t.business.id, &t.phone, &d)?;
        return reply::say_template(t, conn, "ask_address", &[]);
    }
    match reply::summary(t, conn, &d) {
        Ok(()) => {
            d.stage = Stage::Confirming;
            drafts::save(conn, t.business.id, &t.phone, &d)
        }
        // A line that cannot be priced any more (a product taken off sale): say so, drop it.
        Err(OrderError::Invalid(m)) => {
            d.lines.clear();
            drafts::save(conn, t.business.id, &t.phone, &d)?;
            reply::say(
                t,
                conn,
                &format!("Sorry, {m}. Please send your order again."),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// A cart sent from the WhatsApp catalog: lines mapped by `product_retailer_id` = sku.
fn catalog_cart(t: &Turn, conn: &Connection, draft: Option<Draft>) -> AppResult<()> {
    let items: Vec<Item> = t.data["product_items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let sku = p["product_retailer_id"].as_str()?;
            let count = u32::try_from(p["quantity"].as_u64()?).ok()?;
            let item = t.catalog.find(sku)?;
            // A cart counts catalog items: one is one default variant, or one kg / one piece.
            let unit_amount = item.variants.first().map_or(
                match item.unit {
                    crate::domain::Unit::Kg => 1000,
                    crate::domain::Unit::Pc => 1,
                },
                |v| v.1,
            );
            Some(Item {
                sku: sku.to_owned(),
                qty: unit_amount.saturating_mul(count),
            })
        })
        .collect();
    let reading = Reading {
        intent: Intent::Order,
        items,
        unclear: Vec::new(),
        unknown: Vec::new(),
        name: None,
        phone: None,
        address: None,
        notes: None,
    };
    let mut d = draft.unwrap_or_else(|| Draft::new(t.received_ms));
    d.stage = Stage::Changing;
    take_lines(t, conn, Some(d), &reading)
}

/// The customer said yes: take the order (stock checked), or say what is short.
fn confirm(t: &Turn, conn: &Connection, mut d: Draft) -> AppResult<()> {
    let req = orders::NewOrder {
        channel: orders::Channel::Whatsapp,
        customer_phone: t.customer_phone()?,
        customer_name: d.name.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| orders::LineRequest::Qty {
                sku: l.sku.clone(),
                qty: l.qty,
            })
            .collect(),
        address: d.address.clone(),
        notes: d.notes.clone(),
        payment_mode: orders::PaymentMode::Cod,
        fulfilment: orders::Fulfilment::Delivery,
        deliver_on: None,
        actor: "customer".into(),
    };
    // A savepoint, so a refused order leaves nothing behind but the reply that explains it.
    match crate::db::savepoint(conn, || orders::service::create(conn, t.business, &req)) {
        Ok(order) => {
            orders::store::save_times(conn, order.id, d.first_message_ms, d.first_reply_ms)?;
            drafts::delete(conn, t.business.id, &t.phone)?;
            metrics::count_order(conn, t.business.id)?;
            reply::confirmed(t, conn, &order)?;
            if t.business.auto_confirm {
                orders::service::change_status(
                    conn,
                    t.business,
                    order.number,
                    Status::Confirmed,
                    "auto-confirm",
                )?;
            }
            Ok(())
        }
        Err(OrderError::ShortOfStock(short)) => {
            d.stage = Stage::Changing;
            drafts::save(conn, t.business.id, &t.phone, &d)?;
            let problem = short.to_string();
            reply::say_template(t, conn, "short_of_stock", &[("problem", problem)])
        }
        Err(e) => Err(e.into()),
    }
}
