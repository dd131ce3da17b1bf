//! Handing memory back when Novi goes quiet. Under a rush each connection's page cache fills
//! (up to 2 MB each) and the allocator keeps what busy threads freed, so a server that took a
//! flood of webhooks stayed twice its idle size long after. Each thread that holds a connection
//! empties its cache once it has had nothing to do for [`QUIET`], once per busy spell.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::Db;

/// How long a thread waits with nothing to do before it hands its memory back. Long enough
/// that a shop's ordinary pace (a message every few seconds) keeps its caches warm.
pub const QUIET: Duration = Duration::from_secs(10);

/// Whether a thread worked since it last handed memory back.
#[derive(Debug, Default)]
pub struct Spell(bool);

impl Spell {
    pub fn worked(&mut self) {
        self.0 = true;
    }

    pub fn busy(&self) -> bool {
        self.0
    }

    /// Runs `release` if the thread worked since the last time: an idle thread does nothing.
    pub fn quiet(&mut self, release: impl FnOnce()) {
        if std::mem::take(&mut self.0) {
            release();
        }
    }
}

/// Empties `conn`'s page cache, then hands the allocator's free memory to the system.
pub fn release(conn: &Connection) {
    empty_cache(conn);
    trim();
}

fn empty_cache(conn: &Connection) {
    if let Err(e) = conn.release_memory() {
        tracing::debug!(error = %e, "a connection kept its cache");
    }
}

/// Arenas glibc's allocator may make for threads. Its default, eight per core, spreads a rush's
/// allocations over as many arenas, and each keeps every page one live allocation still sits
/// on: a minute after a flood of webhooks the server held 23.1 MiB with the default and 20.0 MiB
/// with two, for the same webhooks per second (when all of Novi allocated through glibc). SQLite
/// still does; Novi's own allocations now go through mimalloc (`main.rs`).
const ARENAS: i32 = 2;

/// mimalloc's `purge_delay`, option 15 as its header numbers them (a test checks it by its
/// default): how long freed memory waits before it goes back to the system.
const MI_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's `page_reclaim_on_free`, option 35 as its header numbers them (a test checks it
/// by its default and its neighbour's): whether a thread that frees a block on a page whose
/// thread has ended may take that page over. By default (0) only the thread that made the page
/// may; 1 lets any. A backlog after a flood is read ahead on threads that end with each batch,
/// and the pages they leave stay resident for the few blocks still alive on them, unused by
/// any other thread (mimalloc's statistics at the exit after a flood: 24 of the 53 pages in
/// use were such).
const MI_PAGE_RECLAIM_ON_FREE: libmimalloc_sys::mi_option_t = 35;

/// Sets both allocators up for a server; called before it starts its threads, since a thread
/// keeps the glibc arena it first allocated from. mimalloc gives freed pages back a second
/// later, but only when it next allocates, so a server that went quiet after a rush kept them
/// (25 MB idle against 6 MB); with no delay they go back as they are freed. Pages that ended
/// threads left are taken over by whichever thread frees on them (`MI_PAGE_RECLAIM_ON_FREE`).
/// An administrator's `MALLOC_ARENA_MAX`, `MIMALLOC_PURGE_DELAY` or
/// `MIMALLOC_PAGE_RECLAIM_ON_FREE` wins.
pub fn tune_allocators() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt takes two plain integers and changes only the allocator's settings.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        }
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        set_purge_delay(0);
        PURGE.tuned.store(true, Ordering::Release);
    }
    if std::env::var_os("MIMALLOC_PAGE_RECLAIM_ON_FREE").is_none() {
        // SAFETY: sets one of mimalloc's options; it reads them as it frees.
        unsafe { libmimalloc_sys::mi_option_set(MI_PAGE_RECLAIM_ON_FREE, 1) }
    }
}

fn set_purge_delay(ms: std::ffi::c_long) {
    // SAFETY: sets one of mimalloc's options; it reads them as it allocates.
    unsafe { libmimalloc_sys::mi_option_set(MI_PURGE_DELAY, ms) }
}

/// How long freed pages wait before going back to the system while webhooks pour in. With no
/// delay each page goes back as it is freed, a system call each time: in a flood of webhooks
/// that was a twentieth of the async threads' time, for pages taken again a moment later.
const FLOOD_PURGE_DELAY_MS: std::ffi::c_long = 500;

/// Whether the purge delay is Novi's to change (no administrator's setting), and whether it
/// is now the flood's.
struct Purge {
    tuned: AtomicBool,
    holding: AtomicBool,
}

static PURGE: Purge = Purge {
    tuned: AtomicBool::new(false),
    holding: AtomicBool::new(false),
};

