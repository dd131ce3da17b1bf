//! Speed of the order reader (a benchmark, not a test): every message of the dev corpus
//! read against the demo catalog, many times over.
//!
//! ```text
//! cargo run --release --example reader_bench [-- --rounds 2000 --slowest 5 --corpus FILE]
//! ```
//!
//! Each round reads every message once, in corpus order, so no message runs hot in the
//! caches for thousands of reads in a row as it would in a per-message loop. Every read is
//! timed on its own (the clock costs some tens of nanoseconds, included in the figures).
//! It prints the mean, p50, p99 and max time per message read over all reads, then the
//! slowest messages by their median. The catalog index is built once, outside the read
//! timings; what building it costs is printed apart, for callers deciding whether to cache it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use clap::Parser;
use novi::reader::{self, ProductIndex};
use serde_json::Value;

const CATALOG: &str = include_str!("../src/demo/catalog.csv");
const CORPUS: &str = include_str!("../tests/data/orders-dev.jsonl");

/// Times `novi::reader::read` on the dev corpus against the demo catalog.
#[derive(Parser, Debug)]
#[command(name = "reader_bench")]
struct Args {
    /// Times each message is read (after one untimed warm-up round).
    #[arg(long, default_value_t = 2000)]
    rounds: usize,
    /// How many of the slowest messages to list.
    #[arg(long, default_value_t = 5)]
    slowest: usize,
    /// Another corpus file to read instead of the dev corpus (e.g.
    /// tests/data/orders-dev-devanagari.jsonl).
    #[arg(long)]
    corpus: Option<std::path::PathBuf>,
}

struct Message {
    id: String,
    text: String,
    /// Nanoseconds per read, one entry per round.
    times: Vec<u64>,
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let catalog = ProductIndex::from_csv(CATALOG)?;
    report_build(&catalog);
    let corpus = match &args.corpus {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => CORPUS.to_owned(),
    };
    let mut messages = load(&corpus)?;
    for m in &messages {
        black_box(reader::read(&catalog, black_box(&m.text)));
    }
    let started = Instant::now();
    for _ in 0..args.rounds {
        for m in &mut messages {
            let t = Instant::now();
            black_box(reader::read(&catalog, black_box(&m.text)));
            m.times.push(nanos(t.elapsed()));
        }
    }
    let wall = started.elapsed();
    report(&mut messages, wall, args.slowest);
    Ok(())
}

/// Mean time to build the catalog (name index, box sizes) from its products.
fn report_build(catalog: &ProductIndex) {
    const BUILDS: u32 = 200;
    let items = catalog.items().to_vec();
    let t = Instant::now();
    for _ in 0..BUILDS {
        black_box(ProductIndex::new(black_box(items.clone())));
    }
    println!(
        "catalog of {} products built in {:.1} µs (mean of {BUILDS})",
        items.len(),
        t.elapsed().as_secs_f64() * 1e6 / f64::from(BUILDS)
    );
}

fn load(corpus: &str) -> Result<Vec<Message>, String> {
    let mut out = Vec::new();
    for (n, line) in corpus.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let text = row["text"]
            .as_str()
            .ok_or(format!("line {}: no text", n + 1))?;
        out.push(Message {
            id: row["id"].as_str().unwrap_or("?").to_owned(),
            text: text.to_owned(),
            times: Vec::new(),
        });
    }
    Ok(out)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn report(messages: &mut [Message], wall: Duration, slowest: usize) {
    let mut all: Vec<u64> = messages.iter().flat_map(|m| m.times.clone()).collect();
    all.sort_unstable();
    let mean = all.iter().sum::<u64>() as f64 / all.len().max(1) as f64;
    println!(
        "{} messages x {} rounds = {} reads in {:.2} s ({:.0} reads/s on one core)",
        messages.len(),
        messages.first().map_or(0, |m| m.times.len()),
        all.len(),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64().max(1e-9)
    );
    println!(
        "per message: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        mean / 1000.0,
        us(pct(&all, 50.0)),
        us(pct(&all, 99.0)),
        us(all.last().copied().unwrap_or(0))
    );
    for m in messages.iter_mut() {
        m.times.sort_unstable();
    }
    messages.sort_by_key(|m| std::cmp::Reverse(pct(&m.times, 50.0)));
    println!("slowest messages (by median):");
    for m in messages.iter().take(slowest) {
        let text: String = m.text.chars().take(70).collect();
        println!(
            "  {:>6.1} µs p50, {:>7.1} µs max  {}  {:?}",
            us(pct(&m.times, 50.0)),
            us(m.times.last().copied().unwrap_or(0)),
            m.id,
            text
        );
    }
}

/// The p-th percentile of sorted samples (nearest rank).
fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn us(ns: u64) -> f64 {
    ns as f64 / 1000.0
}
