//! Payments on every order: cash, UPI to the shop and Razorpay, each payment and refund a row of
//! its own; the order's payment status worked out from them in the same transaction.

pub mod drawer;
pub mod store;
pub mod upi;

use rusqlite::Connection;
use serde_json::{json, Value};

use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::export::rfc3339;
use crate::orders::store::{self as orders_store, NewEvent};
use crate::orders::{Order, PaymentMode, PaymentStatus, Status};

pub use drawer::takings;

/// Money in (a payment) or money given back (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Payment,
    Refund,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Payment => "payment",
            Kind::Refund => "refund",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "payment" => Some(Kind::Payment),
            "refund" => Some(Kind::Refund),
            _ => None,
        }
    }
}

/// A payment or refund to record.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub amount: Money,
    pub mode: PaymentMode,
    pub kind: Kind,
    /// The UPI reference or Razorpay id; may be empty.
    pub reference: String,
    /// The staff member recording it; None when Novi or an API client does.
    pub recorded_by: Option<i64>,
    /// Who the timeline names: a username, or `api`.
    pub actor: String,
}

/// A payment or refund as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: i64,
    pub amount: Money,
    pub mode: PaymentMode,
    pub kind: Kind,
    pub reference: String,
    pub recorded_by: Option<i64>,
    pub recorded_by_name: Option<String>,
    pub recorded_at: i64,
    /// A Razorpay refund: the payment it went back through; empty when not known.
    pub refund_of: String,
}

/// Where an order's money stands: how it is paid, its status, what has been received (less
/// refunds), what was given back, what is still due, and every payment and refund.
#[derive(Debug, Clone)]
pub struct Summary {
    pub mode: PaymentMode,
    pub status: PaymentStatus,
    pub paid: Money,
    pub refunded: Money,
    /// The refunds given back for good (one box short, goodwill), not asked for again if the
    /// order grows: what is left of `refunded` once money held beyond the total is taken off.
    pub refunded_for_good: Money,
    pub due: Money,
    /// To give back to the customer ([`owed_back`]).
    pub owed_back: Money,
    /// Razorpay refunds asked for and not yet processed: on their way back.
    pub pending_refunds: Money,
    pub payments: Vec<Payment>,
}

/// The longest reference kept (UPI references are 12 digits, Razorpay ids under 30 characters).
pub const MAX_REFERENCE: usize = 100;

/// The status of an order of `total` that was paid `paid` and refunded `refunded` in all, of
/// which `gave_back` returned money held beyond its total: an order that owes money again after
/// such a refund (its lines grew back) is partly paid, to be collected, not "partly refunded".
pub fn status_for(total: Money, paid: Money, refunded: Money, gave_back: Money) -> PaymentStatus {
    let net = paid.minor() - refunded.minor();
    let owes = total.minor() - paid.minor() + gave_back.minor() > 0;
    match (refunded.minor() > 0, net) {
        (true, n) if n <= 0 && !owes => PaymentStatus::Refunded,
        (true, n) if n > 0 && !owes => PaymentStatus::PartlyRefunded,
        (_, n) if n <= 0 => PaymentStatus::Unpaid,
        (_, n) if n < total.minor() && owes => PaymentStatus::PartlyPaid,
        (true, _) => PaymentStatus::PartlyRefunded,
        _ => PaymentStatus::Paid,
    }
}

/// What is still to be paid on an order of `total`. A refund of money held beyond the order's
/// total (its lines cut after it was paid) gave back what the customer no longer owed: if the
/// order grows again, that is asked for again. Any other refund is money given back for good
/// ("one box short", a goodwill refund): the order does not ask for it again, just as its
/// status reads partly refunded, not partly paid, and the customer's page offers nothing to pay.
pub fn due_of(total: Money, s: &store::Sums) -> Money {
    Money::from_minor((total.minor() - s.paid.minor() + s.gave_back.minor()).max(0))
}

/// What `order` asks of the customer in all: its total, or nothing once it is cancelled.
fn owed(order: &Order) -> Money {
    if order.status == Status::Cancelled {
        Money::ZERO
    } else {
        order.total
    }
}

