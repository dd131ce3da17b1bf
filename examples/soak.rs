//! Crash soak for `novi serve` (a command to run, not a test): nothing acknowledged is lost or
//! stored twice, however often the server is killed outright.
//!
//! ```text
//! cargo build --release --bin novi
//! cargo run --release --example soak -- --cycles 1000 [--connections 32] [--rate 400] \
//!     [--max-run-ms 1000] [--seed N] [--novi target/release/novi] [--keep]
//! ```
//!
//! It makes a fresh data directory with one business on the Cloud API (its catalog imported,
//! replies pointed at a closed port so they wait in the outbox, as `tests/it/crash.rs` does) and
//! starts `novi serve` on it. Then, each cycle: signed text-message webhooks, each with a unique
//! id, are posted from `--connections` keep-alive connections (`--rate` a second in all; 0 sends
//! each as soon as the last is answered); after a random time up to `--max-run-ms` the server is
//! killed with SIGKILL; it is started again (the restart is timed from spawn until it says it
//! is up, migrations and WAL recovery included); then, with the server running again, every id
//! acknowledged with 200 in the cycle must be stored exactly once and `PRAGMA integrity_check`
//! must answer `ok`. At the end the server is stopped with SIGTERM and every id acknowledged in
//! the whole run is checked once more.
//!
//! Exit status: 0 when nothing was lost or duplicated and every check was ok, 2 when something
//! was (the figures are still printed and the data directory is kept), 1 when it could not run.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde_json::json;

#[path = "shared/cloud_webhooks.rs"]
mod cloud_webhooks;

use cloud_webhooks::{causes, post, snippet, Maker};

/// Kills and restarts `novi serve` under webhook load and checks nothing acknowledged is lost.
#[derive(Parser, Debug, Clone)]
#[command(name = "soak")]
struct Args {
    /// Kill-and-restart cycles.
    #[arg(long, default_value_t = 100)]
    cycles: u32,
    /// Concurrent keep-alive connections posting webhooks.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Webhooks a second over all connections; 0 posts each as soon as the last is answered.
    #[arg(long, default_value_t = 400)]
    rate: u32,
    /// Each cycle's load runs a random time from 0 to this many milliseconds before the kill.
    #[arg(long, default_value_t = 1000)]
    max_run_ms: u64,
    /// Seed for the kill moments (printed, so a run can be repeated); default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// The `novi` binary; default: `novi` beside the `examples` folder this program is in.
    #[arg(long)]
    novi: Option<PathBuf>,
    /// Keep the data directory even when every check passed.
    #[arg(long)]
    keep: bool,
}

