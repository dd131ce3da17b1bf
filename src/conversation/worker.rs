//! The conversation worker: takes stored messages that have not been handled, oldest first,
//! and answers each in one transaction with its replies (outbox rows) and its order, if any.
//! A crash before the commit leaves the message unhandled, so it is answered after a restart;
//! a message that cannot be read or answered (an error, a panic) is set aside for a person.

use std::cell::Cell;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::{self, Either};
use rusqlite::Connection;
use tokio::sync::watch;

use super::catalogs::Catalogs;
use super::drafts::Kept;
use super::names::Names;
use super::park;
use super::pay_link::Linker;
use super::reply::{self, Turn};
use super::templates::Wordings;
use super::{chat, group, terms};
use crate::accounts::businesses;
use crate::db::settle::{self, Spell, QUIET};
use crate::db::Db;
use crate::domain::limits::MAX_READ_CHARS;
use crate::error::{AppError, AppResult};
use crate::orders;
use crate::orders::service::Shelf;
use crate::orders::tracking::Tracker;
use crate::reader::{self, ProductIndex, Reading};
use crate::whatsapp::ingest::Ingest;
use crate::whatsapp::metrics;
use crate::whatsapp::settings::{self, Provider};
use crate::whatsapp::store::{self, Unhandled};
use crate::whatsapp::{attention, Bridge};

/// Messages older than this when first seen (Novi was down for a day) are not answered: the
/// customer has moved on, and WhatsApp would refuse a free-form reply anyway.
const TOO_OLD_MS: i64 = 24 * 3600 * 1000;

/// How often an idle worker looks for messages no webhook woke it for.
const IDLE_CHECK: Duration = Duration::from_secs(60);

/// How long the worker steps back in a flood of webhooks, and waits at most for the writer to
/// take its turn otherwise.
const FLOOD_PAUSE: Duration = Duration::from_millis(20);

/// How many of the writer's batches the worker lets in after its turn, while a flood's worth of
/// webhooks still waits, before it steps back for [`FLOOD_PAUSE`].
const FLOOD_ROUNDS: usize = 4;

/// How long a batch goes on answering while webhooks wait on it, when they are not a flood:
/// long enough that answering keeps pace with a steady flow (each turn ends in a commit and
/// its disk sync), short beside the time a webhook may take to be acknowledged.
const TURN: Duration = Duration::from_millis(2);

/// How long the worker lets messages gather after a small batch answered in full. In a steady
/// flow of webhooks each of the writer's commits woke the worker for the one or two messages it
/// stored, and each of those batches paid for a transaction, its disk sync and a pass of the
/// sender: at 2,000 webhooks a second, some 800 commits a second. A message that comes during
/// the wait is answered a few milliseconds later than it would be, which nobody reading
/// WhatsApp notices; a lone message is answered at once, as before.
const GATHER: Duration = Duration::from_millis(5);

/// A batch that answered at least this many messages was not small: the flow is fast enough to
/// fill batches by itself, and waiting would only slow answering down.
const GATHER_BELOW: usize = 32;

/// Whether to wait [`GATHER`] before the next batch, after one that answered `answered`
/// messages: not when messages it read are still to be answered (`kept`, a batch cut short by
/// webhooks waiting or read ahead), nor in a flood, where the worker's turns are already set by
/// the webhook writer's.
fn gather(answered: usize, kept: bool, flooded: bool) -> bool {
    answered < GATHER_BELOW && !kept && !flooded
}

