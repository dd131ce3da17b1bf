//! One customer's chat: read each message against the catalog, keep a draft, ask about what
//! is unclear, show the reading with its total, and turn the customer's "yes" into an order.

use rusqlite::Connection;

use super::answers::{self, Answer};
use super::drafts::{self, Draft, Stage};
use super::reply::{self, Turn};
use super::words::{is_only_agreement, Said};
use super::{edit, stock, terms};
use crate::error::AppResult;
use crate::orders::{self, OrderError, Status};
use crate::reader::{self, Intent, Item, Reading, UnclearReason};
use crate::whatsapp::metrics;

/// Handles one message from a customer.
pub fn handle(t: &Turn, conn: &Connection) -> AppResult<()> {
    let draft = t.draft(conn)?;
    if t.kind == "order" {
        return catalog_cart(t, conn, draft);
    }
    if let Some(picked) = t.button.as_deref().and_then(|b| b.strip_prefix("menu:")) {
        return reply::menu_category(t, conn, picked);
    }
    let answer = t
        .button
        .as_deref()
        .or_else(|| numbered_choice(t, draft.as_ref()))
        .unwrap_or(&t.text);
    let left = match draft {
        Some(d) => match on_draft(t, conn, d, answer)? {
            Ok(()) => return Ok(()),
            Err(d) => Some(d),
        },
        None => None,
    };
    let reading = t.reading;
    match reading.intent {
        Intent::Order if has_lines(reading) => take_lines(t, conn, None, reading),
        Intent::Status => reply::status(t, conn),
        Intent::Cancel => reply::cancel_latest(t, conn),
        Intent::Menu => reply::menu(t, conn),
        Intent::Greeting => reply::say_template(t, conn, "welcome", &[]),
        _ => match left {
            Some(d) if d.stage == Stage::Confirming => reply::unread_change(t, conn, &d),
            _ => reply::fallback(t, conn),
        },
    }
}

/// Over a linked phone the summary's choices go out numbered (no buttons there): "1", "2"
/// or "3" to a summary is the choice it numbers.
fn numbered_choice(t: &Turn, draft: Option<&Draft>) -> Option<&'static str> {
    if t.provider != "linked" || draft.map(|d| d.stage) != Some(Stage::Confirming) {
        return None;
    }
    match t.text.trim() {
        "1" => Some("confirm"),
        "2" => Some("change"),
        "3" => Some("cancel"),
        _ => None,
    }
}

fn has_lines(r: &Reading) -> bool {
    !r.items.is_empty() || !r.unclear.is_empty() || !r.unknown.is_empty()
}