/// What the shop holds of the customer's money beyond what `order` comes to: all it received
/// (less refunds) once the order is cancelled, else what is past its total (its lines cut
/// after it was paid). Shown so that someone gives it back.
pub fn owed_back(order: &Order, received: Money) -> Money {
    let keeps = if order.status == Status::Cancelled {
        0
    } else {
        order.total.minor()
    };
    Money::from_minor((received.minor() - keeps).max(0))
}

/// An order's payments, as the order page and the API show them.
pub fn summary(conn: &Connection, order: &Order) -> AppResult<Summary> {
    let payments = store::of_order(conn, order.id)?;
    let sums = store::sums(conn, order.id)?;
    let received = sums.received();
    Ok(Summary {
        mode: order.payment_mode,
        status: order.payment_status,
        paid: received,
        refunded: sums.refunded,
        refunded_for_good: Money::from_minor(
            (sums.refunded.minor() - sums.gave_back.minor()).max(0),
        ),
        due: due_of(owed(order), &sums),
        // A Razorpay refund on its way back is being given back already.
        owed_back: owed_back(order, sums.returnable()),
        pending_refunds: sums.pending,
        payments,
    })
}

/// Refuses a payment or refund that does not fit the order, with what would: nothing is
/// written before this passes.
fn check(b: &Business, order: &Order, sums: &store::Sums, p: &NewPayment) -> AppResult<()> {
    let money = |m: Money| m.format(&b.currency);
    let n = order.number;
    if p.amount.minor() <= 0 {
        return Err(AppError::Invalid(
            "the amount must be more than zero".into(),
        ));
    }
    if p.reference.trim().chars().count() > MAX_REFERENCE {
        return Err(AppError::Invalid(format!(
            "the reference is longer than {MAX_REFERENCE} characters"
        )));
    }
    // It is shown on the order's timeline, the bill and exports as written.
    if p.reference
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(AppError::Invalid(
            "the reference holds a control character".into(),
        ));
    }
    // A Razorpay refund on its way back already has that money: it cannot go back twice.
    let received = sums.returnable();
    match p.kind {
        Kind::Payment if order.status == Status::Cancelled => Err(AppError::Conflict(format!(
            "order #{n} is cancelled; it takes no payments"
        ))),
        Kind::Payment => {
            let due = due_of(order.total, sums);
            if due.minor() == 0 {
                Err(AppError::Invalid(format!(
                    "order #{n} is paid in full; nothing is due"
                )))
            } else if p.amount > due {
                Err(AppError::Invalid(format!(
                    "{} is more than the {} due on order #{n}",
                    money(p.amount),
                    money(due)
                )))
            } else {
                Ok(())
            }
        }
        Kind::Refund if p.amount > received && sums.pending.minor() > 0 => {
            Err(AppError::Invalid(format!(
                "a refund of {} is more than the {} paid on order #{n} and not already on its \
                 way back ({} asked of Razorpay)",
                money(p.amount),
                money(received),
                money(sums.pending)
            )))
        }
        Kind::Refund if p.amount > received => Err(AppError::Invalid(format!(
            "a refund of {} is more than the {} paid on order #{n}",
            money(p.amount),
            money(received)
        ))),
        Kind::Refund => Ok(()),
    }
}

/// Refuses a Razorpay id already recorded (by the webhook, the Checkout callback, or a person),
/// with a reason rather than the unique index's failure.
fn once(conn: &Connection, b: &Business, p: &NewPayment) -> AppResult<()> {
    let reference = p.reference.trim();
    if p.mode != PaymentMode::Razorpay || reference.is_empty() {
        return Ok(());
    }
    match store::razorpay_order(conn, b.id, p.kind, reference)? {
        Some(_) => Err(AppError::Conflict(format!(
            "Razorpay {} {reference} is already recorded",
            p.kind.as_str()
        ))),
        None => Ok(()),
    }
}

/// "Cash collected ₹640.00", "Refund ₹100.00 (UPI, ref 4321)": the timeline's words.
fn event_note(b: &Business, p: &NewPayment) -> String {
    let amount = p.amount.format(&b.currency);
    let reference = match p.reference.trim() {
        "" => String::new(),
        r => format!(", ref {r}"),
    };
    match p.kind {
        Kind::Payment => format!("{} received {amount}{reference}", p.mode.label()),
        Kind::Refund => format!("Refund {amount} ({}{reference})", p.mode.label()),
    }
}

