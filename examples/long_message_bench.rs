//! Time and memory of reading long messages (a benchmark, not a test): messages of 1 KB up
//! to WhatsApp's 64 KB, made of one unclear line over and over, read against the demo catalog.
//!
//! ```text
//! cargo run --release --example long_message_bench [-- --rounds 200 --line "1 kaju katri "]
//! ```
//!
//! For each size it prints the median and slowest time of one read, the peak heap the read
//! allocated on top of what was live before it (counted by a wrapping allocator), and the size
//! of the reading as stored in a draft (its JSON). Reading stops at the first 4,000 characters
//! (`novi::domain::limits::MAX_READ_CHARS`), so from there on the figures should stay flat.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use novi::reader::{self, ProductIndex};

const CATALOG: &str = include_str!("../src/demo/catalog.csv");
/// The line the 64 KB message that took a server down was made of.
const LINE: &str = "1 kaju katri ";
const SIZES_KB: [usize; 5] = [1, 4, 16, 32, 64];

/// Counts live heap bytes and their peak, over the system allocator.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `System` unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match new_size.checked_sub(layout.size()) {
            Some(more) => grew(more),
            None => {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Times `novi::reader::read` on long messages and counts what it allocates.
#[derive(Parser, Debug)]
#[command(name = "long_message_bench")]
struct Args {
    /// Times each message is read (after one untimed warm-up read).
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// The line the messages repeat (e.g. "२ किलो काजू कतली " for Hindi script).
    #[arg(long, default_value = LINE)]
    line: String,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let catalog = ProductIndex::from_csv(CATALOG)?;
    println!("size     p50 read   max read   peak heap   stored reading  (questions, skipped)");
    for kb in SIZES_KB {
        let text = args.line.repeat(kb * 1024 / args.line.len().max(1));
        let peak = peak_heap(&catalog, &text);
        let mut times: Vec<Duration> = (0..args.rounds.max(1))
            .map(|_| {
                let t = Instant::now();
                black_box(reader::read(&catalog, black_box(&text)));
                t.elapsed()
            })
            .collect();
        times.sort_unstable();
        let r = reader::read(&catalog, &text);
        let stored = serde_json::to_string(&r).map_err(|e| e.to_string())?.len();
        println!(
            "{:>3} KB {:>8.1} µs {:>8.1} µs {:>8.1} KB {:>10} bytes  ({}, {})",
            kb,
            micros(times[times.len() / 2]),
            micros(times[times.len() - 1]),
            peak as f64 / 1024.0,
            stored,
            r.unclear.len(),
            r.skipped
        );
    }
    Ok(())
}

/// The most heap one read of `text` holds at once, above what was live before it.
fn peak_heap(catalog: &ProductIndex, text: &str) -> usize {
    black_box(reader::read(catalog, text));
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    black_box(reader::read(catalog, black_box(text)));
    PEAK.load(Ordering::Relaxed).saturating_sub(before)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