/// A message while a draft is open: take or refuse a smaller amount offered, confirm, change,
/// drop, answer a question, say how and when, give the address, or edit the lines. The draft
/// back, unanswered, when it is none of those (status, menu...).
fn on_draft(
    t: &Turn,
    conn: &Connection,
    mut d: Draft,
    answer: &str,
) -> AppResult<Result<(), Draft>> {
    let said = Said::new(answer);
    if let Some(offer) = d.terms.offer.take() {
        // "yes, 17 kg is fine" takes the offer; "ok then 2 kg kaju katli" is a new amount.
        let new_lines = !reader::read(t.catalog, answer).items.is_empty();
        if said.starts_with_yes() && !new_lines {
            stock::accept(&mut d, &offer);
            return next_step(t, conn, d).map(Ok);
        }
        if said.is_no() {
            return stock::decline(t, conn, &d, &offer).map(Ok);
        }
    }
    if said.is_yes() {
        // A yes before the summary (an old button, a quick reply) asks again for what is missing.
        return if d.stage == Stage::Confirming {
            confirm(t, conn, d)
        } else {
            next_step(t, conn, d)
        }
        .map(Ok);
    }
    if said.is_change() {
        d.stage = Stage::Changing;
        t.save_draft(conn, &d)?;
        return reply::say_template(t, conn, "change_prompt", &[]).map(Ok);
    }
    // "Cancel my order" while one is being made means this one, not an order already placed.
    let cancels = t.button.is_none() && t.reading.intent == Intent::Cancel && !has_lines(t.reading);
    if said.is_cancel() || cancels {
        t.end_draft(conn)?;
        return reply::say_template(t, conn, "draft_cancelled", &[]).map(Ok);
    }
    if said.is_no() {
        // "No" may mean "that is not right" as well as "forget it": the order is kept and
        // the customer asked which, with the summary (or the open question) again.
        reply::say_template(t, conn, "drop_or_change", &[])?;
        return next_step(t, conn, d).map(Ok);
    }
    if t.button.is_some() {
        return next_step(t, conn, d).map(Ok);
    }
    let said_terms = terms::note(t, &mut d);
    // A pending question has first claim on the answer ("500 g", "besan wale").
    if let Some(q) = d.questions.first().cloned() {
        match answers::resolve(t, &q, &t.text) {
            Answer::Settled(items) => {
                d.questions.remove(0);
                d.add(&items);
                for i in &items {
                    d.read_from.said(&i.sku, &q.text);
                }
                return next_step(t, conn, d).map(Ok);
            }
            Answer::Narrowed(next) => {
                d.questions[0] = next;
                return next_step(t, conn, d).map(Ok);
            }
            Answer::Not => {}
        }
    }
    let reading = t.reading;
    if let Some(r) = amount_alone(t, &d, reading, said_terms) {
        return take_lines(t, conn, Some(d), &r).map(Ok);
    }
    // A new address at the summary ("sorry galat address, 45 Saket Nagar") replaces the old
    // one, and means delivery even if they had said pickup.
    if let Some(a) = new_address(&d, reading, &t.text) {
        d.changes.push(format!("deliver to {a}"));
        d.address = a;
        d.terms.pickup = false;
        return next_step(t, conn, d).map(Ok);
    }
    let removes = t
        .mentions()
        .iter()
        .any(|m| m.negated && d.lines.iter().any(|l| l.sku == m.sku));
    if (has_lines(reading) && reading.intent == Intent::Order) || removes {
        return take_lines(t, conn, Some(d), reading).map(Ok);
    }
    if !d.questions.is_empty() {
        return reply::ask(t, conn, &d).map(Ok);
    }
    if !d.lines.is_empty() && d.address.is_empty() && !d.terms.pickup {
        return on_address(t, conn, d, reading, said_terms).map(Ok);
    }
    if said_terms {
        return next_step(t, conn, d).map(Ok);
    }
    Ok(Err(d))
}

/// At the summary of a one-product order, or asked for its address, a message with an amount
/// and nothing else ("make it 1 kg", "1 kg more", "2 kg kar do") is about that product: read as if it had named it, so the summary
/// comes back changed ("Kaju Katli 500 g → 1 kg") for the customer to confirm again.
fn amount_alone(t: &Turn, d: &Draft, reading: &Reading, said_terms: bool) -> Option<Reading> {
    let [line] = &d.lines[..] else { return None };
    let asked = d.stage == Stage::Confirming || (d.address.is_empty() && !d.terms.pickup);
    if !asked || said_terms || has_lines(reading) || t.button.is_some() {
        return None;
    }
    let mut items = answers::amount_for(t, &line.sku, &t.text)?;
    // "ek aur dabba": "aur" with no product named means more of it, as "more" does.
    if super::words::says_aur(&t.text) && !edit::adds(&t.text) {
        for i in &mut items {
            i.qty = i.qty.saturating_add(line.qty);
        }
    }
    let mut r = reading.clone();
    r.intent = Intent::Order;
    r.items = items;
    Some(r)
}

