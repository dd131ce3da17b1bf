//! Telling people when an order moves: the customer gets the business's message for the new
//! status, and `delivery` groups get the order's summary when it goes out. Written to the
//! outbox in the transaction that changes the status.

use rusqlite::{params, Connection};

use super::reply::order_vars;
use super::templates;
use crate::accounts::businesses::Business;
use crate::error::AppResult;
use crate::orders::{service, Order, Status};
use crate::whatsapp::{outbox, settings};

/// Moves an order for a person at the shop (or an API client) and tells whoever should hear of
/// it, through the outbox in the caller's transaction. The conversation moves orders through
/// `orders::service` directly, since it answers the customer itself.
pub fn change_status(
    conn: &Connection,
    b: &Business,
    number: i64,
    to: Status,
    actor: &str,
) -> AppResult<Order> {
    let moved = service::change_status(conn, b, number, to, actor)?;
    status_changed(conn, b, &moved)?;
    Ok(moved)
}

fn status_changed(conn: &Connection, b: &Business, order: &Order) -> AppResult<()> {
    let provider = settings::load(conn, b.id)?.provider;
    let vars = order_vars(b, order);
    let key = format!("status_{}", order.status.as_str());
    if templates::find(&key).is_some() {
        let text = templates::render(conn, b.id, &key, &vars)?;
        outbox::enqueue(
            conn,
            b.id,
            order.customer.phone.as_str(),
            &outbox::Content::text(text),
            provider.as_str(),
        )?;
    }
    if order.status == Status::OutForDelivery {
        let text = templates::render(conn, b.id, "delivery_group", &vars)?;
        for chat_id in delivery_groups(conn, b.id)? {
            outbox::enqueue(
                conn,
                b.id,
                &chat_id,
                &outbox::Content::text(text.clone()),
                provider.as_str(),
            )?;
        }
    }
    Ok(())
}

fn delivery_groups(conn: &Connection, business_id: i64) -> AppResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT chat_id FROM whatsapp_groups WHERE business_id = ?1 AND role = 'delivery'",
    )?;
    let rows = stmt.query_map(params![business_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