/// Starts the worker on a thread of its own at low priority: answering is background work,
/// and under a flood of webhooks the CPU should go first to acknowledging them (an answer
/// that waits a moment is fine; a webhook that is not acknowledged is retried by WhatsApp).
pub fn start(
    db: Db,
    bridge: Bridge,
    tracker: Arc<Tracker>,
    linker: Linker,
    mut stop: watch::Receiver<bool>,
) -> std::thread::JoinHandle<()> {
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new()
        .name("novi-conversations".into())
        .spawn(move || {
            // 10 below the rest of Novi: on Linux the nice value is per thread.
            crate::db::lower_priority(10);
            let mut spell = Spell::default();
            let mut ahead = None;
            let (drafts, names) = (Kept::default(), Names::default());
            let catalogs = Catalogs::default();
            while !*stop.borrow() {
                let with = Worker {
                    tracker: &tracker,
                    linker: &linker,
                    drafts: &drafts,
                    names: &names,
                    catalogs: &catalogs,
                };
                match handle_pending(&db, &bridge, &with, &mut ahead) {
                    Ok(0) => {}
                    Ok(answered) => {
                        spell.worked();
                        bridge.wake_sender();
                        let flooded = bridge.ingest.is_flooded();
                        if gather(answered, ahead.is_some(), flooded) {
                            let stopping = pin!(stop.changed());
                            if let Some(Err(_)) = park::wait(stopping, GATHER) {
                                return;
                            }
                        }
                        continue;
                    }
                    Err(e) => tracing::error!(error = %e.detail(), "handling messages failed"),
                }
                // A flood of delivery reports leaves nothing to answer, but is a rush all the
                // same: the quiet after it settles the server.
                if bridge.ingest.take_rush() {
                    spell.worked();
                }
                // After a busy spell, a quiet one hands the pool's and the writer's memory back.
                let wait = if spell.busy() { QUIET } else { IDLE_CHECK };
                let woken = {
                    let stored = pin!(bridge.stored.notified());
                    let stopping = pin!(stop.changed());
                    park::wait(future::select(stored, stopping), wait).map(|w| match w {
                        Either::Left(_) => Ok(()),
                        Either::Right((changed, _)) => changed,
                    })
                };
                let quiet = match woken {
                    None => true,
                    // The stop sender is gone with whatever owned it: nothing to work for.
                    Some(Err(_)) => return,
                    Some(Ok(())) => false,
                };
                if quiet {
                    spell.quiet(|| {
                        drafts.clear();
                        names.clear();
                        catalogs.clear();
                        settle::end_flood();
                        db.settle_pool();
                        bridge.ingest.settle();
                        settle::ask_threads_to_collect(&runtime);
                    });
                }
            }
        })
        .expect("the conversation thread starts")
}

/// How many messages a batch answers at most, in one transaction. Its commit waits for the
/// disk, and draining a backlog of 100 a batch spent about a quarter of its time waiting so
/// (backlog empty in 5.2 s, against 3.7 s at 1,000); 4,000 drain some 12% faster again than
/// 1,000, for about 3 MB more at the peak. Webhooks do not wait behind a large batch: it
/// commits what it has answered as soon as they queue (see [`hand_back`]).
const BATCH: i64 = 4000;

/// How many a batch reads in a flood of webhooks: it stops after its first message then (see
/// [`answer_batch`]), and the rest of a full batch's readings would go stale ([`READ_FRESH`])
/// before flood turns answered them.
const FLOOD_BATCH: i64 = 8;

