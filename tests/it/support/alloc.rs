//! The test binary's allocator: the system allocator, counting what each thread allocates, so
//! a test can measure how much memory one call takes ([`measure`]).
//!
//! The counters are per thread, not global, on purpose: this binary runs its tests on many
//! threads at once (and some tests run servers on tokio threads), so a global counter would add
//! up everyone's allocations and a test could never tell its own. The code measured here (the
//! parsers) runs synchronously on the calling thread and starts no threads, so the calling
//! thread's counters see all of its allocations and nothing else's. A separate single-threaded
//! binary would have done as well, but would build and link the crate and its dependencies a
//! second time for every `cargo test`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

#[global_allocator]
static COUNTING: Counting = Counting;

struct Counting;

thread_local! {
    // `const` and without destructors, so reading them never allocates (the allocator must not
    // call itself) and they stay readable while a thread is being torn down.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn allocated(size: usize) {
    let _ = TOTAL.try_with(|t| t.set(t.get().saturating_add(size)));
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_add_unsigned(size);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn freed(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub_unsigned(size)));
}

// SAFETY: every call is passed straight to `System` with the caller's arguments; the counting
// around it touches only this thread's const-initialised cells.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            allocated(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            allocated(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        freed(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            freed(layout.size());
            allocated(new_size);
        }
        p
    }
}

/// What one call allocated on this thread, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The most it held at once, above what was held when it started.
    pub peak: usize,
    /// Everything it asked for, freed or not (a grown buffer counts each size it had).
    pub total: usize,
}

/// Runs `f` and reports what it allocated on this thread, its result included.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    LIVE.with(|c| c.set(0));
    PEAK.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let out = f();
    let usage = Usage {
        peak: PEAK.with(Cell::get).max(0).unsigned_abs(),
        total: TOTAL.with(Cell::get),
    };
    (out, usage)
}
