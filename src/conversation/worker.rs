//! The conversation worker: takes stored messages that have not been handled, oldest first,
//! and answers each in one transaction with its replies (outbox rows) and its order, if any.
//! A crash before the commit leaves the message unhandled, so it is answered after a restart.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::Duration;

use rusqlite::Connection;
use serde_json::Value;
use tokio::sync::watch;

use super::reply::Turn;
use super::{chat, group};
use crate::accounts::businesses;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::reader::ProductIndex;
use crate::whatsapp::settings::{self, Provider};
use crate::whatsapp::{attention, Bridge};

/// Messages older than this when first seen (Novi was down for a day) are not answered: the
/// customer has moved on, and WhatsApp would refuse a free-form reply anyway.
const TOO_OLD_MS: i64 = 24 * 3600 * 1000;

/// How long the worker steps back when webhooks were waiting on it.
const FLOOD_PAUSE: Duration = Duration::from_millis(20);

#[derive(Debug, Clone)]
struct Pending {
    id: i64,
    business_id: i64,
    phone: String,
    kind: String,
    text: String,
    data: Value,
    group_id: Option<String>,
    received_ms: i64,
}

/// Starts the worker on a thread of its own at low priority: answering is background work,
/// and under a flood of webhooks the CPU should go first to acknowledging them (an answer
/// that waits a moment is fine; a webhook that is not acknowledged is retried by WhatsApp).
pub fn start(
    db: Db,
    bridge: Bridge,
    mut stop: watch::Receiver<bool>,
) -> std::thread::JoinHandle<()> {
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("novi-conversations".into())
        .spawn(move || {
            lower_priority();
            while !*stop.borrow() {
                match handle_pending(&db, &bridge) {
                    Ok(0) => {}
                    Ok(_) => {
                        bridge.wake_sender();
                        if bridge.ingest.is_waiting() {
                            // A flood of webhooks: step back so they are acknowledged first.
                            // The messages stay stored and unhandled, and are answered after.
                            std::thread::sleep(FLOOD_PAUSE);
                        }
                        continue;
                    }
                    Err(e) => tracing::error!(error = %e.detail(), "handling messages failed"),
                }
                runtime.block_on(async {
                    tokio::select! {
                        () = bridge.stored.notified() => {},
                        _ = stop.changed() => {},
                        () = tokio::time::sleep(Duration::from_secs(60)) => {},
                    }
                });
            }
        })
        .expect("the conversation thread starts")
}

/// Nice 10 for this thread (on Linux the nice value is per thread). Failing to is harmless.
fn lower_priority() {
    #[cfg(unix)]
    // SAFETY: setpriority only reads its arguments; 0 names the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

/// Answers up to a batch of pending messages in one transaction (one disk sync for all of
/// them), each in a savepoint so one that fails is set aside without undoing the others.
fn handle_pending(db: &Db, bridge: &Bridge) -> AppResult<usize> {
    let pending = db.with_conn(|c| unhandled(c, 100))?;
    let batch = pending.clone();
    let ingest = bridge.ingest.clone();
    let done = db
        .with_tx(move |tx| {
            let mut catalogs: HashMap<i64, ProductIndex> = HashMap::new();
            let mut done = 0;
            for m in &batch {
                if let Err(e) = crate::db::savepoint(tx, || handle(tx, m, &mut catalogs)) {
                    // One message that cannot be handled must not hold up the rest.
                    tracing::error!(error = %e.detail(), message_id = m.id, "could not answer a message");
                    set_aside(tx, m)?;
                }
                done += 1;
                // Webhooks are waiting on the database: commit what is done and let them in.
                if ingest.is_waiting() {
                    break;
                }
            }
            Ok::<_, AppError>(done)
        })?;
    for m in &pending[..done] {
        bridge.live.send(m.business_id, &m.phone);
    }
    Ok(done)
}

fn unhandled(conn: &Connection, limit: i64) -> AppResult<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, business_id, phone, type, text, data, group_id, COALESCE(received_ms, created_at * 1000)
         FROM messages WHERE direction = 'in' AND handled = 0 ORDER BY id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        let data: String = r.get(5)?;
        Ok(Pending {
            id: r.get(0)?,
            business_id: r.get(1)?,
            phone: r.get(2)?,
            kind: r.get(3)?,
            text: r.get(4)?,
            data: serde_json::from_str(&data).unwrap_or(Value::Null),
            group_id: r.get(6)?,
            received_ms: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn mark_handled(conn: &Connection, id: i64) -> AppResult<()> {
    conn.execute("UPDATE messages SET handled = 1 WHERE id = ?1", [id])?;
    Ok(())
}

fn set_aside(conn: &Connection, m: &Pending) -> AppResult<()> {
    mark_handled(conn, m.id)?;
    attention::flag(
        conn,
        m.business_id,
        &m.phone,
        "Novi could not answer a message",
    )
}

fn handle(
    conn: &Connection,
    m: &Pending,
    catalogs: &mut HashMap<i64, ProductIndex>,
) -> AppResult<()> {
    mark_handled(conn, m.id)?;
    if crate::whatsapp::outbox::now_ms() - m.received_ms > TOO_OLD_MS {
        return Ok(());
    }
    let business = businesses::by_id(conn, m.business_id)?.ok_or(AppError::NotFound)?;
    let provider = settings::load(conn, business.id)?.provider;
    // Built once per business per batch; a batch sees one state of the catalog anyway.
    let catalog = match catalogs.entry(business.id) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(v) => v.insert(ProductIndex::for_business(conn, business.id)?),
    };
    let turn = Turn {
        business: &business,
        catalog,
        provider: provider.as_str(),
        buttons: provider == Provider::Cloud,
        phone: m.phone.clone(),
        kind: m.kind.clone(),
        text: m.text.clone(),
        button: m.data["reply_id"].as_str().map(str::to_owned),
        data: m.data.clone(),
        received_ms: m.received_ms,
        replied: Cell::new(false),
        customer: Default::default(),
    };
    match &m.group_id {
        Some(group_id) => group::handle(&turn, conn, group_id),
        None => chat::handle(&turn, conn),
    }
}