/// Answers up to a batch of pending messages in one transaction (one disk sync for all of
/// them). The messages are read first, outside the transaction: reading is the costly part of
/// answering, and webhooks wait on the write lock while the transaction is open. While a full
/// batch is answered with no webhook waiting, the next is read on another thread (`ahead`), so
/// that a backlog keeps both cores busy: one answering and committing, the other reading. A
/// batch that hands the turn back to webhooks before its end keeps the rest of its messages,
/// read, for the next (`ahead` again): in a steady flow of webhooks a turn answers about a
/// fifth of a batch, and reading the whole batch again each turn cost the worker as much time
/// as answering.
///
/// A message that fails must be set aside without undoing the others, which takes a savepoint
/// per message, and a savepoint journals every page its message touches. Nearly every batch
/// answers every message, so it is tried without them first; only when one fails is the batch
/// answered again with a savepoint for each.
fn handle_pending(
    db: &Db,
    bridge: &Bridge,
    with: &Worker,
    ahead: &mut Option<Batch>,
) -> AppResult<usize> {
    let flood = bridge.ingest.is_flooded();
    let batch = match ahead.take().filter(Batch::fresh) {
        Some(b) => b,
        None => Batch::read(
            db,
            0,
            if flood { FLOOD_BATCH } else { BATCH },
            with.catalogs,
        )?,
    };
    let Some(last) = batch.pending.last().map(|m| m.id) else {
        return Ok(0);
    };
    // Read ahead only after a full batch, when more are likely waiting, and only when it is
    // likely to be answered in full: webhooks waiting cut it short.
    let read_ahead = batch.pending.len() == BATCH as usize && !bridge.ingest.is_waiting();
    let (answered, next) = std::thread::scope(|s| {
        // The thread takes this one's lower priority. Messages after `last` are not in this
        // batch, so its commit changes nothing the next one reads. If the thread cannot
        // start, the next batch is read after this one, as it was before.
        let reading = if read_ahead {
            std::thread::Builder::new()
                .name("novi-read-ahead".into())
                .spawn_scoped(s, || Batch::read(db, last, BATCH, with.catalogs))
                .ok()
        } else {
            None
        };
        let answered = match answer_batch(db, bridge, &batch, with, false) {
            Err(Stop::Again) => {
                with.drafts.rolled_back();
                answer_batch(db, bridge, &batch, with, true)
            }
            other => other,
        };
        match &answered {
            Ok(_) => with.drafts.committed(),
            Err(_) => with.drafts.rolled_back(),
        }
        (answered, reading.and_then(|r| r.join().ok()))
    });
    let Answered { done, moved, seen } = answered.map_err(Stop::into_error)?;
    // Payment Links are asked for only now the orders they are for have committed.
    with.linker.after_commit(&moved);
    for m in &batch.pending[..done] {
        bridge.live.send(m.business_id, &m.phone);
    }
    for o in moved {
        bridge.live.order(o.business_id, o.number, o.new);
    }
    // A batch that stepped back for webhooks goes on where it stopped; what was read ahead
    // comes after it, so it follows only a batch answered in full.
    *ahead = match batch.rest(done) {
        Some(rest) => Some(rest),
        None => next.and_then(Result::ok).filter(|b| !b.pending.is_empty()),
    };
    make_way(&bridge.ingest, seen);
    Ok(done)
}

/// Lets the webhooks that queued while a batch held the write turn in before the next batch
/// (the turn is a mutex, not a queue: the worker could take it straight back). When more
/// pour in than the writer's batches clear, a flood, answering steps back a while: an answer
/// can wait a moment; a webhook not acknowledged is sent again by WhatsApp. The batch after
/// an answering turn holds what came during it, and a disk sync that runs long can leave a
/// steady flow's next batch as large, so a flood is only judged after four of the writer's
/// batches have not cleared the queue (with two, a steady 8,000 webhooks a second paused
/// answering some twenty times a second).
fn make_way(ingest: &Ingest, mut seen: u64) {
    for _ in 0..FLOOD_ROUNDS {
        if !ingest.is_waiting() {
            return;
        }
        ingest.wait_for_batch_after(seen, FLOOD_PAUSE);
        if !ingest.is_flooded() {
            return;
        }
        seen = ingest.batches();
    }
    std::thread::sleep(FLOOD_PAUSE);
}

/// Whether a batch that has held the write turn `held` should commit what it has answered and
/// let the webhooks waiting on it in: at once in a flood, after [`TURN`] otherwise.
fn hand_back(ingest: &Ingest, held: Duration) -> bool {
    turn_over(ingest.is_waiting(), ingest.is_flooded(), held)
}

fn turn_over(waiting: bool, flooded: bool, held: Duration) -> bool {
    waiting && (flooded || held >= TURN)
}

/// What the worker keeps from one batch to the next.
struct Worker<'a> {
    tracker: &'a Tracker,
    linker: &'a Linker,
    drafts: &'a Kept,
    names: &'a Names,
    catalogs: &'a Catalogs,
}

/// What a batch's transaction did.
struct Answered {
    /// How many of its messages were answered (from the first).
    done: usize,
    /// Orders taken or moved.
    moved: Vec<orders::store::Moved>,
    /// The webhook writer's batches committed before this one's (see [`make_way`]).
    seen: u64,
}

/// Pending messages and their readings, read before the transaction that answers them.
struct Batch {
    pending: Vec<Unhandled>,
    read: Read,
    /// When it was read: its readings are of the catalog as it was then.
    at: Instant,
}

