//! Telling people when an order moves: the customer gets the business's message for the new
//! status, and `delivery` groups get the order's summary when it goes out. Written to the
//! outbox in the transaction that changes the status.

use rusqlite::Connection;

use super::reply::order_vars;
use super::templates;
use crate::accounts::businesses::Business;
use crate::error::AppResult;
use crate::orders::tracking::Tracker;
use crate::orders::{service, undo, Fulfilment, NewOrder, Order, OrderError, Status};
use crate::whatsapp::{groups, outbox, settings};

/// Moves an order for a person at the shop (or an API client) and tells whoever should hear of
/// it, through the outbox in the caller's transaction. The conversation moves orders through
/// `orders::service` directly, since it answers the customer itself.
pub fn change_status(
    conn: &Connection,
    b: &Business,
    number: i64,
    to: Status,
    actor: &str,
    tracker: Option<&Tracker>,
) -> Result<Order, OrderError> {
    let moved = settled(conn, b, service::change_status(conn, b, number, to, actor)?)?;
    status_changed(conn, b, &moved, None, tracker)?;
    Ok(moved)
}

/// `order` after a status move, its payment status worked out again: a cancelled order owes
/// nothing, so one part paid is no longer "partly paid" (and is no longer listed as money to
/// chase), and an undone cancellation owes its total again.
pub fn settled(conn: &Connection, b: &Business, order: Order) -> Result<Order, OrderError> {
    // Read again only when the status changed: most moves leave it as it was.
    if !crate::payments::settle(conn, &order)? {
        return Ok(order);
    }
    let now = crate::orders::store::by_number(conn, b.id, order.number)?;
    Ok(now.unwrap_or(order))
}

/// Takes an order that came in outside a chat (the storefront) and sends the customer the same
/// "order placed" message a chat order gets, through the outbox in the caller's transaction.
pub fn take_order(
    conn: &Connection,
    b: &Business,
    req: &NewOrder,
    tracker: Option<&Tracker>,
) -> Result<Order, OrderError> {
    let order = service::create(conn, b, req)?;
    let text = templates::render(conn, b.id, "confirmed", &order_vars(b, &order, tracker))?;
    outbox::enqueue_text(conn, b.id, order.customer.phone.as_str(), text)?;
    Ok(order)
}

/// [`change_status`] for the order page, where a change can be undone for `hold_secs`: the
/// messages it sends wait that long, so an undone change is never told to anyone.
pub fn change_status_undoably(
    conn: &Connection,
    b: &Business,
    number: i64,
    to: Status,
    actor: &str,
    hold_secs: i64,
    tracker: Option<&Tracker>,
) -> Result<Order, OrderError> {
    let moved = settled(conn, b, service::change_status(conn, b, number, to, actor)?)?;
    let entry = moved.events.last().ok_or(OrderError::NotFound)?;
    let hold = outbox::Hold {
        order_event_id: entry.id,
        until_ms: (entry.created_at + hold_secs) * 1000,
    };
    status_changed(conn, b, &moved, Some(hold), tracker)?;
    Ok(moved)
}

/// Takes back status change `event_id` (see `orders::undo`) and the messages still held for it.
pub fn undo_status(
    conn: &Connection,
    b: &Business,
    number: i64,
    event_id: i64,
    window_secs: i64,
    actor: &str,
) -> Result<Order, OrderError> {
    let now = crate::db::now();
    let order = settled(
        conn,
        b,
        undo::undo(conn, b, number, event_id, now, window_secs, actor)?,
    )?;
    outbox::withdraw_held(conn, b.id, event_id)?;
    Ok(order)
}

fn status_changed(
    conn: &Connection,
    b: &Business,
    order: &Order,
    hold: Option<outbox::Hold>,
    tracker: Option<&Tracker>,
) -> AppResult<()> {
    let provider = settings::load(conn, b.id)?.provider;
    let vars = order_vars(b, order, tracker);
    // A pickup order is ready at the shop, then picked up: never "out for delivery".
    let key = format!("status_{}", order.status.step(order.fulfilment).0);
    if templates::find(&key).is_some() {
        let text = templates::render(conn, b.id, &key, &vars)?;
        outbox::enqueue_held(
            conn,
            b.id,
            order.customer.phone.as_str(),
            &outbox::Content::text(text),
            provider.as_str(),
            hold,
        )?;
    }
    if order.status == Status::OutForDelivery && order.fulfilment == Fulfilment::Delivery {
        let text = templates::render(conn, b.id, "delivery_group", &vars)?;
        for chat_id in groups::chats_with_role(conn, b.id, "delivery")? {
            outbox::enqueue_held(
                conn,
                b.id,
                &chat_id,
                &outbox::Content::text(text.clone()),
                provider.as_str(),
                hold,
            )?;
        }
    }
    Ok(())
}
