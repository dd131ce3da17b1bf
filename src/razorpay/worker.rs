//! Acting on Razorpay's webhook deliveries after they are stored and answered: each pending one
//! is read, acted on (a payment or refund recorded once, a request moved forward, a failure on
//! the timeline) and marked handled with its outcome, in one transaction. Woken as soon as a
//! delivery is stored; at start it takes whatever a stop left pending.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{watch, Notify};

use super::apply::{self, Applied, RefundApplied};
use super::delivery::{self, Asked, Delivery};
use super::events::{self, Pending};
use super::pending;
use super::requests::{self, Request, Status};
use crate::accounts::businesses::{self, Business};
use crate::db::{savepoint, Db};
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::store::{self as orders_store, NewEvent};
use crate::whatsapp::Bridge;

/// Deliveries acted on in one transaction.
const BATCH: i64 = 50;

/// Tells the worker a delivery was stored (a wake while it is busy is kept, so nothing waits),
/// and tells whoever watches when it has acted on some.
#[derive(Clone)]
pub struct Waker {
    stored: Arc<Notify>,
    /// Deliveries acted on since start.
    acted: Arc<watch::Sender<u64>>,
}

impl Default for Waker {
    fn default() -> Self {
        Waker {
            stored: Arc::default(),
            acted: Arc::new(watch::channel(0).0),
        }
    }
}

impl Waker {
    pub fn wake(&self) {
        self.stored.notify_one();
    }

    /// Changes each time deliveries have been acted on (tests and the health of the worker).
    pub fn acted(&self) -> watch::Receiver<u64> {
        self.acted.subscribe()
    }
}

/// Acts on pending deliveries until `stopping` turns true.
pub async fn run(db: Db, bridge: Bridge, waker: Waker, mut stopping: watch::Receiver<bool>) {
    loop {
        match db.write(|tx| pass(tx)).await {
            Ok(done) => {
                if done.told {
                    bridge.wake_sender();
                }
                // Order pages and lists open elsewhere show the new payment status.
                for (business_id, number) in &done.orders {
                    bridge.live.order(*business_id, *number, false);
                }
                if done.acted > 0 {
                    waker.acted.send_modify(|n| *n += done.acted as u64);
                }
                if done.acted == BATCH as usize {
                    continue;
                }
            }
            Err(e) => tracing::error!(error = %e.detail(), "acting on Razorpay deliveries failed"),
        }
        tokio::select! {
            () = waker.stored.notified() => {}
            // After a failure of the database itself, try again now and then, not at once.
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = stopping.wait_for(|s| *s) => return,
        }
    }
}

#[derive(Debug, Default)]
struct Pass {
    acted: usize,
    /// A message was queued for a customer.
    told: bool,
    /// The orders acted on: (business id, order number).
    orders: Vec<(i64, i64)>,
}

/// One batch: each delivery in a savepoint of its own, so one that cannot be acted on is set
/// aside with its reason and the rest go on.
fn pass(conn: &Connection) -> AppResult<Pass> {
    let mut done = Pass::default();
    for p in events::pending(conn, BATCH)? {
        let acted = savepoint(conn, || contained(|| act(conn, &p)));
        let outcome = match acted {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(event = p.id, error = %e.detail(), "a Razorpay delivery failed");
                format!("not acted on: {}", e.detail()).into()
            }
        };
        done.told |= outcome.told;
        done.orders
            .extend(outcome.order.map(|n| (p.business_id, n)));
        events::handled(conn, p.id, &outcome.text)?;
        done.acted += 1;
    }
    Ok(done)
}

/// `f`, with a panic turned into an error so it undoes only its own savepoint.
fn contained(f: impl FnOnce() -> AppResult<Outcome>) -> AppResult<Outcome> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(AppError::internal(anyhow::anyhow!("acting on it panicked"))))
}

/// What acting on one delivery did, as kept with it.
struct Outcome {
    text: String,
    told: bool,
    /// The number of the order it changed, if it changed one.
    order: Option<i64>,
}

impl From<String> for Outcome {
    fn from(text: String) -> Self {
        Outcome {
            text,
            told: false,
            order: None,
        }
    }
}

impl Outcome {
    fn on(text: String, number: i64) -> Self {
        Outcome {
            order: Some(number),
            ..Outcome::from(text)
        }
    }
}

