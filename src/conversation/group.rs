//! WhatsApp groups (through a gateway): a post in a `sales` group in the staff's form
//! (Name / Phone / Items / Address, any order and spelling) becomes an order at once.

use rusqlite::Connection;

use super::reply::{self, Turn};
use super::templates;
use crate::domain::Phone;
use crate::error::AppResult;
use crate::orders::{self, Channel, LineRequest, NewOrder, PaymentMode};
use crate::reader;
use crate::whatsapp::groups;
use crate::whatsapp::outbox::Content;

/// Handles a post in group `group_id` by the member `t.phone`.
pub fn handle(t: &Turn, conn: &Connection, group_id: &str) -> AppResult<()> {
    if groups::role_of(conn, t.business.id, group_id)?.as_deref() != Some("sales") {
        return Ok(());
    }
    let r = reader::read(t.catalog, &t.text);
    // Staff also chat in the group ("ok", "thanks"): answer only what looks like an order post.
    let labelled = t.text.to_lowercase().contains("items");
    if r.intent != reader::Intent::Order && r.phone.is_none() && r.address.is_none() && !labelled {
        return Ok(());
    }
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
    let phone = r.phone.as_deref().and_then(|p| Phone::from_digits(p).ok());
    if phone.is_none() {
        problems.push("no customer phone number".into());
    }
    let to_group = |text: String| reply::send(t, conn, group_id, &Content::text(text));
    let (Some(phone), true) = (phone, problems.is_empty()) else {
        let text = templates::render(
            conn,
            t.business.id,
            "group_order_unreadable",
            &[("problems", problems.join("; "))],
        )?;
        return to_group(text);
    };
    let req = NewOrder {
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
        payment_mode: PaymentMode::Cod,
        actor: format!("group:{}", t.phone),
    };
    match crate::db::savepoint(conn, || orders::service::create(conn, t.business, &req)) {
        Ok(order) => {
            let text = templates::render(
                conn,
                t.business.id,
                "group_order_taken",
                &reply::order_vars(t.business, &order),
            )?;
            to_group(text)
        }
        Err(e) => {
            let problems = e.into_refusal()?;
            let text = templates::render(
                conn,
                t.business.id,
                "group_order_unreadable",
                &[("problems", problems)],
            )?;
            to_group(text)
        }
    }
}
