//! Replaying one conversation on a scratch copy of the shop: each message is stored as the
//! simulator stores it, then answered by the worker's own code before the next is sent.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::corpus::Conversation;
use super::Shop;
use crate::accounts::businesses::{self, Business, Profile};
use crate::catalog::import;
use crate::conversation::worker;
use crate::db::{now, Db};
use crate::error::{AppError, AppResult};
use crate::orders::{export, store as orders};
use crate::whatsapp::inbound::{InMessage, Inbound};
use crate::whatsapp::{attention, store, threads};

/// The customer of every replayed chat; each chat has a shop of its own, so no saved address
/// or earlier order carries over from one to the next.
const CUSTOMER: &str = "919876500001";

/// How a chat ended.
pub struct Outcome {
    /// The orders it took, newest first, as the API shows them.
    pub orders: Vec<Value>,
    pub needs_person: bool,
    /// Novi's last reply, to say where a chat that took no order got stuck.
    pub last_reply: Option<String>,
    /// The shop's date when the chat began: what "kal" counts from.
    pub today: NaiveDate,
}

/// Replays conversation `c` (the `n`th) into `db` on a fresh copy of `shop`.
pub fn replay(db: &Db, shop: &Shop, n: usize, c: &Conversation) -> AppResult<Outcome> {
    let business = open_shop(db, shop, n, c)?;
    let today = chrono::Utc::now()
        .with_timezone(&business.offset())
        .date_naive();
    for (i, text) in c.messages.iter().enumerate() {
        db.with_tx(|tx| store::store_inbound(tx, &inbound(business.id, n, i, text)))?;
        // Answered in a transaction of its own, as the worker does once a webhook is stored.
        db.with_tx(|tx| {
            for m in store::unhandled(tx, 0, 100)? {
                worker::answer_now(tx, &m)?;
            }
            Ok::<_, AppError>(())
        })?;
    }
    db.with_conn(|conn| {
        let (taken, _) = orders::list(conn, business.id, &Default::default(), 1, 10)?;
        let last_reply = threads::messages(conn, business.id, CUSTOMER, 20)?
            .into_iter()
            .rev()
            .find(|m| m.direction == "out")
            .map(|m| m.text);
        Ok(Outcome {
            orders: taken.iter().map(export::order_json).collect(),
            needs_person: attention::reason(conn, business.id, CUSTOMER)?.is_some(),
            last_reply,
            today,
        })
    })
}

/// A business with the shop's profile and catalog, changed as the conversation's setup says.
fn open_shop(db: &Db, shop: &Shop, n: usize, c: &Conversation) -> AppResult<Business> {
    let source = &shop.business;
    let mut profile = Profile {
        name: source.name.clone(),
        address: source.address.clone(),
        phone: source.phone.clone(),
        currency: source.currency.clone(),
        delivery_fee_minor: source.delivery_fee_minor,
    };
    let mut catalog = shop.catalog.clone();
    c.setup.apply(&mut profile, &mut catalog);
    db.with_tx(|tx| {
        let b = businesses::insert(tx, &source.name, &format!("replay-{n}"))?;
        businesses::update_profile(tx, b.id, &profile)?;
        businesses::set_auto_confirm(tx, b.id, source.auto_confirm)?;
        import::import(tx, b.id, &catalog, "replay")?;
        businesses::by_id(tx, b.id)?.ok_or(AppError::NotFound)
    })
}

/// Message `i` of conversation `n`, as the chat simulator hands it to the store.
fn inbound(business_id: i64, n: usize, i: usize, text: &str) -> Inbound {
    let message = InMessage {
        phone: CUSTOMER.into(),
        name: String::new(),
        provider_id: format!("sim.in.replay.{n}.{i}"),
        kind: "text".into(),
        text: text.to_owned(),
        data: json!({}),
        timestamp: now(),
        group_id: None,
    };
    Inbound {
        business_id,
        provider: "simulator",
        raw: json!({"simulator": {"from": CUSTOMER, "text": text}}).to_string(),
        messages: vec![message],
        statuses: Vec::new(),
        from_phone: Vec::new(),
    }
}