/// How long a batch's readings are used before its messages are read again: the catalog an
/// owner changes meanwhile is read by the next batch, as it would be without them.
const READ_FRESH: Duration = Duration::from_secs(1);

impl Batch {
    /// Up to `limit` pending messages after message `after` (0: from the oldest), read
    /// against the shops' catalogs as `held` has them.
    fn read(db: &Db, after: i64, limit: i64, held: &Catalogs) -> AppResult<Batch> {
        db.with_conn(|c| {
            let pending = store::unhandled(c, after, limit)?;
            let read = read_all(c, &pending, held);
            Ok(Batch {
                pending,
                read,
                at: Instant::now(),
            })
        })
    }

    fn fresh(&self) -> bool {
        self.at.elapsed() < READ_FRESH
    }

    /// The messages after the first `done`, with their readings; `None` when none are left.
    fn rest(mut self, done: usize) -> Option<Batch> {
        if done >= self.pending.len() {
            return None;
        }
        self.pending.drain(..done);
        self.read.readings.drain(..done);
        Some(self)
    }
}

/// Why a batch stopped before its commit, rolling back all it wrote.
enum Stop {
    Failed(AppError),
    /// A message failed with no savepoint of its own: answer the batch again, with them.
    Again,
}

impl Stop {
    /// For a caller that does not answer again: `Again` only follows a run without savepoints.
    fn into_error(self) -> AppError {
        match self {
            Stop::Failed(e) => e,
            Stop::Again => {
                AppError::internal(anyhow::anyhow!("a message failed outside a savepoint"))
            }
        }
    }
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Stop::Failed(e)
    }
}

/// Answers the batch in one transaction; `each_alone` gives each message a savepoint. While
/// webhooks wait it commits early: after its first message in a flood, after [`TURN`] if not.
fn answer_batch(
    db: &Db,
    bridge: &Bridge,
    Batch { pending, read, .. }: &Batch,
    worker: &Worker,
    each_alone: bool,
) -> Result<Answered, Stop> {
    worker.names.next_round();
    bridge.ingest.with_tx(db, |tx| {
        let started = Instant::now();
        // Holding the write turn, the writer cannot commit meanwhile.
        let seen = bridge.ingest.batches();
        // Orders the batch takes or moves are found by their timeline entries, for the
        // pages that show orders live.
        let mark = orders::store::last_event_id(tx)?;
        let mut shops = Shops::default();
        let (shelf, wordings) = (Shelf::default(), Wordings::default());
        let goods = Goods {
            catalogs: &read.catalogs,
            shelf: &shelf,
            wordings: &wordings,
        };
        let mut replies = metrics::Replies::default();
        let mut with = Answering {
            shops: &mut shops,
            replies: &mut replies,
            alone: each_alone,
            memo: Memo {
                tracker: Some(worker.tracker),
                drafts: Some(worker.drafts),
                names: Some(worker.names),
            },
        };
        let mut done = 0;
        for (m, reading) in pending.iter().zip(&read.readings) {
            answer(tx, m, reading, &goods, &mut with)?;
            done += 1;
            if hand_back(&bridge.ingest, started.elapsed()) {
                break;
            }
        }
        mark_handled(tx, &pending[..done])?;
        replies.write(tx)?;
        let moved = orders::store::moved_since(tx, mark)?;
        Ok(Answered { done, moved, seen })
    })
}

/// Answers one stored message now, in the caller's transaction, exactly as the worker does:
/// for replaying conversations message by message (`novi parse --conversations`).
pub fn answer_now(conn: &Connection, m: &Unhandled) -> AppResult<()> {
    let read = read_all(conn, std::slice::from_ref(m), &Catalogs::default());
    let goods = Goods {
        catalogs: &read.catalogs,
        shelf: &Shelf::default(),
        wordings: &Wordings::default(),
    };
    let mut replies = metrics::Replies::default();
    let mut with = Answering {
        shops: &mut Shops::default(),
        replies: &mut replies,
        alone: true,
        memo: Memo::default(),
    };
    answer(conn, m, &read.readings[0], &goods, &mut with).map_err(Stop::into_error)?;
    mark_handled(conn, std::slice::from_ref(m))?;
    replies.write(conn)
}

