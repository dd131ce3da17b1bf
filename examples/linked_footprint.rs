//! Resident memory of Novi serving idle with 0, 1 and 10 linked shops connected (a benchmark,
//! not a test).
//!
//! ```text
//! cargo build --release --example linked_footprint
//! target/release/examples/linked_footprint [--shops 0,1,10] [--settle-secs 5]
//! ```
//!
//! For each count it starts a fresh process (itself, with `--child N`) that does what `novi
//! serve` does on a new data directory: logging, the runtime, the web server, the sender, the
//! conversation worker and one connection task per linked business. The businesses are on the
//! linked provider with a session already saved, so each logs straight in; their phones are
//! the fake linked client, built in here through the library (`AppState::with_linked_connector`,
//! as the tests do), so nothing reaches the network and `novi` itself has no way to start it.
//! Once every link is stored as connected and `--settle-secs` have passed, it reads the
//! child's `VmRSS` and `VmHWM` from `/proc` and stops it. What the fake leaves out is the
//! `whatsapp-rust` client's own per-connection state (its socket, keys and caches).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use novi::config::{Config, LogFormat};
use novi::db::Db;
use novi::whatsapp::linked::fake::FakeConnector;
use novi::whatsapp::linked::state::{self, State};
use novi::whatsapp::settings::{self, Provider, WhatsappSettings};
use novi::AppState;

/// Measures `novi serve`'s memory with linked shops over the fake transport.
#[derive(Parser, Debug)]
#[command(name = "linked_footprint")]
struct Args {
    /// Linked shop counts to measure, one fresh process each.
    #[arg(long, value_delimiter = ',', default_value = "0,1,10")]
    shops: Vec<usize>,
    /// Seconds to stay idle, every link connected, before reading the memory.
    #[arg(long, default_value_t = 5)]
    settle_secs: u64,
    /// Internal: serve with this many linked shops and print `ready` once all are connected.
    #[arg(long, hide = true)]
    child: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = match args.child {
        Some(n) => child(n),
        None => measure_all(&args),
    };
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn measure_all(args: &Args) -> anyhow::Result<()> {
    println!("linked shops  VmRSS     VmHWM");
    for &n in &args.shops {
        let (rss, hwm) = measure(n, Duration::from_secs(args.settle_secs))?;
        println!("{n:>12}  {:>5.1} MB  {:>5.1} MB", mb(rss), mb(hwm));
    }
    Ok(())
}

fn mb(kb: u64) -> f64 {
    // Precision loss is irrelevant at these sizes.
    #[allow(clippy::cast_precision_loss)]
    let kb = kb as f64;
    kb / 1024.0
}

/// Starts a child serving `n` linked shops, waits until it says all are connected, lets it
/// idle, and returns its `VmRSS` and `VmHWM` in kB.
fn measure(n: usize, settle: Duration) -> anyhow::Result<(u64, u64)> {
    let dir = tempfile::tempdir()?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--child", &n.to_string()])
        .env("NOVI_DATA_DIR", dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start the measured process")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first)?;
    if first.trim() != "ready" {
        let _ = child.kill();
        anyhow::bail!("the measured process did not come up with {n} shops");
    }
    // A benchmark idles on purpose: the figure wanted is the server at rest.
    std::thread::sleep(settle);
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
    let _ = child.kill();
    let _ = child.wait();
    Ok((field_kb(&status, "VmRSS:")?, field_kb(&status, "VmHWM:")?))
}

fn field_kb(status: &str, name: &str) -> anyhow::Result<u64> {
    let line = status
        .lines()
        .find(|l| l.starts_with(name))
        .with_context(|| format!("no {name} in /proc status"))?;
    let kb = line.trim_start_matches(name).trim().trim_end_matches("kB");
    Ok(kb.trim().parse()?)
}

/// The measured process: serves `n` connected linked shops until killed.
fn child(n: usize) -> anyhow::Result<()> {
    let data_dir = std::env::var_os("NOVI_DATA_DIR").context("NOVI_DATA_DIR is not set")?;
    let config = Config::for_data_dir(data_dir.into());
    novi::telemetry::init(LogFormat::Pretty);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, n))
}

async fn serve(config: Config, n: usize) -> anyhow::Result<()> {
    let db = Db::open(&config.data_dir)?;
    add_linked_shops(&db, &config.data_dir, n)?;
    let fake = FakeConnector::new();
    let state = AppState::with_linked_connector(db.clone(), config, Arc::new(fake))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut changed = state.bridge.linked.shared.changed.subscribe();
    let server = tokio::spawn(novi::serve(listener, state, std::future::pending()));
    loop {
        let links = db.with_conn(state::all)?;
        let connected = links.iter().filter(|(_, l)| l.state == State::Connected);
        if connected.count() == n {
            break;
        }
        tokio::time::timeout(Duration::from_secs(30), changed.changed())
            .await
            .context("the shops did not all connect within 30 seconds")??;
    }
    println!("ready");
    server.await??;
    Ok(())
}

/// Adds `n` businesses on the linked provider, each with a saved session so it logs in at
/// start as a linked shop does after a restart.
fn add_linked_shops(db: &Db, data_dir: &Path, n: usize) -> anyhow::Result<()> {
    let sessions = data_dir.join("whatsapp");
    std::fs::create_dir_all(&sessions)?;
    let mut linked = WhatsappSettings::simulator();
    linked.provider = Provider::Linked;
    for i in 1..=n {
        let b = novi::accounts::create_business(db, &format!("Shop {i}"), &format!("shop{i}"))?;
        db.with_tx(|tx| settings::save(tx, b.id, &linked))?;
        std::fs::write(sessions.join(format!("business-{}.db", b.id)), "linked")?;
    }
    Ok(())
}
