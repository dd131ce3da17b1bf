//! What Razorpay says was paid or refunded, put on the order: the one place both the webhook
//! worker and the Checkout or Payment Link callback record money, in the caller's transaction,
//! so a payment is recorded once whichever gets there first.

use rusqlite::Connection;

use super::flags::{self, NewFlag};
use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::store as orders_store;
use crate::orders::{Order, PaymentMode, Status};
use crate::payments::{self, store as payments_store, Kind, NewPayment};
use crate::whatsapp::outbox;

/// Who the timeline names for what Razorpay reported.
pub const ACTOR: &str = "Razorpay";

/// A payment Razorpay captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Razorpay's payment id (`pay_…`).
    pub payment_id: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// A refund Razorpay processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// Razorpay's refund id (`rfnd_…`).
    pub refund_id: String,
    /// The payment it gives money back from.
    pub payment_id: String,
    pub amount_minor: i64,
    pub currency: String,
}

/// What became of a payment Razorpay reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Recorded on the order now.
    Recorded,
    /// Recorded before (a repeated delivery, or the callback and the webhook both told of it).
    AlreadyRecorded,
    /// Not put on the order: set aside for staff to refund (see `flags`).
    Flagged,
}

/// What became of a refund Razorpay reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundApplied {
    /// Recorded on order `number` now.
    Recorded(i64),
    /// Recorded on order `number` before.
    AlreadyRecorded(i64),
    /// Not recorded, and why (its payment is not on any order, or it is more than was paid).
    NotRecorded(String),
}

impl RefundApplied {
    /// The outcome kept with a webhook delivery.
    pub fn outcome(&self) -> String {
        match self {
            RefundApplied::Recorded(n) => format!("refund recorded on order #{n}"),
            RefundApplied::AlreadyRecorded(n) => format!("refund already recorded on order #{n}"),
            RefundApplied::NotRecorded(why) => format!("refund not recorded: {why}"),
        }
    }
}

fn order(conn: &Connection, b: &Business, order_id: i64) -> AppResult<Order> {
    orders_store::by_id(conn, b.id, order_id)?.ok_or(AppError::NotFound)
}

/// Why a captured payment cannot go on `order`, if it cannot: cancelled, another currency, or
/// more than is still due.
fn misfit(b: &Business, order: &Order, c: &Captured, due: Money) -> Option<String> {
    let money = |m: i64| Money::from_minor(m).format(&b.currency);
    if order.status == Status::Cancelled {
        return Some(format!("order #{} was cancelled", order.number));
    }
    if !c.currency.eq_ignore_ascii_case(&order.currency) {
        return Some(format!(
            "paid in {}, but the order is in {}",
            c.currency, order.currency
        ));
    }
    if c.amount_minor <= 0 || c.amount_minor > due.minor() {
        return Some(format!(
            "paid {}, but {} was due",
            money(c.amount_minor),
            money(due.minor())
        ));
    }
    None
}

/// Puts payment `c` on order `order_id` in the caller's transaction: recorded once (mode
/// Razorpay, its payment id as the reference, by "Razorpay"), which moves the order's payment
/// status and timeline, and "payment received" queued to the customer. A payment for a cancelled
/// order, in another currency, or for more than is due is flagged for staff to refund instead.
pub fn captured(
    conn: &Connection,
    b: &Business,
    order_id: i64,
    c: &Captured,
) -> AppResult<Applied> {
    Ok(captured_why(conn, b, order_id, c)?.0)
}

/// [`captured`], with why the payment was flagged when it was.
pub fn captured_why(
    conn: &Connection,
    b: &Business,
    order_id: i64,
    c: &Captured,
) -> AppResult<(Applied, Option<String>)> {
    if payments_store::razorpay_order(conn, b.id, Kind::Payment, &c.payment_id)?.is_some() {
        return Ok((Applied::AlreadyRecorded, None));
    }
    let order = order(conn, b, order_id)?;
    let due = payments::due_of(order.total, &payments_store::sums(conn, order.id)?);
    if let Some(why) = misfit(b, &order, c, due) {
        let flag = NewFlag {
            order_id: order.id,
            reason: &why,
            payment_id: &c.payment_id,
            amount_minor: c.amount_minor,
            currency: &c.currency,
        };
        flags::raise(conn, b.id, &flag)?;
        return Ok((Applied::Flagged, Some(why)));
    }
    let payment = NewPayment {
        amount: Money::from_minor(c.amount_minor),
        mode: PaymentMode::Razorpay,
        kind: Kind::Payment,
        reference: c.payment_id.clone(),
        recorded_by: None,
        actor: ACTOR.into(),
    };
    payments::record(conn, b, order.number, &payment)?;
    tell_customer(conn, b, &order, payment.amount)?;
    Ok((Applied::Recorded, None))
}

/// "Payment received" to the customer, through the outbox in the caller's transaction.
fn tell_customer(conn: &Connection, b: &Business, order: &Order, amount: Money) -> AppResult<()> {
    let text = format!(
        "Payment received: {} for your order #{}. Thank you! — {}",
        amount.format(&b.currency),
        order.number,
        b.name
    );
    outbox::enqueue_text(conn, b.id, order.customer.phone.as_str(), text)?;
    Ok(())
}

/// Records refund `r` once, on the order its payment was recorded on, in the caller's
/// transaction, whether the refund API's answer or the `refund.processed` webhook comes first.
pub fn refunded(conn: &Connection, b: &Business, r: &Refunded) -> AppResult<RefundApplied> {
    // Processed: whatever becomes of it here, it no longer waits.
    super::pending::release(conn, b.id, &r.refund_id)?;
    let Some(order_id) = payments_store::razorpay_order(conn, b.id, Kind::Payment, &r.payment_id)?
    else {
        return Ok(RefundApplied::NotRecorded(format!(
            "payment {} is not recorded on any order",
            r.payment_id
        )));
    };
    let order = order(conn, b, order_id)?;
    if payments_store::razorpay_order(conn, b.id, Kind::Refund, &r.refund_id)?.is_some() {
        return Ok(RefundApplied::AlreadyRecorded(order.number));
    }
    let refund = NewPayment {
        amount: Money::from_minor(r.amount_minor),
        mode: PaymentMode::Razorpay,
        kind: Kind::Refund,
        reference: r.refund_id.clone(),
        recorded_by: None,
        actor: ACTOR.into(),
    };
    // More back than was received cannot go on the order: say so rather than fail for ever.
    match payments::record(conn, b, order.number, &refund) {
        Ok(_) => {
            payments_store::set_refund_of(conn, b.id, &r.refund_id, &r.payment_id)?;
            Ok(RefundApplied::Recorded(order.number))
        }
        Err(AppError::Invalid(why) | AppError::Conflict(why)) => {
            Ok(RefundApplied::NotRecorded(why))
        }
        Err(e) => Err(e),
    }
}