impl Purge {
    /// The delay to set now, if it changes: the flood's when `flood` starts one, none again
    /// when it ends. Only a server's tuned allocator is changed.
    fn next(&self, flood: bool) -> Option<std::ffi::c_long> {
        if !self.tuned.load(Ordering::Acquire)
            || self.holding.swap(flood, Ordering::AcqRel) == flood
        {
            return None;
        }
        Some(if flood { FLOOD_PURGE_DELAY_MS } else { 0 })
    }
}

/// Called by the webhook writer for a batch that shows a flood: freed pages are kept for reuse
/// a little while. The quiet that follows hands them back (`end_flood`).
pub fn start_flood() {
    if let Some(ms) = PURGE.next(true) {
        set_purge_delay(ms);
    }
}

/// Back to handing freed pages back as they are freed; called as Novi goes quiet, before the
/// threads collect their heaps. Memory the flood freed waits in mimalloc's arenas for the
/// flood's delay (ten times over), and with no delay set its arenas are never visited again, so
/// it stayed resident: one collection first, while the delay is still the flood's, hands all of
/// it back (arenas are shared by every thread).
pub fn end_flood() {
    if let Some(ms) = PURGE.next(false) {
        collect_own_heap();
        set_purge_delay(ms);
    }
}

/// Returns the allocators' free memory to the system: glibc keeps what threads freed in
/// their arenas for reuse, and only gives it back when asked; mimalloc holds a page whose
/// blocks other threads freed until the thread it belongs to collects them.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes a plain size and touches only the allocator's own state.
    unsafe {
        libc::malloc_trim(0);
    }
    collect_own_heap();
}

/// Hands the calling thread's freed pages back, blocks other threads freed on them included.
pub fn collect_own_heap() {
    // SAFETY: collects the calling thread's own mimalloc heap.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Asks, bumped when Novi goes quiet, for the async threads to collect their heaps: they read
/// the webhooks, whose blocks the writer frees, and sleep once a rush is over.
static ASKED: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last ask this thread answered.
    static SEEN: Cell<u64> = const { Cell::new(0) };
}

/// Asks every async thread of `runtime` to collect its heap, and wakes each with an empty
/// task so that it goes back to sleep, which is when it collects.
pub fn ask_threads_to_collect(runtime: &tokio::runtime::Handle) {
    ASKED.fetch_add(1, Ordering::AcqRel);
    for _ in 0..runtime.metrics().num_workers() {
        runtime.spawn(async {});
    }
}

/// For the async runtime's `on_thread_park`: runs on every park, so it costs one atomic read
/// unless there is a new ask. glibc's trim covers every thread and is done by whoever asked.
pub fn collect_if_asked() {
    if SEEN.with(|seen| newly_asked(&ASKED, seen)) {
        collect_own_heap();
    }
}

/// True once for each new ask, per thread.
fn newly_asked(asked: &AtomicU64, seen: &Cell<u64>) -> bool {
    let now = asked.load(Ordering::Acquire);
    seen.replace(now) != now
}