fn act(conn: &Connection, p: &Pending) -> AppResult<Outcome> {
    let Some(b) = businesses::by_id(conn, p.business_id)? else {
        return Ok(format!("ignored: business {} is gone", p.business_id).into());
    };
    let d = match delivery::read(&p.event, &p.body) {
        Ok(d) => d,
        Err(why) => return Ok(format!("ignored: {why}").into()),
    };
    match d {
        Delivery::Paid { asked, payment } => paid(conn, &b, &asked, &payment),
        Delivery::Failed {
            asked,
            payment_id,
            reason,
        } => failed(conn, &b, &asked, &payment_id, &reason),
        Delivery::Expired { asked } => expired(conn, &b, &asked),
        Delivery::Refund(r) => Ok(refunded(conn, &b, &r)?),
        Delivery::RefundFailed { refund_id } => refund_failed(conn, &b, &refund_id),
        Delivery::Other => Ok(format!("ignored: Novi does not act on {}", p.event).into()),
    }
}

/// The request `asked` names, or the outcome saying Novi never made it.
fn request(conn: &Connection, b: &Business, asked: &Asked) -> AppResult<Result<Request, Outcome>> {
    Ok(requests::find(conn, b.id, asked.id())?
        .ok_or_else(|| format!("ignored: {} is not one Novi made", asked.describe()).into()))
}

fn number(conn: &Connection, b: &Business, order_id: i64) -> AppResult<i64> {
    let order = orders_store::by_id(conn, b.id, order_id)?.ok_or(AppError::NotFound)?;
    Ok(order.number)
}

fn paid(
    conn: &Connection,
    b: &Business,
    asked: &Asked,
    payment: &apply::Captured,
) -> AppResult<Outcome> {
    let req = match request(conn, b, asked)? {
        Ok(r) => r,
        Err(o) => return Ok(o),
    };
    let (applied, why) = apply::captured_why(conn, b, req.order_id, payment)?;
    requests::set_status(conn, b.id, req.id, Status::Paid)?;
    let n = number(conn, b, req.order_id)?;
    let text = match applied {
        Applied::Recorded => format!("{} recorded on order #{n}", payment.payment_id),
        Applied::AlreadyRecorded => format!("{} already recorded", payment.payment_id),
        Applied::Flagged => format!(
            "{} flagged for a refund on order #{n}: {}",
            payment.payment_id,
            why.unwrap_or_default()
        ),
    };
    Ok(Outcome {
        told: applied == Applied::Recorded,
        ..Outcome::on(text, n)
    })
}

fn failed(
    conn: &Connection,
    b: &Business,
    asked: &Asked,
    payment_id: &str,
    reason: &str,
) -> AppResult<Outcome> {
    let req = match request(conn, b, asked)? {
        Ok(r) => r,
        Err(o) => return Ok(o),
    };
    requests::set_status(conn, b.id, req.id, Status::Failed)?;
    let note = format!("Razorpay payment {payment_id} failed: {reason}");
    noted(
        conn,
        b,
        req.order_id,
        &note,
        &format!("{payment_id} failed"),
    )
}

/// Puts `note` on order `order_id`'s timeline as Razorpay's; the outcome says `what` was noted.
fn noted(
    conn: &Connection,
    b: &Business,
    order_id: i64,
    note: &str,
    what: &str,
) -> AppResult<Outcome> {
    let event = NewEvent {
        kind: "note",
        from: None,
        to: None,
        actor: apply::ACTOR,
        note,
    };
    orders_store::add_event(conn, b.id, order_id, &event)?;
    let n = number(conn, b, order_id)?;
    Ok(Outcome::on(format!("{what}, noted on order #{n}"), n))
}

fn expired(conn: &Connection, b: &Business, asked: &Asked) -> AppResult<Outcome> {
    let req = match request(conn, b, asked)? {
        Ok(r) => r,
        Err(o) => return Ok(o),
    };
    let n = number(conn, b, req.order_id)?;
    Ok(
        if requests::set_status(conn, b.id, req.id, Status::Expired)? {
            format!("{} expired (order #{n})", asked.describe())
        } else {
            format!(
                "{} expired after it was paid: nothing to do",
                asked.describe()
            )
        }
        .into(),
    )
}

/// A refund Razorpay could not make: what it held back can be refunded again, and the
/// timeline says so.
fn refund_failed(conn: &Connection, b: &Business, refund_id: &str) -> AppResult<Outcome> {
    let Some((order_id, amount)) = pending::release(conn, b.id, refund_id)? else {
        return Ok(format!("ignored: refund {refund_id} was not waiting to be processed").into());
    };
    let money = Money::from_minor(amount).format(&b.currency);
    let note = format!(
        "Razorpay could not make refund {refund_id} of {money}: nothing went back, and it can \
         be refunded again"
    );
    noted(
        conn,
        b,
        order_id,
        &note,
        &format!("refund {refund_id} failed"),
    )
}

fn refunded(conn: &Connection, b: &Business, r: &apply::Refunded) -> AppResult<Outcome> {
    let applied = apply::refunded(conn, b, r)?;
    Ok(match applied {
        RefundApplied::Recorded(n) => Outcome::on(applied.outcome(), n),
        _ => applied.outcome().into(),
    })
}
