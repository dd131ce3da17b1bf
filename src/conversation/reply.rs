//! What Novi says back: every reply is rendered from the business's templates and written to
//! the outbox in the same transaction as the message that caused it.

use std::cell::Cell;
use std::fmt::Write as _;

use rusqlite::Connection;
use serde_json::Value;

use super::drafts::{self, Draft};
use super::templates;
use crate::accounts::businesses::Business;
use crate::catalog::products;
use crate::customers;
use crate::domain::{plural, Money, Phone, Unit};
use crate::error::{AppError, AppResult};
use crate::orders::tracking::Tracker;
use crate::orders::{self, store, Order, OrderError, Status};
use crate::payments::upi;
use crate::reader::{self, UnclearReason};
use crate::whatsapp::attention;
use crate::whatsapp::outbox::{self, Button, Content, Row};

/// One incoming message and what is needed to answer it.
pub struct Turn<'a> {
    pub business: &'a Business,
    pub catalog: &'a reader::ProductIndex,
    /// Products as priced in this batch's transaction, for summaries.
    pub shelf: &'a orders::service::Shelf,
    /// The shop's wordings as read in this batch's transaction.
    pub wordings: &'a templates::Wordings,
    /// The provider replies go out through, and whether it shows buttons (Cloud API).
    pub provider: &'a str,
    pub buttons: bool,
    /// Who to answer: a customer's number, or a group's chat id.
    pub phone: String,
    pub kind: String,
    /// At most the reader's limit of characters (`domain::limits::MAX_READ_CHARS`).
    pub text: String,
    /// `text` read against the catalog, before the write transaction began.
    pub reading: &'a reader::Reading,
    /// What `text` says about how and when, worked out then too.
    pub heard: &'a super::terms::Heard,
    /// The id of a tapped reply button.
    pub button: Option<String>,
    pub data: Value,
    pub received_ms: i64,
    /// How long the message waited for its first reply, once one is queued: counted in the
    /// reply-time figures by whoever answers the turn, once its writes are kept.
    pub(super) replied: Cell<Option<i64>>,
    /// The customer on file, read once per turn when a reply needs more than the name.
    pub(super) customer: std::cell::OnceCell<Option<customers::Customer>>,
    /// Their name on file (empty when none), read once per turn: every reply's placeholders
    /// need it.
    pub(super) name: std::cell::OnceCell<String>,
    /// Makes tracking and storefront links; `None` when replaying conversations offline.
    pub tracker: Option<&'a Tracker>,
    /// The worker's drafts as last read or written; `None` reads each from the database.
    pub drafts: Option<&'a drafts::Kept>,
    /// The worker's customers' names as last read; `None` reads each from the database.
    pub names: Option<&'a super::names::Names>,
}

impl Turn<'_> {
    pub fn customer_phone(&self) -> AppResult<Phone> {
        Phone::from_digits(&self.phone).map_err(|e| AppError::Invalid(e.to_string()))
    }

    /// The customer writing, if they are on file (group members and hidden numbers are not).
    fn customer(&self, conn: &Connection) -> AppResult<Option<&customers::Customer>> {
        if self.customer.get().is_none() {
            let found = match Phone::from_digits(&self.phone) {
                Ok(p) => customers::by_phone(conn, self.business.id, &p)?,
                Err(_) => None,
            };
            let _ = self.customer.set(found);
        }
        Ok(self.customer.get().and_then(Option::as_ref))
    }

    /// The name on file for the customer writing, empty when there is none.
    fn customer_name(&self, conn: &Connection) -> AppResult<&str> {
        if self.name.get().is_none() {
            let found = match self.customer.get() {
                Some(c) => c.as_ref().map(|c| c.name.clone()),
                None => match (Phone::from_digits(&self.phone), self.names) {
                    (Ok(p), Some(names)) => names.name(conn, self.business.id, p.as_str())?,
                    (Ok(p), None) => customers::name_by_phone(conn, self.business.id, p.as_str())?,
                    (Err(_), _) => None,
                },
            };
            let _ = self.name.set(found.unwrap_or_default());
        }
        Ok(self.name.get().map_or("", String::as_str))
    }

    /// The draft of this chat, if one is open.
    pub fn draft(&self, conn: &Connection) -> AppResult<Option<Draft>> {
        drafts::load(conn, self.drafts, self.business.id, &self.phone)
    }

    pub fn save_draft(&self, conn: &Connection, d: &Draft) -> AppResult<()> {
        drafts::save(conn, self.drafts, self.business.id, &self.phone, d)
    }

    /// Ends this chat's draft: taken as an order, or called off.
    pub fn end_draft(&self, conn: &Connection) -> AppResult<()> {
        drafts::delete(conn, self.drafts, self.business.id, &self.phone)
    }

    /// The products the message names for sure, in message order.
    pub fn mentions(&self) -> &[reader::Mention] {
        &self.reading.mentions
    }

    fn money(&self, amount: Money) -> String {
        amount.format(&self.business.currency)
    }
}