/// A batch's shops, each read once when its first message comes: nothing the worker does
/// changes a shop or its WhatsApp settings, and the batch's write transaction keeps anyone
/// else from changing them meanwhile.
#[derive(Default)]
struct Shops(HashMap<i64, Option<(businesses::Business, Provider)>>);

impl Shops {
    /// Shop `id` and the provider its replies go out through, while it is active; `None` for
    /// a deactivated shop, whose messages are kept but never answered.
    fn active(
        &mut self,
        conn: &Connection,
        id: i64,
    ) -> AppResult<Option<&(businesses::Business, Provider)>> {
        if let Entry::Vacant(v) = self.0.entry(id) {
            let found = match businesses::by_id(conn, id)? {
                Some(b) if b.active() => Some((b, settings::load(conn, id)?.provider)),
                _ => None,
            };
            v.insert(found);
        }
        Ok(self.0.get(&id).and_then(Option::as_ref))
    }
}

/// What a batch's messages are answered from: each shop's catalog as read before the
/// transaction, and its products as priced and its wordings as read within it (kept no longer
/// than the transaction).
struct Goods<'a> {
    catalogs: &'a HashMap<i64, Arc<ProductIndex>>,
    shelf: &'a Shelf,
    wordings: &'a Wordings,
}

/// A batch's messages read against their shops' catalogs, before any writing.
struct Read {
    /// One per business in the batch, as [`Catalogs`] holds it when the batch is read.
    catalogs: HashMap<i64, Arc<ProductIndex>>,
    /// One per message, in order: its reading, or why it could not be read.
    readings: Vec<Result<Understood, String>>,
}

/// A message read before the transaction that answers it: against the catalog, and for what
/// it says about how and when.
#[derive(Debug, PartialEq)]
struct Understood {
    reading: Reading,
    heard: terms::Heard,
}

fn read_all(conn: &Connection, batch: &[Unhandled], held: &Catalogs) -> Read {
    let mut catalogs: HashMap<i64, Arc<ProductIndex>> = HashMap::new();
    let readings = batch
        .iter()
        .map(|m| {
            let catalog = match catalogs.entry(m.business_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(v) => {
                    v.insert(held.index(conn, m.business_id).map_err(|e| e.detail())?)
                }
            };
            // The reader never panics by design; should it, that message alone is set aside.
            panic::catch_unwind(AssertUnwindSafe(|| Understood {
                reading: reader::read(catalog, &m.text),
                heard: terms::hear(reader::clip(&m.text)),
            }))
            .map_err(|p| format!("reading it failed: {}", panic_text(&*p)))
        })
        .collect();
    Read { catalogs, readings }
}

/// What answering a message of a batch works with beside the message itself.
struct Answering<'a> {
    shops: &'a mut Shops,
    /// Replies counted for the reply-time figures, written when the batch is.
    replies: &'a mut metrics::Replies,
    /// Each message in a savepoint of its own (after a batch had to be undone).
    alone: bool,
    memo: Memo<'a>,
}

/// What the worker keeps beyond one message: none of it when replaying conversations offline.
#[derive(Clone, Copy, Default)]
struct Memo<'a> {
    tracker: Option<&'a Tracker>,
    /// The worker's drafts; `None` reads each from the database.
    drafts: Option<&'a Kept>,
    /// The customers' names the worker has read; `None` reads each from the database.
    names: Option<&'a Names>,
}

/// Marks messages handled: every message [`answer`] has been through, whether it was answered,
/// set aside or not to be answered, together in one statement at the end of its batch.
fn mark_handled(conn: &Connection, answered: &[Unhandled]) -> AppResult<()> {
    let ids: Vec<i64> = answered.iter().map(|m| m.id).collect();
    store::mark_handled(conn, &ids)
}

