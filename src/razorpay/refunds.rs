//! Refunds through Razorpay from the order page: how much of an order's Razorpay money can go
//! back, and what Razorpay's answer does. The refund is recorded once, when Razorpay says it is
//! processed (in its answer or by `refund.processed`, whichever comes first); until then a
//! pending refund holds its amount back (`pending`), so a second one cannot ask for it again.

use rusqlite::Connection;

use super::apply::{self, RefundApplied, Refunded};
use super::client::Refund;
use super::pending;
use crate::accounts::businesses::Business;
use crate::audit::{self, Actor};
use crate::domain::Money;
use crate::error::AppResult;
use crate::orders::store::{self as orders_store, NewEvent};
use crate::orders::{Order, PaymentMode};
use crate::payments::{store as payments_store, Kind};

/// What can be given back through Razorpay, and from which payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refundable {
    /// The order's newest Razorpay payment with money left on it, which the refund is made from.
    pub payment_id: String,
    /// At most what is left on that payment, at most what the order has received in all less
    /// what refunds still pending will give back.
    pub max: Money,
}

/// What of order `order` can be refunded through Razorpay; `None` when it was not paid through
/// Razorpay or all of it has gone back, or is on its way back. Each payment can give back what
/// is left on it (its amount less the refunds made and asked for from it); the newest with
/// something left is offered.
pub fn refundable(conn: &Connection, order: &Order) -> AppResult<Option<Refundable>> {
    let rows = payments_store::of_order(conn, order.id)?;
    let mut left: Vec<(String, i64)> = rows
        .iter()
        .filter(|p| p.mode == PaymentMode::Razorpay && p.kind == Kind::Payment)
        .filter(|p| !p.reference.is_empty())
        .map(|p| (p.reference.clone(), p.amount.minor()))
        .collect();
    let refunds = rows
        .iter()
        .filter(|p| p.mode == PaymentMode::Razorpay && p.kind == Kind::Refund)
        .map(|p| (p.refund_of.as_str(), p.amount.minor()));
    let pending = pending::of_order(conn, order.id)?;
    let waiting = pending
        .iter()
        .map(|p| (p.payment_id.as_str(), p.amount_minor));
    for (of, amount) in refunds.chain(waiting) {
        take_from(&mut left, of, amount);
    }
    let Some((payment_id, on_it)) = left.iter().rev().find(|(_, n)| *n > 0).cloned() else {
        return Ok(None);
    };
    let sums = payments_store::sums(conn, order.id)?;
    let max = on_it.min(sums.returnable().minor());
    Ok((max > 0).then(|| Refundable {
        payment_id,
        max: Money::from_minor(max),
    }))
}

/// Counts `amount` refunded against payment `of`; a refund that does not say which payment
/// (recorded before Novi kept it) against the newest payments first.
fn take_from(left: &mut [(String, i64)], of: &str, mut amount: i64) {
    if let Some(p) = left.iter_mut().find(|(id, _)| !of.is_empty() && id == of) {
        p.1 -= amount;
        return;
    }
    for p in left.iter_mut().rev() {
        let taken = amount.min(p.1.max(0));
        p.1 -= taken;
        amount -= taken;
    }
}

/// Why `amount` cannot be refunded, said beside the amount field; `None` when it can.
pub fn refusal(b: &Business, amount: Money, r: &Refundable) -> Option<String> {
    if amount.minor() <= 0 {
        return Some("the amount must be more than zero".into());
    }
    (amount > r.max).then(|| {
        format!(
            "{} is more than the {} that can go back through Razorpay",
            amount.format(&b.currency),
            r.max.format(&b.currency)
        )
    })
}

/// Puts Razorpay's answer to a refund of `amount` from `payment_id` on order `order`, in the
/// caller's transaction, and records who asked in the audit log. A processed refund is recorded
/// now; a pending one goes on the timeline and holds its amount back, and is recorded when
/// `refund.processed` comes.
pub fn answered(
    conn: &Connection,
    b: &Business,
    order: &Order,
    payment_id: &str,
    amount: Money,
    refund: &Refund,
    who: &Actor,
) -> AppResult<()> {
    let money = amount.format(&b.currency);
    let detail = format!(
        "order #{}: {money} through Razorpay from {payment_id}, refund {} ({})",
        order.number, refund.id, refund.status
    );
    audit::record(conn, who, Some(b.id), audit::REFUND, &detail)?;
    if refund.status == "processed" {
        let r = Refunded {
            refund_id: refund.id.clone(),
            payment_id: payment_id.to_owned(),
            amount_minor: amount.minor(),
            currency: b.currency.clone(),
        };
        if let RefundApplied::NotRecorded(why) = apply::refunded(conn, b, &r)? {
            tracing::warn!(refund = %refund.id, why = %why, "a processed Razorpay refund was not recorded");
        }
        return Ok(());
    }
    // `refund.processed` may have come before this answer: then nothing is left to hold.
    if payments_store::razorpay_order(conn, b.id, Kind::Refund, &refund.id)?.is_none() {
        let p = pending::Pending {
            refund_id: refund.id.clone(),
            payment_id: payment_id.to_owned(),
            amount_minor: amount.minor(),
        };
        pending::hold(conn, b.id, order.id, &p)?;
    }
    let note = format!(
        "{} asked Razorpay to refund {money} ({}); it is recorded when Razorpay has processed it",
        who.username, refund.id
    );
    let event = NewEvent {
        kind: "note",
        from: None,
        to: None,
        actor: &who.username,
        note: &note,
    };
    orders_store::add_event(conn, b.id, order.id, &event)?;
    Ok(())
}

/// Records in the audit log that a refund was asked of Razorpay and refused or not answered,
/// so the attempt is on record whatever became of it.
pub fn not_made(
    conn: &Connection,
    b: &Business,
    order: &Order,
    amount: Money,
    why: &str,
    who: &Actor,
) -> AppResult<()> {
    let detail = format!(
        "order #{}: refund of {} through Razorpay not made: {why}",
        order.number,
        amount.format(&b.currency)
    );
    audit::record(conn, who, Some(b.id), audit::REFUND, &detail)
}