/// Sends `content`, noting how long the message waited for its first reply.
pub fn send(t: &Turn, conn: &Connection, to: &str, content: &Content) -> AppResult<()> {
    send_held(t, conn, to, content, None)
}

/// [`send`], held back by `hold` when there is one.
fn send_held(
    t: &Turn,
    conn: &Connection,
    to: &str,
    content: &Content,
    hold: Option<outbox::Hold>,
) -> AppResult<()> {
    // A reply held back is taken back by its hold, so it is always a row of its own.
    if hold.is_some() {
        outbox::enqueue_held(conn, t.business.id, to, content, t.provider, hold)?;
    } else {
        outbox::enqueue_new(conn, t.business.id, to, content, t.provider)?;
    }
    // Answered either way: by this reply, or by the same one still waiting to go.
    if t.replied.get().is_none() {
        t.replied.set(Some(outbox::now_ms() - t.received_ms));
    }
    Ok(())
}

pub fn say(t: &Turn, conn: &Connection, text: &str) -> AppResult<()> {
    send(t, conn, &t.phone.clone(), &Content::text(text))
}

/// " Asha" for "Thank you{customer_name_comma}!", nothing when the name is not known.
fn name_comma(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(" {name}")
    }
}

/// The placeholders every message can use.
fn common(t: &Turn, conn: &Connection) -> AppResult<Vec<(&'static str, String)>> {
    let name = t.customer_name(conn)?.to_owned();
    let comma = name_comma(&name);
    let storefront = t
        .tracker
        .map_or_else(String::new, |k| k.storefront(&t.business.short_code));
    Ok(vec![
        ("storefront_link", storefront),
        ("shop_name", t.business.name.clone()),
        ("customer_name", name),
        ("customer_name_comma", comma),
    ])
}

pub fn say_template(
    t: &Turn,
    conn: &Connection,
    key: &str,
    vars: &[(&str, String)],
) -> AppResult<()> {
    let text = render(t, conn, key, vars)?;
    say(t, conn, &text)
}

/// Template `key` filled for this turn.
pub fn render(
    t: &Turn,
    conn: &Connection,
    key: &str,
    vars: &[(&str, String)],
) -> AppResult<String> {
    // The message's own values come first, so they win over the common ones (an order carries
    // its customer's name as it is now, which placing it may just have changed).
    let mut all: Vec<(&str, String)> = vars.to_vec();
    all.extend(common(t, conn)?);
    t.wordings.render(conn, t.business.id, key, &all)
}

/// `text` opened with what the customer's last message changed in the draft, if anything: the
/// summary, or whatever Novi must ask before it, says the change was taken.
pub fn after_changes(d: &Draft, text: String) -> String {
    if d.changes.is_empty() {
        return text;
    }
    format!("Changed: {}.\n\n{text}", d.changes.join("; "))
}

