//! The conversation worker: takes stored messages that have not been handled, oldest first,
//! and answers each in one transaction with its replies (outbox rows) and its order, if any.
//! A crash before the commit leaves the message unhandled, so it is answered after a restart.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

use super::reply::Turn;
use super::{chat, group};
use crate::accounts::businesses;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::reader::ProductIndex;
use crate::whatsapp::settings::{self, Provider};
use crate::whatsapp::store::{self, Unhandled};
use crate::whatsapp::{attention, Bridge};

/// Messages older than this when first seen (Novi was down for a day) are not answered: the
/// customer has moved on, and WhatsApp would refuse a free-form reply anyway.
const TOO_OLD_MS: i64 = 24 * 3600 * 1000;

/// How long the worker steps back when webhooks were waiting on it.
const FLOOD_PAUSE: Duration = Duration::from_millis(20);

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
    let pending = db.with_conn(|c| store::unhandled(c, 100))?;
    let batch = pending.clone();
    let ingest = bridge.ingest.clone();
    let done = db.with_tx(move |tx| {
        let mut catalogs: HashMap<i64, ProductIndex> = HashMap::new();
        let mut done = 0;
        for m in &batch {
            answer(tx, m, &mut catalogs)?;
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

/// Answers one stored message now, in the caller's transaction, exactly as the worker does:
/// for replaying conversations message by message (`novi parse --conversations`).
pub fn answer_now(conn: &Connection, m: &Unhandled) -> AppResult<()> {
    answer(conn, m, &mut HashMap::new())
}

/// Answers one message in a savepoint; one that cannot be answered is set aside and flagged.
fn answer(
    conn: &Connection,
    m: &Unhandled,
    catalogs: &mut HashMap<i64, ProductIndex>,
) -> AppResult<()> {
    if let Err(e) = crate::db::savepoint(conn, || handle(conn, m, catalogs)) {
        // One message that cannot be handled must not hold up the rest.
        tracing::error!(error = %e.detail(), message_id = m.id, "could not answer a message");
        set_aside(conn, m)?;
    }
    Ok(())
}

fn set_aside(conn: &Connection, m: &Unhandled) -> AppResult<()> {
    store::mark_handled(conn, m.id)?;
    attention::flag(
        conn,
        m.business_id,
        &m.phone,
        "Novi could not answer a message",
    )
}

fn handle(
    conn: &Connection,
    m: &Unhandled,
    catalogs: &mut HashMap<i64, ProductIndex>,
) -> AppResult<()> {
    store::mark_handled(conn, m.id)?;
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