/// Asked for the address: an address is kept; a bare "haan theek hai", or a message that only
/// said when or how, gets the question again.
fn on_address(
    t: &Turn,
    conn: &Connection,
    mut d: Draft,
    reading: &Reading,
    said_terms: bool,
) -> AppResult<()> {
    let address = match &reading.address {
        Some(a) => Some(a.clone()),
        None if said_terms || is_only_agreement(&t.text) => None,
        None if matches!(reading.intent, Intent::Other | Intent::Order)
            && may_be_address(&t.text) =>
        {
            Some(t.text.trim().to_owned())
        }
        None => None,
    };
    if let Some(a) = address {
        d.address = a;
    }
    next_step(t, conn, d)
}

/// An address sent alone at the summary: the reader's, or a message with a house number and a
/// place word ("45 Saket Nagar, Indore 452018"), without the words before it that are not part
/// of it ("sorry galat address,", "address change:").
fn new_address(d: &Draft, reading: &Reading, text: &str) -> Option<String> {
    if d.stage != Stage::Confirming || has_lines(reading) {
        return None;
    }
    let text = match &reading.address {
        Some(a) => a.as_str(),
        None if may_be_address(text) && reader::names_a_place(text) => text,
        None => return None,
    };
    let parts: Vec<&str> = text.split([',', ':', '\n']).map(str::trim).collect();
    let first = parts
        .iter()
        .position(|p| p.chars().any(|c| c.is_ascii_digit()) || reader::names_a_place(p))?;
    Some(parts[first..].join(", ")).filter(|a| !a.is_empty())
}

/// Whether a message the reader found no address words in may still be one, taken as written
/// ("Flat 302, Sai Residency"): it has a number in it, asks nothing, and names no amount. "ek
/// aur dabba", "total kitna hua?" or "2 kg kar do" are not an address; the question is asked
/// again rather than their words kept (and offered on every later order).
fn may_be_address(text: &str) -> bool {
    const AMOUNT: &[&str] = &[
        "kg", "kilo", "kgs", "g", "gm", "gms", "gram", "grams", "box", "boxes", "dabba", "pc",
        "pcs", "piece", "pieces", "packet", "plate",
    ];
    let t = text.trim().to_lowercase();
    let amount = t
        .split(|c: char| !c.is_alphanumeric())
        .map(|w| w.trim_start_matches(|c: char| c.is_ascii_digit()))
        .any(|w| AMOUNT.contains(&w));
    t.chars().any(|c| c.is_ascii_digit()) && !t.ends_with('?') && !amount
}

/// Lines read from a message go into the draft: the first message's as they are, a later
/// message's as an edit (see `edit`), or replacing them all after "change".
fn take_lines(t: &Turn, conn: &Connection, draft: Option<Draft>, r: &Reading) -> AppResult<()> {
    let mut d = draft.unwrap_or_else(|| Draft::new(t.received_ms));
    if d.stage == Stage::Changing {
        d.lines.clear();
        d.questions.clear();
        d.read_from = drafts::ReadFrom::default();
    }
    d.stage = Stage::Collecting;
    let had_lines = !d.lines.is_empty();
    // A product in the order before this message, named again without an amount, is not
    // asked about: it stays as it is, or was taken out ("jalebi ki jagah 1 kg kalakand").
    let have: Vec<String> = d.lines.iter().map(|l| l.sku.clone()).collect();
    if !had_lines {
        d.add(&r.items);
    } else {
        edit::apply(&mut d, r, t.mentions(), &t.text, t.catalog);
    }
    let fresh = r.unclear.iter().filter(|u| {
        !(u.reason == UnclearReason::NoQuantity && u.skus.iter().all(|s| have.contains(s)))
    });
    d.questions.extend(fresh.cloned());
    keep_words(t, &mut d, r);
    take_fields(t, conn, &mut d, r)?;
    if !r.unknown.is_empty() {
        reply::unknown(t, conn, &r.unknown)?;
    }
    if r.skipped > 0 {
        reply::say_template(t, conn, "more_lines", &[("count", r.skipped.to_string())])?;
    }
    if d.lines.is_empty() && d.questions.is_empty() {
        t.end_draft(conn)?;
        if had_lines {
            return reply::say_template(t, conn, "draft_cancelled", &[]);
        }
        return Ok(());
    }
    next_step(t, conn, d)
}