const CODE: &str = "soak";
const PNID: &str = "110000000000001";
const SECRET: &str = "soak-app-secret";
const CUSTOMERS: u64 = 1000;
const CATALOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sweetshop-catalog.csv"
);
/// A request unanswered this long counts as not acknowledged.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the soak in a fresh data directory; `Ok(false)` when a check failed.
fn run(args: &Args) -> Result<bool, String> {
    let novi = novi_binary(args)?;
    let dir = tempfile::Builder::new()
        .prefix("novi-soak-")
        .tempdir()
        .map_err(|e| format!("cannot make a data directory: {e}"))?;
    install(&novi, dir.path())?;
    println!(
        "soak: {} on {} (log in soak-serve.log there)",
        novi.display(),
        dir.path().display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let totals = match soak(args, &novi, dir.path(), &runtime) {
        Ok(totals) => totals,
        Err(e) => {
            let kept = dir.keep();
            return Err(format!("{e} (data directory kept: {})", kept.display()));
        }
    };
    totals.report(args);
    let passed = totals.passed();
    if !passed || args.keep {
        let kept = dir.keep();
        println!("data directory kept: {}", kept.display());
    }
    Ok(passed)
}

fn novi_binary(args: &Args) -> Result<PathBuf, String> {
    let path = match &args.novi {
        Some(path) => path.clone(),
        None => {
            let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
            // target/<profile>/examples/soak -> target/<profile>/novi
            let profile = exe.parent().and_then(Path::parent);
            profile.map(|p| p.join("novi")).ok_or("no novi binary")?
        }
    };
    if !path.is_file() {
        return Err(format!(
            "{} not found: build it with `cargo build --release --bin novi`, or pass --novi",
            path.display()
        ));
    }
    Ok(path)
}

/// One business on the Cloud API with the sweet shop's catalog, set up with the `novi` admin
/// commands as an owner would. Replies go to a closed port, so they wait in the outbox.
fn install(novi: &Path, dir: &Path) -> Result<(), String> {
    let steps: [&[&str]; 3] = [
        &[
            "business",
            "add",
            "--name",
            "Soak Sweets",
            "--short-code",
            CODE,
        ],
        &["catalog", "import", "--business", CODE, CATALOG],
        &[
            "whatsapp",
            "configure",
            "--business",
            CODE,
            "--provider",
            "cloud",
            "--phone-number-id",
            PNID,
            "--verify-token",
            "soak-verify",
            "--app-secret",
            SECRET,
            "--access-token",
            "EAAG-soak",
            "--graph-base",
            "http://127.0.0.1:9/v21.0",
        ],
    ];
    for step in steps {
        let out = Command::new(novi)
            .args(step)
            .env("NOVI_DATA_DIR", dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", novi.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!("novi {} failed: {}", step.join(" "), err.trim()));
        }
    }
    Ok(())
}

/// The cycles, then the graceful stop and the final check of every acknowledged id.
fn soak(
    args: &Args,
    novi: &Path,
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) -> Result<Totals, String> {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let seed = args.seed.unwrap_or(millis as u64);
    let mut rng = StdRng::seed_from_u64(seed);
    let run = format!("{millis:x}");
    let maker = Arc::new(Maker::new(SECRET, PNID, CUSTOMERS));
    let mut totals = Totals::new(seed);
    // The first start is not a restart: it is not timed.
    let (mut server, _) = Server::start(novi, dir)?;
    let business = business_id(dir)?;
    for cycle in 0..args.cycles {
        let prefix = format!("soak.{run}.{cycle:05}.");
        let run_for = Duration::from_millis(rng.gen_range(0..=args.max_run_ms));
        let sent = rt.block_on(load(server, &prefix, &maker, args, run_for))?;
        let (next, restart) = Server::start(novi, dir)?;
        server = next;
        let check = check(dir, business, &format!("wamid.{prefix}"), &sent.acked)?;
        println!(
            "cycle {cycle}: killed after {} ms, {} acked, restart {} ms, {}",
            run_for.as_millis(),
            sent.acked.len(),
            restart.as_millis(),
            check.verdict()
        );
        totals.add(sent, restart, check);
    }
    server.stop()?;
    let all: Vec<String> = totals.acked.iter().cloned().collect();
    let last = check(dir, business, &format!("wamid.soak.{run}."), &all)?;
    println!(
        "after the stop: {} ids checked, {}",
        all.len(),
        last.verdict()
    );
    totals.add_final(last);
    Ok(totals)
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/// A running `novi serve`; dropped, it is killed, so a soak that fails leaves none behind.
struct Server {
    child: Option<Child>,
    /// Kept open: a closed pipe would make the server's next line on stdout fail.
    _stdout: BufReader<ChildStdout>,
    base: String,
}

impl Server {
    /// Starts `novi serve` on a free port and returns once it says it is up, with how long
    /// that took. Its standard error (panics included) is appended to `soak-serve.log`.
    fn start(novi: &Path, dir: &Path) -> Result<(Server, Duration), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("soak-serve.log"))
            .map_err(|e| format!("server log: {e}"))?;
        let began = Instant::now();
        let mut child = Command::new(novi)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("NOVI_DATA_DIR", dir)
            .env("RUST_LOG", "error")
            .env_remove("NOVI_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start novi serve: {e}"))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut lines = Vec::new();
        while !lines
            .last()
            .is_some_and(|l: &String| l.contains("Press Ctrl-C"))
        {
            let mut line = String::new();
            match stdout.read_line(&mut line) {
                Ok(n) if n > 0 => lines.push(line.trim_end().to_owned()),
                _ => return Err(format!("novi serve stopped before it was up: {lines:?}")),
            }
        }
        let took = began.elapsed();
        let first = &lines[0];
        let at = first.find("http://").ok_or("no address printed")?;
        let base = first[at..].split('/').take(3).collect::<Vec<_>>().join("/");
        let server = Server {
            child: Some(child),
            _stdout: stdout,
            base,
        };
        Ok((server, took))
    }

    /// SIGKILL, as a power cut or the OOM killer would; an error if it had already exited.
    fn kill(mut self) -> Result<(), String> {
        let mut child = self.child.take().ok_or("not running")?;
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "novi serve exited by itself before the kill: {status}"
            ));
        }
        child.kill().map_err(|e| format!("kill: {e}"))?;
        child.wait().map_err(|e| format!("wait: {e}"))?;
        Ok(())
    }

    /// SIGTERM, as systemd stops it; it must finish and exit 0.
    fn stop(mut self) -> Result<(), String> {
        let mut child = self.child.take().ok_or("not running")?;
        let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
        // SAFETY: kill(2) on our own child's pid, which it stays until we wait for it.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return Err(format!("SIGTERM: {}", std::io::Error::last_os_error()));
        }
        let status = child.wait().map_err(|e| format!("wait: {e}"))?;
        if !status.success() {
            return Err(format!(
                "novi serve did not stop cleanly on SIGTERM: {status}"
            ));
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The load
// ---------------------------------------------------------------------------------------------

/// What one cycle's connections sent.
#[derive(Default)]
struct Sent {
    /// Ids (`wamid.…`) answered 200.
    acked: Vec<String>,
    /// Answers other than 200: not acknowledged, so the provider would send them again.
    refused: u64,
    first_refusal: Option<String>,
    /// Requests that failed before the kill (the server stopped answering by itself).
    early_errors: u64,
    first_early_error: Option<String>,
}

impl Sent {
    fn merge(&mut self, other: Sent) {
        self.acked.extend(other.acked);
        self.refused += other.refused;
        self.first_refusal = self.first_refusal.take().or(other.first_refusal);
        self.early_errors += other.early_errors;
        self.first_early_error = self.first_early_error.take().or(other.first_early_error);
    }
}

/// Posts from every connection, kills the server after `run_for`, and collects what was
/// acknowledged. Each connection stops at its first transport error: the server is gone.
async fn load(
    server: Server,
    prefix: &str,
    maker: &Arc<Maker>,
    args: &Args,
    run_for: Duration,
) -> Result<Sent, String> {
    let url = Arc::new(format!("{}/webhooks/whatsapp/{CODE}", server.base));
    let connections = args.connections.max(1);
    // Each connection sends at its share of the rate, starting at its own offset in the period.
    let every =
        (args.rate > 0).then(|| Duration::from_secs_f64(connections as f64 / f64::from(args.rate)));
    let killed = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..connections)
        .map(|conn| {
            let start = every.map(|e| e.mul_f64(conn as f64 / connections as f64));
            let pace = every.zip(start);
            let id = format!("{prefix}{conn}.");
            let ctx = (url.clone(), maker.clone(), killed.clone());
            tokio::spawn(connection(conn, id, ctx, pace))
        })
        .collect();
    tokio::time::sleep(run_for).await;
    killed.store(true, Ordering::SeqCst);
    server.kill()?;
    let mut sent = Sent::default();
    for task in tasks {
        sent.merge(task.await.map_err(|e| format!("connection task: {e}"))??);
    }
    Ok(sent)
}

