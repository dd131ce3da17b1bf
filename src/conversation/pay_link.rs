//! Payment Links in the chat. At a shop with Razorpay keys, a chat order's confirmation is
//! written held (for [`WAIT_MS`]) in the transaction that takes the order. Once that commits,
//! a Payment Link for the order's total is asked of Razorpay and the held message goes with it
//! (the shop's `payment_link` wording added), or without it as soon as Razorpay fails. Either
//! way it goes: after a crash the hold simply runs out and the message goes as written.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::runtime::Handle;

use super::templates;
use crate::accounts::businesses::{self, Business};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::orders::store::{self, Moved};
use crate::orders::tracking::Tracker;
use crate::orders::Order;
use crate::razorpay::{charge, settings, RazorpaySettings};
use crate::whatsapp::outbox::{self, Content, Held, Hold};
use crate::whatsapp::Bridge;

/// The longest a confirmation waits for its Payment Link.
pub const WAIT_MS: i64 = 20_000;

/// How long Razorpay is given to make the link: well inside [`WAIT_MS`], so the message that
/// carries it has not gone yet.
const ASK_FOR: Duration = Duration::from_secs(12);

/// Whether shop `b` sends Payment Links: it has Razorpay keys and sells in rupees.
fn keys(conn: &Connection, b: &Business) -> AppResult<Option<RazorpaySettings>> {
    if b.currency != "INR" {
        return Ok(None);
    }
    settings::load(conn, b.id)
}

/// The hold for order `o`'s confirmation, when a Payment Link is to be added to it.
pub fn hold(conn: &Connection, b: &Business, o: &Order) -> AppResult<Option<Hold>> {
    let created = o.events.iter().find(|e| e.kind == "created");
    let (Some(created), true) = (created, o.total.minor() > 0) else {
        return Ok(None);
    };
    Ok(keys(conn, b)?.map(|_| Hold {
        order_event_id: created.id,
        until_ms: outbox::now_ms() + WAIT_MS,
    }))
}

/// Asks for the links of orders a committed batch took, on the server's runtime.
#[derive(Clone)]
pub struct Linker {
    pub db: Db,
    pub bridge: Bridge,
    pub tracker: Arc<Tracker>,
    /// Razorpay's API (`config.razorpay_api`).
    pub api: String,
    pub runtime: Handle,
}

/// What a link is asked for: the order and its confirmation still held.
struct Waiting {
    b: Business,
    order: Order,
    held: Vec<Held>,
    keys: RazorpaySettings,
}

impl Linker {
    /// Called once a batch has committed, with the orders it took or moved.
    pub fn after_commit(&self, moved: &[Moved]) {
        for m in moved.iter().filter(|m| m.new) {
            let (me, bid, number) = (self.clone(), m.business_id, m.number);
            self.runtime.spawn(async move {
                if let Err(e) = me.link(bid, number).await {
                    tracing::error!(error = %e.detail(), number, "a confirmation's payment link");
                }
            });
        }
    }

    async fn link(&self, business_id: i64, number: i64) -> AppResult<()> {
        let Some(w) = self
            .db
            .read(move |c| waiting(c, business_id, number))
            .await?
        else {
            return Ok(());
        };
        let callback = format!("{}/s/{}/paid", self.tracker.base(), w.b.short_code);
        let (db, api, keys) = (self.db.clone(), self.api.clone(), w.keys.clone());
        let (b, o) = (w.b.clone(), w.order.clone());
        // A task of its own: a link Razorpay makes after the wait is still recorded as one Novi
        // asked for, so a payment through it is put on the order rather than ignored.
        let asked = self.runtime.spawn(async move {
            let made = charge::payment_link(&db, &api, &keys, (&b, &o), o.total, &callback).await;
            // Said here, so a refusal that comes after the wait is logged too.
            if let Err(e) = &made {
                tracing::warn!(error = %e, number, "no payment link for the confirmation");
            }
            made
        });
        let url = match tokio::time::timeout(ASK_FOR, asked).await {
            Ok(Ok(Ok(link))) => Some(link.short_url),
            Ok(Ok(Err(_))) => None,
            Ok(Err(e)) => {
                tracing::error!(error = %e, number, "asking for a payment link failed");
                None
            }
            Err(_) => {
                tracing::warn!(
                    number,
                    "Razorpay took too long: the confirmation goes without a link"
                );
                None
            }
        };
        self.db
            .write(move |tx| release(tx, &w, url.as_deref()))
            .await?;
        self.bridge.wake_sender();
        Ok(())
    }
}

/// Order `number`'s confirmation still held for a link, and the shop's keys, if both are so.
fn waiting(conn: &Connection, business_id: i64, number: i64) -> AppResult<Option<Waiting>> {
    let Some(order) = store::by_number(conn, business_id, number)? else {
        return Ok(None);
    };
    let Some(created) = order.events.iter().find(|e| e.kind == "created") else {
        return Ok(None);
    };
    let held = outbox::held_for(conn, business_id, created.id)?;
    let b = businesses::by_id(conn, business_id)?.ok_or(AppError::NotFound)?;
    match (held.is_empty(), keys(conn, &b)?) {
        (false, Some(keys)) => Ok(Some(Waiting {
            b,
            order,
            held,
            keys,
        })),
        _ => Ok(None),
    }
}

/// Lets the held confirmation go, with the link's paragraph added when there is a link.
fn release(conn: &Connection, w: &Waiting, url: Option<&str>) -> AppResult<()> {
    let line = match url {
        Some(url) => {
            let vars = [
                ("payment_link", url.to_owned()),
                ("total", w.order.total.format(&w.b.currency)),
                ("order_number", format!("#{}", w.order.number)),
                ("shop_name", w.b.name.clone()),
            ];
            Some(templates::render(conn, w.b.id, "payment_link", &vars)?)
        }
        None => None,
    };
    for h in &w.held {
        let content = match (&line, &h.content) {
            (Some(line), Content::Text { text }) => {
                Some(Content::text(format!("{text}\n\n{line}")))
            }
            _ => None,
        };
        outbox::release_held(conn, h, content.as_ref())?;
    }
    Ok(())
}