/// Asks about the first unclear line.
pub fn ask(t: &Turn, conn: &Connection, d: &Draft) -> AppResult<()> {
    let Some(q) = d.questions.first() else {
        return Ok(());
    };
    let names: Vec<String> = q
        .skus
        .iter()
        .filter_map(|s| t.catalog.find(s))
        .map(|i| i.name.clone())
        .collect();
    if q.reason == UnclearReason::Ambiguous && names.len() > 1 {
        return say_template(t, conn, "ask_which", &[("options", or_list(&names))]);
    }
    let item = q.skus.first().and_then(|s| t.catalog.find(s));
    let product = item.map_or(q.text.clone(), |i| i.name.clone());
    let options: Vec<String> = item
        .map(|i| i.variants.iter().map(|v| v.0.clone()).collect())
        .unwrap_or_default();
    let options = if options.len() > 1 {
        or_list(&options)
    } else {
        "how many?".into()
    };
    say_template(
        t,
        conn,
        "ask_amount",
        &[("product", product), ("options", options)],
    )
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

pub fn unknown(t: &Turn, conn: &Connection, names: &[String]) -> AppResult<()> {
    say_template(
        t,
        conn,
        "unknown",
        &[("names", or_list(names).replace(" or ", " and "))],
    )
}

/// The draft priced as of now, by the same function that prices the order, with what the
/// last message changed, each line's amount and price, the fee (or pickup), the total, the
/// address and the note: what the customer confirms is what the order will store.
pub fn summary(t: &Turn, conn: &Connection, d: &Draft) -> Result<Money, OrderError> {
    let quote =
        orders::service::quote_on(conn, t.business, &d.requests(), d.fulfilment(), t.shelf)?;
    let (lines, totals) = (&quote.lines, &quote.totals);
    let items: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| line_text(t, i + 1, l))
        .collect();
    let vars = [
        ("items", items.join("\n")),
        ("delivery_fee", fee_text(t, d, totals.delivery_fee)),
        ("total", t.money(totals.total)),
        ("address", where_text(d, false)),
        ("where", where_text(d, true)),
        ("note", note_text(d)),
    ];
    let mut all = common(t, conn)?;
    all.extend(vars);
    let text = after_changes(d, t.wordings.render(conn, t.business.id, "summary", &all)?);
    let content = if t.buttons {
        let b = |id: &str, title: &str| Button {
            id: id.into(),
            title: title.into(),
        };
        Content::Buttons {
            text,
            buttons: vec![
                b("confirm", "Confirm"),
                b("change", "Change"),
                b("cancel", "Cancel"),
            ],
        }
    } else {
        Content::text(format!(
            "{text}\n\n{}",
            t.wordings
                .render(conn, t.business.id, "confirm_prompt", &[])?
        ))
    };
    send(t, conn, &t.phone, &content)?;
    Ok(totals.total)
}

/// The order is taken: the shop's wording, then, when the shop takes UPI and the order is not
/// paid through Razorpay, a `upi://pay` link for the exact total with the order as the note.
/// At a shop with Razorpay the message waits (`pay_link::hold`) for a Payment Link to be added.
pub fn confirmed(t: &Turn, conn: &Connection, o: &Order) -> AppResult<()> {
    let mut vars = order_vars(t.business, o, t.tracker);
    vars.extend(common(t, conn)?);
    let mut text = t.wordings.render(conn, t.business.id, "confirmed", &vars)?;
    let link = (o.payment_mode != orders::PaymentMode::Razorpay)
        .then(|| upi::order_link(t.business, o.number, o.total))
        .flatten();
    if let Some(link) = link {
        text.push_str(&format!("\n\nPay {} by UPI: {link}", t.money(o.total)));
    }
    // "Add 1 kg jalebi to my order" is read as a new order: the customer is told it is one, so
    // they do not count on the one before changing (or pay its delivery twice unawares).
    let open = orders::store::open_numbers(conn, o.customer.id, o.id)?;
    if !open.is_empty() {
        let numbers: Vec<String> = open.iter().map(|n| format!("#{n}")).collect();
        let (orders, stay) = if open.len() == 1 {
            ("order", "stays as it was")
        } else {
            ("orders", "stay as they were")
        };
        text.push_str(&format!(
            "\n\nThis is a new order, separate from your {orders} {}, which {stay}.",
            numbers.join(" and ")
        ));
    }
    let hold = super::pay_link::hold(conn, t.business, o)?;
    send_held(t, conn, &t.phone.clone(), &Content::text(text), hold)
}

/// The placeholders an order fills.
pub fn order_vars(
    b: &Business,
    o: &Order,
    tracker: Option<&Tracker>,
) -> Vec<(&'static str, String)> {
    let items: Vec<String> = o
        .lines
        .iter()
        .map(|l| format!("{} {}", l.name, l.amount_label()))
        .collect();
    let tracking_link = tracker.map_or_else(String::new, |t| t.link(b.id, o.number));
    vec![
        ("tracking_link", tracking_link),
        ("order_number", format!("#{}", o.number)),
        ("items", items.join(", ")),
        ("total", o.total.format(&b.currency)),
        ("status", o.status.label_for(o.fulfilment).to_lowercase()),
        ("shop_name", b.name.clone()),
        ("customer_name", o.customer.name.clone()),
        ("customer_name_comma", name_comma(&o.customer.name)),
        ("phone", o.customer.phone.to_string()),
        ("address", o.address.clone()),
        (
            "payment",
            match o.payment_mode {
                orders::PaymentMode::Cash => "cash on delivery".into(),
                orders::PaymentMode::Upi => "UPI".into(),
                orders::PaymentMode::Razorpay => "paid online".into(),
            },
        ),
    ]
}