impl Db {
    /// Empties the cache of every connection waiting in the pool (one in use is left alone)
    /// and closes those waiting beyond the two it keeps, then trims the allocator.
    pub fn settle_pool(&self) {
        // Held together, so that each `try_get` hands out a different connection.
        let idle: Vec<_> = std::iter::from_fn(|| self.pool.try_get())
            .take(self.pool.max_size() as usize)
            .collect();
        for conn in &idle {
            empty_cache(conn);
        }
        // Those kept go back first, then whichever come back next are closed: one another
        // thread returns meanwhile counts the same as one of these.
        let mut idle = idle.into_iter();
        idle.by_ref()
            .take(super::pool::KEEP as usize)
            .for_each(drop);
        self.retiring.store(idle.len() as u32, Ordering::Release);
        drop(idle);
        self.retiring.store(0, Ordering::Release);
        trim();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::scratch;

    /// Bytes of page cache `conn` holds, as SQLite counts them.
    fn cached(conn: &Connection) -> i32 {
        let (mut now, mut high) = (0, 0);
        // SAFETY: the handle is open for as long as `conn` is borrowed; the outputs are ours.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut now,
                &mut high,
                0,
            )
        };
        assert_eq!(rc, rusqlite::ffi::SQLITE_OK);
        now
    }

    /// Reads a table of 2,000 rows of 200 bytes: 400 KB, which the cache then holds.
    fn warm(conn: &Connection) -> i32 {
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS bulk (v TEXT);
             INSERT INTO bulk WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
               FROM n WHERE i < 2000) SELECT printf('%.200c', 'x') FROM n
             WHERE NOT EXISTS (SELECT 1 FROM bulk);",
        )
        .unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM bulk WHERE v != ''", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2000);
        cached(conn)
    }

    #[test]
    fn a_released_connection_holds_almost_no_cache() {
        let (_dir, db) = scratch();
        let conn = db.own_connection().unwrap();
        let before = warm(&conn);
        assert!(before > 300 * 1024, "a warm cache: {before} bytes");
        release(&conn);
        let after = cached(&conn);
        assert!(after < before / 4, "{before} bytes before, {after} after");
    }

    #[test]
    fn settling_the_pool_empties_every_waiting_connection() {
        let (_dir, db) = scratch();
        let warmed: Vec<i32> = {
            let both = [db.pool.get().unwrap(), db.pool.get().unwrap()];
            both.iter().map(|c| warm(c)).collect()
        };
        assert!(warmed.iter().all(|&b| b > 300 * 1024), "{warmed:?}");
        db.settle_pool();
        let both = [db.pool.get().unwrap(), db.pool.get().unwrap()];
        let after: Vec<i32> = both.iter().map(|c| cached(c)).collect();
        assert!(
            after.iter().zip(&warmed).all(|(a, w)| *a < w / 4),
            "{warmed:?} before, {after:?} after"
        );
    }

    #[test]
    fn settling_closes_the_connections_a_rush_opened() {
        let (_dir, db) = scratch();
        let in_use = db.pool.get().unwrap();
        let rush: Vec<_> = (0..5).map(|_| db.pool.get().unwrap()).collect();
        assert_eq!(db.pool.state().connections, 6);
        drop(rush);
        db.settle_pool();
        let state = db.pool.state();
        assert_eq!(
            (state.connections, state.idle_connections),
            (3, 2),
            "the one in use and two waiting stay open"
        );
        drop(in_use);
        let again: Vec<_> = (0..4).map(|_| db.pool.get().unwrap()).collect();
        let n: i64 = again[3]
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "the pool opens connections again when work asks");
        drop(again);
        assert_eq!(
            db.pool.state().connections,
            4,
            "returning ones are kept again"
        );
    }

    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_documents() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads one of mimalloc's options.
            let delay = unsafe { libmimalloc_sys::mi_option_get(MI_PURGE_DELAY) };
            assert_eq!(delay, 1000, "mimalloc's purge delay defaults to 1000 ms");
        }
    }

    /// Option 35 is `page_reclaim_on_free` (default 0) in the header, just before
    /// `page_full_retain` (default 2): both defaults where they should be pin the numbering.
    #[test]
    fn the_reclaim_option_is_the_one_mimalloc_documents() {
        if std::env::var_os("MIMALLOC_PAGE_RECLAIM_ON_FREE").is_none()
            && std::env::var_os("MIMALLOC_PAGE_FULL_RETAIN").is_none()
        {
            // SAFETY: reads two of mimalloc's options.
            let (reclaim, retain) = unsafe {
                (
                    libmimalloc_sys::mi_option_get(MI_PAGE_RECLAIM_ON_FREE),
                    libmimalloc_sys::mi_option_get(MI_PAGE_RECLAIM_ON_FREE + 1),
                )
            };
            assert_eq!((reclaim, retain), (0, 2));
        }
    }

    /// A flood sets the delay once, the quiet after it clears it once; an allocator Novi did
    /// not tune (an administrator's delay) is left alone.
    #[test]
    fn the_purge_delay_follows_a_flood_only_when_novi_tuned_it() {
        let untuned = Purge {
            tuned: AtomicBool::new(false),
            holding: AtomicBool::new(false),
        };
        assert_eq!((untuned.next(true), untuned.next(false)), (None, None));
        let tuned = Purge {
            tuned: AtomicBool::new(true),
            holding: AtomicBool::new(false),
        };
        let steps: Vec<_> = [false, true, true, false, false, true]
            .map(|flood| tuned.next(flood))
            .into();
        let hold = Some(FLOOD_PURGE_DELAY_MS);
        assert_eq!(steps, [None, hold, None, Some(0), None, hold]);
    }

    #[test]
    fn a_thread_collects_once_for_each_ask() {
        let (asked, seen) = (AtomicU64::new(0), Cell::new(0));
        assert!(!newly_asked(&asked, &seen), "nothing asked yet");
        asked.fetch_add(1, Ordering::AcqRel);
        assert!(newly_asked(&asked, &seen));
        assert!(!newly_asked(&asked, &seen), "answered already");
        asked.fetch_add(1, Ordering::AcqRel);
        asked.fetch_add(1, Ordering::AcqRel);
        assert!(
            newly_asked(&asked, &seen),
            "two asks while asleep: one collection"
        );
        assert!(!newly_asked(&asked, &seen));
    }

    #[test]
    fn a_spell_releases_once_and_only_after_work() {
        let mut spell = Spell::default();
        let mut released = 0;
        spell.quiet(|| released += 1);
        assert_eq!(released, 0, "nothing to hand back before any work");
        spell.worked();
        spell.worked();
        assert!(spell.busy());
        spell.quiet(|| released += 1);
        spell.quiet(|| released += 1);
        assert_eq!(released, 1, "once per busy spell");
        assert!(!spell.busy());
    }
}