/// Answers one message; the caller marks it handled. One that cannot be read or answered (an
/// error, a panic) must not hold up the rest: it is set aside and flagged for a person. That
/// takes a savepoint (`alone`); without one, a failure stops the batch with [`Stop::Again`].
fn answer(
    conn: &Connection,
    m: &Unhandled,
    reading: &Result<Understood, String>,
    goods: &Goods,
    with: &mut Answering,
) -> Result<(), Stop> {
    let memo = with.memo;
    // A deactivated shop's messages are kept but never answered, then or on reactivation.
    let Some((business, provider)) = with.shops.active(conn, m.business_id)? else {
        return Ok(());
    };
    let shop = (business, *provider);
    let outcome = match (reading, goods.catalogs.get(&m.business_id)) {
        (Ok(r), Some(catalog)) if with.alone => {
            contained(conn, || handle(conn, m, r, (catalog, goods), shop, memo))?
        }
        (Ok(r), Some(catalog)) => {
            // Part of it may be written, and only the whole batch can be undone.
            match panic::catch_unwind(AssertUnwindSafe(|| {
                handle(conn, m, r, (catalog, goods), shop, memo)
            })) {
                Ok(Ok(waited)) => Ok(waited),
                _ => return Err(Stop::Again),
            }
        }
        (Err(why), _) => Err(why.clone()),
        (Ok(_), None) => Err("no catalog".to_owned()),
    };
    match outcome {
        // Counted only once its writes are kept: a message set aside sent nothing.
        Ok(Some(waited_ms)) => with.replies.add(m.business_id, waited_ms),
        Ok(None) => {}
        Err(why) => {
            // Whatever it wrote was undone, its draft with it, and any customer it named.
            if let Some(kept) = memo.drafts {
                kept.undone(m.business_id, &m.phone);
            }
            if let Some(names) = memo.names {
                names.next_round();
            }
            tracing::error!(error = %why, message_id = m.id, "could not answer a message");
            set_aside(conn, m)?;
        }
    }
    Ok(())
}

/// Runs `f` in a savepoint of its own: kept when `f` succeeds, undone when it fails or
/// panics, so the batch goes on either way. The outer `Err` is the database failing.
fn contained<T>(
    conn: &Connection,
    f: impl FnOnce() -> AppResult<T>,
) -> AppResult<Result<T, String>> {
    // Its own name, so rolling back to it also undoes any savepoint a panic left open.
    // Cached statements: this runs for every message answered.
    let run = |sql: &str| conn.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("SAVEPOINT message")?;
    let why = match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => {
            run("RELEASE message")?;
            return Ok(Ok(v));
        }
        Ok(Err(e)) => e.detail(),
        Err(p) => format!("answering it failed: {}", panic_text(&*p)),
    };
    run("ROLLBACK TO message")?;
    run("RELEASE message")?;
    Ok(Err(why))
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic")
}