fn latest_orders(t: &Turn, conn: &Connection, n: i64) -> AppResult<Vec<Order>> {
    let Some(c) = t.customer(conn)? else {
        return Ok(Vec::new());
    };
    let f = store::Filter {
        customer_id: Some(c.id),
        ..Default::default()
    };
    Ok(store::list(conn, t.business.id, &f, 1, n)?.0)
}

pub fn status(t: &Turn, conn: &Connection) -> AppResult<()> {
    let orders = latest_orders(t, conn, 3)?;
    if orders.is_empty() {
        return say_template(t, conn, "no_orders", &[]);
    }
    let list: Vec<String> = orders
        .iter()
        .map(|o| {
            format!(
                "#{} — {} ({})",
                o.number,
                o.status.label_for(o.fulfilment),
                t.money(o.total)
            )
        })
        .collect();
    say_template(t, conn, "status_list", &[("orders", list.join("\n"))])
}

/// Cancels the customer's latest open order, or says why it cannot be.
pub fn cancel_latest(t: &Turn, conn: &Connection) -> AppResult<()> {
    let open = latest_orders(t, conn, 5)?
        .into_iter()
        .find(|o| !matches!(o.status, Status::Delivered | Status::Cancelled));
    let Some(order) = open else {
        return say_template(t, conn, "no_orders", &[]);
    };
    let cancelled = orders::service::change_status(
        conn,
        t.business,
        order.number,
        Status::Cancelled,
        "customer",
    )
    .and_then(|o| super::notify::settled(conn, t.business, o));
    match cancelled {
        Ok(o) => say_template(
            t,
            conn,
            "order_cancelled",
            &order_vars(t.business, &o, t.tracker),
        ),
        Err(OrderError::BadMove(refused)) => say_template(
            t,
            conn,
            "cannot_cancel",
            &[
                ("order_number", format!("#{}", order.number)),
                ("reason", refused.to_string()),
            ],
        ),
        Err(e) => Err(e.into()),
    }
}

/// "2. Gulab Jamun 2 × Box of 12 (₹420 each) — ₹840", "1. Kaju Katli 1 kg (₹1,200/kg) — ₹1,200".
fn line_text(t: &Turn, n: usize, l: &orders::model::Line) -> String {
    // Written into one string: a summary has a line each, and each summary is sent.
    let per = match (&l.variant, l.unit) {
        (None, Unit::Kg) => "/kg",
        _ => " each",
    };
    let (price, total) = (t.money(l.unit_price), t.money(l.total));
    let amount = l.amount_label();
    let mut out = String::with_capacity(l.name.len() + amount.len() + price.len() + 32);
    let _ = write!(out, "{n}. {} {amount} ({price}{per}) — {total}", l.name);
    out
}

fn fee_text(t: &Turn, d: &Draft, fee: Money) -> String {
    if d.terms.pickup {
        "none (pickup)".into()
    } else {
        t.money(fee)
    }
}

/// The address, or that they will collect it; `labelled` adds "Deliver to: ".
fn where_text(d: &Draft, labelled: bool) -> String {
    match (d.terms.pickup, labelled) {
        (true, _) => "Pickup at the shop".into(),
        (false, true) => format!("Deliver to: {}", d.address),
        (false, false) => d.address.clone(),
    }
}

/// "\nNote: kal subah 10 baje (for Tue 1 Dec)", or nothing.
fn note_text(d: &Draft) -> String {
    let day = d
        .deliver_on()
        .map(|day| day.format("%a %-d %b").to_string());
    match (d.notes.trim(), day) {
        ("", None) => String::new(),
        ("", Some(day)) => format!("\nFor: {day}"),
        (note, None) => format!("\nNote: {note}"),
        (note, Some(day)) => format!("\nNote: {note} (for {day})"),
    }
}