/// What the customer wrote for each line, for staff corrections to learn from later: the
/// words each product was read from, and the names no product was found for. A cart sent
/// from the WhatsApp catalog names products by sku, so it has no words to keep.
fn keep_words(t: &Turn, d: &mut Draft, r: &Reading) {
    if t.kind == "order" {
        return;
    }
    for s in &r.sources {
        d.read_from.said(&s.sku, &s.text);
    }
    d.read_from.unknown(&r.unknown);
}

/// Name, address, notes, and how and when, as far as the message gives them.
fn take_fields(t: &Turn, conn: &Connection, d: &mut Draft, r: &Reading) -> AppResult<()> {
    if let Some(name) = &r.name {
        d.name = name.clone();
    }
    if let Some(address) = &r.address {
        d.address = address.clone();
    }
    if let Some(notes) = &r.notes {
        d.notes = terms::merge_note(&d.notes, notes);
    }
    terms::note(t, d);
    if d.address.is_empty() && !d.terms.pickup {
        d.address = reply::saved_address(conn, t)?.unwrap_or_default();
    }
    Ok(())
}

/// Asks the next question, or for the address, or shows the reading to confirm.
fn next_step(t: &Turn, conn: &Connection, mut d: Draft) -> AppResult<()> {
    if d.first_reply_ms.is_none() {
        d.first_reply_ms = Some(crate::whatsapp::outbox::now_ms());
    }
    if !d.questions.is_empty() {
        t.save_draft(conn, &d)?;
        return reply::ask(t, conn, &d);
    }
    if d.address.is_empty() && !d.terms.pickup {
        t.save_draft(conn, &d)?;
        let ask = reply::render(t, conn, "ask_address", &[])?;
        return reply::say(t, conn, &reply::after_changes(&d, ask));
    }
    if stock::check(t, conn, &mut d)? {
        return Ok(());
    }
    match reply::summary(t, conn, &d) {
        Ok(total) => {
            d.terms.shown_total = Some(total.minor());
            d.stage = Stage::Confirming;
            t.save_draft(conn, &d)
        }
        // A line that cannot be priced any more (a product taken off sale): say so, drop it.
        Err(OrderError::Invalid(m)) => {
            d.lines.clear();
            t.save_draft(conn, &d)?;
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
        clipped: false,
        skipped: 0,
        sources: Vec::new(),
        mentions: Vec::new(),
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
        lines: d.requests(),
        address: if d.terms.pickup {
            String::new()
        } else {
            d.address.clone()
        },
        notes: d.notes.clone(),
        payment_mode: orders::PaymentMode::Cash,
        fulfilment: d.fulfilment(),
        deliver_on: d.deliver_on(),
        actor: "customer".into(),
    };
    // A savepoint, so a refused order leaves nothing behind but the reply that explains it;
    // one that would not come to the total the customer was shown is not taken either.
    let shown = d.terms.shown_total;
    let take = || {
        let order = orders::service::create(conn, t.business, &req)?;
        match shown {
            Some(total) if total != order.total.minor() => Err(OrderError::Changed(String::new())),
            _ => Ok(order),
        }
    };
    match crate::db::savepoint(conn, take) {
        Ok(order) => {
            orders::store::save_times(conn, order.id, d.first_message_ms, d.first_reply_ms)?;
            orders::store::keep_said(conn, order.id, &d.read_from.pairs())?;
            orders::unread::keep(conn, t.business.id, order.id, &d.read_from.unread)?;
            t.end_draft(conn)?;
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
        // Stock went between the summary and the yes: offer what is left, in plain words.
        Err(OrderError::ShortOfStock(_)) => {
            d.stage = Stage::Collecting;
            next_step(t, conn, d)
        }
        // A price changed between the summary and the yes: the new summary, to confirm again.
        Err(OrderError::Changed(_)) => {
            reply::say_template(t, conn, "price_changed", &[])?;
            next_step(t, conn, d)
        }
        Err(e) => Err(e.into()),
    }
}