/// Records a payment or refund of order `number` in the caller's transaction: the row, the
/// order's new status (and mode, for a payment), and a `payment` event on its timeline. An
/// amount that does not fit (zero, more than is due, a refund past what was paid) is refused
/// before anything is written.
pub fn record(conn: &Connection, b: &Business, number: i64, p: &NewPayment) -> AppResult<Summary> {
    let mut order = orders_store::by_number(conn, b.id, number)?.ok_or(AppError::NotFound)?;
    let before = store::sums(conn, order.id)?;
    check(b, &order, &before, p)?;
    once(conn, b, p)?;
    let id = store::insert(conn, b.id, order.id, p)?;
    if p.kind == Kind::Refund {
        let held_beyond = owed_back(&order, before.received());
        store::set_gives_back(conn, id, p.amount.min(held_beyond))?;
    }
    let after = store::sums(conn, order.id)?;
    let status = status_for(owed(&order), after.paid, after.refunded, after.gave_back);
    let mode = match p.kind {
        Kind::Payment => p.mode,
        Kind::Refund => order.payment_mode,
    };
    orders_store::set_payment(conn, order.id, mode, status)?;
    let note = event_note(b, p);
    let event = NewEvent {
        kind: "payment",
        from: None,
        to: None,
        actor: &p.actor,
        note: &note,
    };
    orders_store::add_event(conn, b.id, order.id, &event)?;
    (order.payment_mode, order.payment_status) = (mode, status);
    summary(conn, &order)
}

/// Works an order's payment status out again after its total changed (lines edited, an unread
/// line added), in the caller's transaction: ₹640 paid on an order that grew to ₹700 is partly
/// paid again. True when the status changed.
pub fn settle(conn: &Connection, order: &Order) -> AppResult<bool> {
    let sums = store::sums(conn, order.id)?;
    let status = status_for(owed(order), sums.paid, sums.refunded, sums.gave_back);
    let changed = status != order.payment_status;
    if changed {
        orders_store::set_payment(conn, order.id, order.payment_mode, status)?;
    }
    Ok(changed)
}

/// The `payment` object of the API: `mode`, `status`, `paid_minor` (received less refunds),
/// `refunded_minor`, `due_minor`, `owed_back_minor`, `refund_pending_minor` (Razorpay refunds
/// asked for and not yet processed), and `payments` oldest first.
pub fn summary_json(s: &Summary) -> Value {
    let rows: Vec<Value> = s
        .payments
        .iter()
        .map(|p| {
            json!({
                "amount_minor": p.amount.minor(),
                "mode": p.mode,
                "kind": p.kind.as_str(),
                "reference": p.reference,
                "recorded_at": rfc3339(p.recorded_at),
                "recorded_by": p.recorded_by,
            })
        })
        .collect();
    json!({
        "mode": s.mode,
        "status": s.status,
        "paid_minor": s.paid.minor(),
        "refunded_minor": s.refunded.minor(),
        "due_minor": s.due.minor(),
        "owed_back_minor": s.owed_back.minor(),
        "refund_pending_minor": s.pending_refunds.minor(),
        "payments": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_follows_the_money() {
        let m = Money::from_minor;
        let total = m(64_000);
        assert_eq!(status_for(total, m(0), m(0), m(0)), PaymentStatus::Unpaid);
        assert_eq!(
            status_for(total, m(20_000), m(0), m(0)),
            PaymentStatus::PartlyPaid
        );
        assert_eq!(
            status_for(total, m(64_000), m(0), m(0)),
            PaymentStatus::Paid
        );
        assert_eq!(
            status_for(total, m(64_000), m(10_000), m(0)),
            PaymentStatus::PartlyRefunded
        );
        assert_eq!(
            status_for(total, m(64_000), m(64_000), m(0)),
            PaymentStatus::Refunded
        );
        // ₹300 given back after a cut, then the lines grew back: ₹300 to collect again.
        assert_eq!(
            status_for(total, m(64_000), m(30_000), m(30_000)),
            PaymentStatus::PartlyPaid
        );
        assert_eq!(
            status_for(m(34_000), m(64_000), m(30_000), m(30_000)),
            PaymentStatus::PartlyRefunded
        );
    }
}