/// The menu: on the Cloud API a list of categories to pick from (each pick sends that
/// category's prices); elsewhere, or with more than ten categories, every price as text.
pub fn menu(t: &Turn, conn: &Connection) -> AppResult<()> {
    let all = t.shelf.on_sale(conn, t.business.id)?;
    let mut categories: Vec<&str> = all.iter().map(|p| category(&p.category)).collect();
    categories.dedup();
    if !t.buttons || categories.is_empty() || categories.len() > 10 {
        return say_template(t, conn, "menu", &[("menu", price_list(t, &all, None))]);
    }
    let rows = categories
        .iter()
        .map(|c| {
            let items: Vec<&products::Product> =
                all.iter().filter(|p| category(&p.category) == *c).collect();
            // What can be ordered today: a category whose every item is sold out says so.
            let left: Vec<_> = items.iter().filter(|p| p.stock > 0).collect();
            let description = match left.iter().map(|p| p.price).min() {
                Some(from) => format!(
                    "{}, from {}",
                    plural::count(left.len(), "item", "items"),
                    t.money(from)
                ),
                None => "Sold out today".to_owned(),
            };
            Row {
                id: format!("menu:{c}"),
                title: (*c).to_owned(),
                description,
            }
        })
        .collect();
    let text = t
        .wordings
        .render(conn, t.business.id, "menu_list", &common(t, conn)?)?;
    send(
        t,
        conn,
        &t.phone.clone(),
        &Content::List {
            text,
            button: "See the menu".into(),
            rows,
        },
    )
}

/// One category's prices, for a pick from the menu list.
pub fn menu_category(t: &Turn, conn: &Connection, wanted: &str) -> AppResult<()> {
    let all = t.shelf.on_sale(conn, t.business.id)?;
    say_template(
        t,
        conn,
        "menu",
        &[("menu", price_list(t, &all, Some(wanted)))],
    )
}

fn category(c: &str) -> &str {
    if c.is_empty() {
        "Other"
    } else {
        c
    }
}

/// "*Sweets*\n• Kaju Katli — ₹1,200.00/kg" for every product (of one category); one with
/// no stock left says "sold out today" instead of its price.
fn price_list(t: &Turn, all: &[products::Product], only: Option<&str>) -> String {
    let mut text = String::new();
    let mut current = None;
    for p in all
        .iter()
        .filter(|p| only.is_none_or(|c| category(&p.category) == c))
    {
        if current != Some(category(&p.category)) {
            text.push_str(&format!("\n*{}*\n", category(&p.category)));
            current = Some(category(&p.category));
        }
        let per = if p.unit == crate::domain::Unit::Kg {
            "/kg"
        } else {
            " each"
        };
        // Listed all the same, so a regular asking for it learns why it is missing.
        if p.stock <= 0 {
            text.push_str(&format!("• {} — sold out today\n", p.name));
        } else {
            text.push_str(&format!("• {} — {}{per}\n", p.name, t.money(p.price)));
        }
    }
    text.trim().to_owned()
}

/// Answers politely and flags the conversation for a person. While someone from the shop is
/// talking with the customer (wrote within the last day), Novi keeps out of it: "someone will
/// get back to you" after they just did would be wrong, and a bare "ok thanks" to them needs
/// no one; anything else is flagged for them, unanswered.
pub fn fallback(t: &Turn, conn: &Connection) -> AppResult<()> {
    let bid = t.business.id;
    let talking = t.button.is_none() && attention::person_talking(conn, bid, &t.phone)?;
    if talking && super::words::is_only_agreement(&t.text) {
        return Ok(());
    }
    let why = "Novi could not tell what they wanted";
    attention::flag(conn, bid, &t.phone, why)?;
    if talking {
        return Ok(());
    }
    say_template(t, conn, "fallback", &[])
}

/// A message at the summary that reads as none of yes, change, cancel or new lines ("remove
/// the laddoo" in words Novi does not know): a yes after the generic answer would place the
/// order as summed up while the customer thinks it changed. They are told nothing changed and
/// sent the summary again, and a person is asked to look.
pub fn unread_change(t: &Turn, conn: &Connection, d: &Draft) -> AppResult<()> {
    let why = "Novi could not read a change to the order being confirmed";
    attention::flag(conn, t.business.id, &t.phone, why)?;
    say_template(t, conn, "change_unread", &[])?;
    summary(t, conn, d).map(|_| ()).map_err(AppError::from)
}

/// The address the customer used last, if any.
pub fn saved_address(conn: &Connection, t: &Turn) -> AppResult<Option<String>> {
    Ok(t.customer(conn)?.and_then(|c| c.addresses.first().cloned()))
}