fn set_aside(conn: &Connection, m: &Unhandled) -> AppResult<()> {
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
    Understood { reading, heard }: &Understood,
    (catalog, goods): (&ProductIndex, &Goods),
    (business, provider): (&businesses::Business, Provider),
    memo: Memo,
) -> AppResult<Option<i64>> {
    if crate::whatsapp::outbox::now_ms() - m.received_ms > TOO_OLD_MS {
        return Ok(None);
    }
    let turn = Turn {
        business,
        catalog,
        shelf: goods.shelf,
        wordings: goods.wordings,
        provider: provider.as_str(),
        // A linked phone gets the same choices, sent as numbered text.
        buttons: matches!(provider, Provider::Cloud | Provider::Linked),
        phone: m.phone.clone(),
        kind: m.kind.clone(),
        // What is past the reader's limit is not acted on anywhere (an address, an answer).
        text: reader::clip(&m.text).to_owned(),
        reading,
        heard,
        button: m.data["reply_id"].as_str().map(str::to_owned),
        data: m.data.clone(),
        received_ms: m.received_ms,
        replied: Cell::new(None),
        customer: Default::default(),
        name: Default::default(),
        tracker: memo.tracker,
        drafts: memo.drafts,
        names: memo.names,
    };
    match &m.group_id {
        Some(group_id) => group::handle(&turn, conn, group_id)?,
        None => {
            if reading.clipped {
                let limit = MAX_READ_CHARS.to_string();
                reply::say_template(&turn, conn, "long_message", &[("limit", limit)])?;
            }
            chat::handle(&turn, conn)?;
        }
    }
    Ok(turn.replied.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_hands_the_turn_back_at_once_in_a_flood_and_after_a_turn_otherwise() {
        let short = TURN / 2;
        assert!(
            !turn_over(false, false, TURN * 10),
            "no webhook waits: answering goes on"
        );
        assert!(
            !turn_over(true, false, short),
            "a steady flow waits out a turn, so answers keep pace with it"
        );
        assert!(
            turn_over(true, false, TURN),
            "a turn over, the webhooks go in"
        );
        assert!(
            turn_over(true, true, Duration::ZERO),
            "a flood goes in at once"
        );
    }

    #[test]
    fn a_small_batch_answered_in_full_lets_the_next_messages_gather() {
        assert!(
            gather(1, false, false),
            "one or two at a time: wait for more"
        );
        assert!(gather(GATHER_BELOW - 1, false, false));
        assert!(
            !gather(GATHER_BELOW, false, false),
            "a flow that fills batches by itself goes on at once"
        );
        assert!(
            !gather(1, true, false),
            "messages already read wait to be answered: no pause"
        );
        assert!(
            !gather(1, false, true),
            "in a flood the writer's batches set the worker's turns"
        );
    }

    /// A batch of messages `ids`, each read as failing with its own id (no catalog needed).
    fn batch_of(ids: &[i64], at: Instant) -> Batch {
        let pending = ids
            .iter()
            .map(|&id| Unhandled {
                id,
                business_id: 1,
                phone: "919800000001".into(),
                kind: "text".into(),
                text: format!("message {id}"),
                data: serde_json::Value::Null,
                group_id: None,
                received_ms: 0,
            })
            .collect();
        let readings = ids.iter().map(|id| Err(format!("read {id}"))).collect();
        Batch {
            pending,
            read: Read {
                catalogs: HashMap::new(),
                readings,
            },
            at,
        }
    }

    #[test]
    fn a_batch_cut_short_goes_on_with_the_rest_of_its_messages_each_with_its_reading() {
        let rest = batch_of(&[7, 8, 9], Instant::now()).rest(1).unwrap();
        let ids: Vec<i64> = rest.pending.iter().map(|m| m.id).collect();
        assert_eq!(ids, [8, 9], "the messages after those answered");
        assert_eq!(
            rest.read.readings,
            [Err("read 8".to_owned()), Err("read 9".to_owned())],
            "each still beside its own reading"
        );
        assert!(
            batch_of(&[7, 8, 9], Instant::now()).rest(3).is_none(),
            "a batch answered in full leaves nothing"
        );
    }

    #[test]
    fn readings_older_than_a_second_are_read_again() {
        assert!(batch_of(&[1], Instant::now()).fresh());
        let Some(then) = Instant::now().checked_sub(READ_FRESH) else {
            return; // the clock started less than a second ago: nothing is that old yet
        };
        assert!(
            !batch_of(&[1], then).fresh(),
            "the catalog may have changed"
        );
    }

    fn rows(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_panic_or_an_error_undoes_only_its_own_message() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.with_tx(|tx| {
            tx.execute_batch("CREATE TABLE t (v TEXT)")?;
            let write = |v: &str| tx.execute("INSERT INTO t VALUES (?1)", [v]).map(|_| ());
            assert_eq!(contained(tx, || Ok(write("first")?))?, Ok(()));
            let panicked = contained::<()>(tx, || {
                write("lost")?;
                // A savepoint opened inside and never closed, as a panic mid-order leaves it.
                tx.execute_batch("SAVEPOINT step")?;
                write("lost too")?;
                panic!("boom")
            })?;
            assert_eq!(panicked, Err("answering it failed: boom".to_owned()));
            let failed = contained::<()>(tx, || {
                write("lost as well")?;
                Err(AppError::Invalid("no such product".into()))
            })?;
            assert_eq!(failed, Err("no such product".to_owned()));
            assert_eq!(contained(tx, || Ok(write("last")?))?, Ok(()));
            Ok::<_, AppError>(())
        })
        .unwrap();
        let kept = db.with_conn(|c| Ok(rows(c))).unwrap();
        assert_eq!(
            kept,
            ["first", "last"],
            "committed, without what was undone"
        );
    }
}