/// One connection: ids `wamid.<id>N`, paced by `(period, first offset)` when given, until
/// its first transport error (after `killed` is set, that is the kill).
async fn connection(
    conn: usize,
    id: String,
    (url, maker, killed): (Arc<String>, Arc<Maker>, Arc<AtomicBool>),
    pace: Option<(Duration, Duration)>,
) -> Result<Sent, String> {
    let client = cloud_webhooks::client(REQUEST_TIMEOUT)?;
    let mut ticks = pace.map(|(every, offset)| {
        let mut t = tokio::time::interval_at(tokio::time::Instant::now() + offset, every);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    let mut sent = Sent::default();
    for n in 0_u64.. {
        if let Some(t) = ticks.as_mut() {
            t.tick().await;
        }
        let id = format!("{id}{n}");
        match post(&client, &url, maker.body(&id, conn as u64 * 7919 + n)).await {
            Ok((200, _)) => sent.acked.push(format!("wamid.{id}")),
            Ok((status, text)) => {
                sent.refused += 1;
                sent.first_refusal
                    .get_or_insert_with(|| format!("HTTP {status}: {}", snippet(&text)));
                // Without pacing a server refusing fast would turn this into a spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => {
                if !killed.load(Ordering::SeqCst) {
                    sent.early_errors += 1;
                    sent.first_early_error.get_or_insert_with(|| causes(&e));
                }
                break;
            }
        }
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/// What one check found.
struct Check {
    /// Acknowledged ids not stored.
    lost: Vec<String>,
    /// Ids under the checked prefix stored more than once.
    duplicated: Vec<String>,
    /// `PRAGMA integrity_check`'s answer when it was not `ok`.
    integrity: Option<String>,
}

impl Check {
    fn verdict(&self) -> String {
        if self.lost.is_empty() && self.duplicated.is_empty() && self.integrity.is_none() {
            return "ok".to_owned();
        }
        format!(
            "FAILED: {} lost (e.g. {:?}), {} duplicated (e.g. {:?}), integrity {}",
            self.lost.len(),
            self.lost.first(),
            self.duplicated.len(),
            self.duplicated.first(),
            self.integrity.as_deref().unwrap_or("ok")
        )
    }
}

fn open(dir: &Path) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open(dir.join("novi.db")).map_err(|e| e.to_string())?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

fn business_id(dir: &Path) -> Result<i64, String> {
    let sql = "SELECT id FROM businesses WHERE short_code = ?1";
    open(dir)?
        .query_row(sql, [CODE], |r| r.get(0))
        .map_err(|e| format!("the soak business: {e}"))
}

/// Checks the database as it is now: the ids under `prefix` stored exactly once each, every id
/// in `acked` among them, and `PRAGMA integrity_check` ok.
fn check(dir: &Path, business: i64, prefix: &str, acked: &[String]) -> Result<Check, String> {
    let conn = open(dir)?;
    let stored = stored_ids(&conn, business, prefix).map_err(|e| format!("stored ids: {e}"))?;
    let lost = acked
        .iter()
        .filter(|id| !stored.contains_key(*id))
        .cloned()
        .collect();
    let duplicated = stored
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id.clone())
        .collect();
    let mut integrity = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| format!("integrity_check: {e}"))
        .map(|rows: Vec<String>| rows.join("; "))?;
    if integrity == "ok" {
        integrity.clear();
    }
    Ok(Check {
        lost,
        duplicated,
        integrity: (!integrity.is_empty()).then_some(integrity),
    })
}

/// How many times each inbound id starting with `prefix` is stored. The range on the unique
/// index (business, direction, provider id) keeps this cheap however large the database grows.
fn stored_ids(
    conn: &rusqlite::Connection,
    business: i64,
    prefix: &str,
) -> rusqlite::Result<HashMap<String, i64>> {
    // Every prefix ends in '.', and '/' is the next character: the end of the range.
    let end = format!("{}/", prefix.trim_end_matches('.'));
    let mut s = conn.prepare(
        "SELECT provider_id, COUNT(*) FROM messages
         WHERE business_id = ?1 AND direction = 'in' AND provider_id >= ?2 AND provider_id < ?3
         GROUP BY provider_id",
    )?;
    let rows = s.query_map(rusqlite::params![business, prefix, end], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

struct Totals {
    seed: u64,
    began: Instant,
    cycles: u32,
    acked: HashSet<String>,
    /// Everything but the acknowledged ids, summed over the cycles.
    sent: Sent,
    lost: HashSet<String>,
    duplicated: HashSet<String>,
    integrity_failures: u32,
    restarts: Vec<Duration>,
}

impl Totals {
    fn new(seed: u64) -> Self {
        Totals {
            seed,
            began: Instant::now(),
            cycles: 0,
            acked: HashSet::new(),
            sent: Sent::default(),
            lost: HashSet::new(),
            duplicated: HashSet::new(),
            integrity_failures: 0,
            restarts: Vec::new(),
        }
    }

    fn add(&mut self, mut sent: Sent, restart: Duration, check: Check) {
        self.cycles += 1;
        self.acked.extend(std::mem::take(&mut sent.acked));
        self.sent.merge(sent);
        self.restarts.push(restart);
        self.add_final(check);
    }

    /// A check's findings; an id found lost or duplicated twice counts once.
    fn add_final(&mut self, check: Check) {
        self.lost.extend(check.lost);
        self.duplicated.extend(check.duplicated);
        self.integrity_failures += u32::from(check.integrity.is_some());
    }

    fn passed(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty() && self.integrity_failures == 0
    }

    fn report(&self, args: &Args) {
        let mut sorted = self.restarts.clone();
        sorted.sort_unstable();
        let ms = |d: Option<&Duration>| d.map_or(0, Duration::as_millis);
        let (slowest, median) = (ms(sorted.last()), ms(sorted.get(sorted.len() / 2)));
        let secs = self.began.elapsed().as_secs_f64();
        println!(
            "soak: {} cycles in {secs:.0} s (seed {}, {} connections, rate {}/s, kill after 0-{} ms)",
            self.cycles, self.seed, args.connections, args.rate, args.max_run_ms
        );
        let s = &self.sent;
        println!(
            "acks        {} ({} refused, {} failed before a kill)",
            self.acked.len(),
            s.refused,
            s.early_errors
        );
        for first in [&s.first_refusal, &s.first_early_error]
            .into_iter()
            .flatten()
        {
            println!("            first: {first}");
        }
        println!("lost        {}", self.lost.len());
        println!("duplicated  {}", self.duplicated.len());
        println!("integrity   {} failed checks", self.integrity_failures);
        println!("restart     slowest {slowest} ms, median {median} ms");
        let line = json!({
            "cycles": self.cycles, "acks": self.acked.len(), "refused": s.refused, "early_errors": s.early_errors,
            "lost": self.lost.len(), "duplicated": self.duplicated.len(),
            "integrity_failures": self.integrity_failures, "slowest_restart_ms": slowest,
            "median_restart_ms": median, "seconds": secs.round(), "seed": self.seed,
        });
        println!("{line}");
    }
}
