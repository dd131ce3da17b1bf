//! Taking back a status change made by mistake ("Delivered" tapped on the wrong order): for a
//! short while, and only while it is still the last thing that happened to the order, so an
//! undo never overwrites a later change or a payment.

use rusqlite::Connection;

use super::error::OrderError;
use super::model::{Event, Order};
use super::service::{return_stock, take_stock};
use super::status::Status;
use super::store::{self, NewEvent};
use crate::accounts::businesses::Business;
use crate::catalog::stock::Cause;

type OrderResult<T> = Result<T, OrderError>;

/// The note on the timeline entry an undo adds; an undo is not itself undone.
pub const UNDO_NOTE: &str = "undone";

/// The status change that can still be undone at `now`: the order's last timeline entry, if it
/// is a status change by a person, made less than `window_secs` ago.
pub fn undoable(order: &Order, now: i64, window_secs: i64) -> Option<&Event> {
    let last = order.events.last()?;
    let fresh = now - last.created_at < window_secs;
    let by_hand = last.kind == "status" && last.note != UNDO_NOTE && last.from_status.is_some();
    (fresh && by_hand && last.to_status == Some(order.status)).then_some(last)
}

/// Puts the order back to the status it had before timeline entry `event_id`. A cancelled
/// order takes its stock again, which is refused if the stock has been sold meanwhile.
pub fn undo(
    conn: &Connection,
    business: &Business,
    number: i64,
    event_id: i64,
    now: i64,
    window_secs: i64,
    actor: &str,
) -> OrderResult<Order> {
    let order = store::by_number(conn, business.id, number)?.ok_or(OrderError::NotFound)?;
    let Some(last) = undoable(&order, now, window_secs).filter(|e| e.id == event_id) else {
        return Err(OrderError::UndoRefused(why_not(&order, event_id)));
    };
    let back = last
        .from_status
        .expect("undoable entries have a from status");
    let reason = format!("order #{number}: status change undone");
    let cause = Cause {
        reason: &reason,
        order_id: Some(order.id),
        actor,
    };
    match (order.status, back) {
        (Status::Cancelled, _) => take_stock(conn, business.id, &order.lines, &cause)?,
        (_, Status::Cancelled) => return_stock(conn, business.id, &order.lines, &cause)?,
        _ => {}
    }
    store::save_status(conn, order.id, back)?;
    let entry = NewEvent {
        kind: "status",
        from: Some(order.status),
        to: Some(back),
        actor,
        note: UNDO_NOTE,
    };
    store::add_event(conn, business.id, order.id, &entry)?;
    store::by_number(conn, business.id, number)?.ok_or(OrderError::NotFound)
}

fn why_not(order: &Order, event_id: i64) -> String {
    if !order.events.iter().any(|e| e.id == event_id) {
        return format!(
            "Nothing to undo: that change is not on order #{}.",
            order.number
        );
    }
    let later = order.events.iter().any(|e| e.id > event_id);
    if later {
        format!(
            "Order #{} has changed since; that change can no longer be undone.",
            order.number
        )
    } else {
        "Too late to undo: a status change can be undone for a minute.".into()
    }
}
