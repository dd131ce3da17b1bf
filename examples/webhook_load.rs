//! Load generator for Novi's Cloud API webhook endpoint (a benchmark, not a test).
//!
//! Posts signed WhatsApp Cloud API text-message webhooks, each with a unique message id, over
//! `--connections` keep-alive HTTP/1.1 connections: one task per connection, each sending its next
//! request when the previous answer is in (closed loop). With `--rate N` it is an open loop
//! instead: requests are paced to N a second in all, spread evenly over the connections, each
//! sent when due (or as soon as its connection is free, when the server falls behind), and the
//! rate achieved is reported beside the target. After `--warmup` seconds that are not counted it
//! measures for `--seconds`, then prints a summary and one line of JSON.
//!
//! ```text
//! cargo run --release --example webhook_load -- --url http://127.0.0.1:8080/webhooks/whatsapp/demo \
//!     --secret S --phone-number-id ID --connections 64 --seconds 20 [--rate 2000] [--pid SERVER_PID]
//! ```
//!
//! Throughput and latency are of the requests answered 200; other answers and transport errors
//! are counted apart. In the open loop a request's latency runs from when it was due, not when
//! it could be sent, so a server that falls behind shows it in the percentiles. The exit status is 0 when every measured request got 200, 2 when some did
//! not (the figures are still printed), 1 when the run could not start.
//!
//! With `--pid` it samples the server's VmRSS every 100 ms and reads VmHWM from /proc/PID/status.
//! The generator shares the machine with the server, so it stays lean: one tokio worker thread by
//! default, bodies built from a preformatted template, the HMAC key schedule computed once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::json;

#[path = "shared/cloud_webhooks.rs"]
mod cloud_webhooks;

use cloud_webhooks::{causes, post, snippet};

/// Posts signed Cloud API webhooks at a Novi server and reports throughput, latency and memory.
#[derive(Parser, Debug, Clone)]
#[command(name = "webhook_load")]
struct Args {
    /// The webhook URL, e.g. http://127.0.0.1:8080/webhooks/whatsapp/demo
    #[arg(long)]
    url: String,
    /// The business's app secret (signs X-Hub-Signature-256).
    #[arg(long)]
    secret: String,
    /// The business number's phone_number_id put in the webhook metadata.
    #[arg(long)]
    phone_number_id: String,
    /// Concurrent keep-alive connections, one request in flight on each.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Seconds of warm-up before measuring (sent, not counted).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// The server's process id, to sample its resident memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Distinct customers the messages come from.
    #[arg(long, default_value_t = 1000)]
    customers: u64,
    /// Tokio worker threads for the generator.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Per-request timeout in milliseconds (a timeout counts as an error).
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
    /// Open loop: send N requests a second in all, paced across the connections (default:
    /// closed loop, each connection sending as fast as it is answered).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rate: Option<u64>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(2),
        Err(e) => {
            eprintln!("webhook_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the benchmark; `Ok(false)` when some measured request was not answered 200.
async fn run(args: Args) -> Result<bool, String> {
    let maker = Arc::new(Maker::new(&args));
    preflight(&args, &maker).await?;
    let memory = args.pid.map(MemorySampler::start).transpose()?;
    let began = Instant::now();
    let plan = Plan {
        began,
        measure_from: began + Duration::from_secs(args.warmup),
        end: began + Duration::from_secs(args.warmup + args.seconds),
        seconds: args.seconds,
    };
    let tasks: Vec<_> = (0..args.connections)
        .map(|conn| tokio::spawn(connection(conn, args.clone(), maker.clone(), plan)))
        .collect();
    let mut total = Stats::new(args.seconds);
    for task in tasks {
        total.merge(
            task.await
                .map_err(|e| format!("connection task failed: {e}"))??,
        );
    }
    let elapsed = plan.measure_from.elapsed();
    let memory = match memory {
        Some(m) => Some(m.finish().await),
        None => None,
    };
    report(&args, &total, elapsed, memory.as_ref());
    Ok(total.non_200 == 0 && total.errors == 0)
}

/// When counting starts and sending stops, shared by every connection.
#[derive(Clone, Copy)]
struct Plan {
    began: Instant,
    measure_from: Instant,
    end: Instant,
    seconds: u64,
}

// ---------------------------------------------------------------------------------------------
// Request bodies and sending (shared with `soak`)
// ---------------------------------------------------------------------------------------------

/// This run's webhooks: ids `wamid.load.<run>.<conn>.<n>`, unique across runs on one install.
struct Maker {
    run: String,
    webhooks: cloud_webhooks::Maker,
}

impl Maker {
    fn new(args: &Args) -> Self {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Maker {
            run: format!("{millis:x}"),
            webhooks: cloud_webhooks::Maker::new(
                &args.secret,
                &args.phone_number_id,
                args.customers,
            ),
        }
    }

    /// The body for request `n` on connection `conn` and its `X-Hub-Signature-256`.
    fn body(&self, conn: usize, n: u64) -> (String, String) {
        let id = format!("load.{}.{conn}.{n}", self.run);
        self.webhooks.body(&id, conn as u64 * 7919 + n)
    }
}

fn client(args: &Args) -> Result<reqwest::Client, String> {
    cloud_webhooks::client(Duration::from_millis(args.timeout_ms))
}

/// One request before the run, so a wrong URL or secret fails loudly instead of being measured.
async fn preflight(args: &Args, maker: &Maker) -> Result<(), String> {
    let client = client(args)?;
    // Connection number `connections` is unused by the run, so its id cannot collide.
    let (status, text) = post(&client, &args.url, maker.body(args.connections, 0))
        .await
        .map_err(|e| format!("cannot reach {}: {}", args.url, causes(&e)))?;
    if status != 200 {
        let hint = if status == 401 {
            " (check --secret)"
        } else {
            ""
        };
        return Err(format!(
            "preflight got HTTP {status}{hint}: {}",
            snippet(&text)
        ));
    }
    Ok(())
}

/// In the open loop (`--rate`), when request `n` on connection `conn` is due: request slots
/// are `1/rate` apart, dealt to the connections in turn. `None` in the closed loop.
fn due_at(args: &Args, began: Instant, conn: usize, n: u64) -> Option<Instant> {
    let rate = args.rate?;
    let slot = n * args.connections as u64 + conn as u64;
    Some(began + Duration::from_nanos(slot * 1_000_000_000 / rate))
}

/// Sends on one connection until the end, back to back or each request when due, counting
/// what was started (or due) after warm-up.
async fn connection(
    conn: usize,
    args: Args,
    maker: Arc<Maker>,
    plan: Plan,
) -> Result<Stats, String> {
    let client = client(&args)?;
    let mut stats = Stats::new(plan.seconds);
    for n in 0.. {
        let due = due_at(&args, plan.began, conn, n);
        let started = due.unwrap_or_else(Instant::now);
        if started >= plan.end {
            break;
        }
        if let Some(due) = due {
            tokio::time::sleep_until(due.into()).await;
        }
        let outcome = post(&client, &args.url, maker.body(conn, n)).await;
        let failed = outcome.is_err();
        if started >= plan.measure_from {
            stats.record(started, plan.measure_from, outcome);
        }
        if failed {
            // A refused connect fails in microseconds; without a pause a dead server would turn
            // this loop into a spin that starves the machine it shares with the server.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/// What one connection (or all, merged) saw during the measured window.
struct Stats {
    /// Requests started in the window, whatever became of them.
    sent: u64,
    /// The latency of every 200 answer in microseconds: at these rates a Vec is a few MB, exact.
    latencies_us: Vec<u32>,
    non_200: u64,
    errors: u64,
    statuses: BTreeMap<u16, u64>,
    /// 200 answers per measured second, to show whether the rate held.
    per_second: Vec<u64>,
    first_failure: Option<String>,
}

impl Stats {
    fn new(seconds: u64) -> Self {
        Stats {
            sent: 0,
            latencies_us: Vec::new(),
            non_200: 0,
            errors: 0,
            statuses: BTreeMap::new(),
            per_second: vec![0; seconds as usize],
            first_failure: None,
        }
    }

    fn record(
        &mut self,
        started: Instant,
        measure_from: Instant,
        outcome: Result<(u16, String), reqwest::Error>,
    ) {
        let done = Instant::now();
        self.sent += 1;
        match outcome {
            Ok((200, _)) => {
                let micros = done.duration_since(started).as_micros();
                self.latencies_us.push(micros.min(u32::MAX as u128) as u32);
                let second = done.duration_since(measure_from).as_secs() as usize;
                if let Some(bucket) = self.per_second.get_mut(second) {
                    *bucket += 1;
                }
            }
            Ok((status, text)) => {
                self.non_200 += 1;
                *self.statuses.entry(status).or_default() += 1;
                self.first_failure
                    .get_or_insert_with(|| format!("HTTP {status}: {}", snippet(&text)));
            }
            Err(e) => {
                self.errors += 1;
                self.first_failure
                    .get_or_insert_with(|| format!("transport: {}", causes(&e)));
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        self.sent += other.sent;
        self.latencies_us.extend(other.latencies_us);
        self.non_200 += other.non_200;
        self.errors += other.errors;
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (mine, theirs) in self.per_second.iter_mut().zip(other.per_second) {
            *mine += theirs;
        }
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn report(args: &Args, stats: &Stats, elapsed: Duration, memory: Option<&Memory>) {
    let mut sorted = stats.latencies_us.clone();
    sorted.sort_unstable();
    let ok = sorted.len() as u64;
    let rps = ok as f64 / elapsed.as_secs_f64();
    let slowest = stats.per_second.iter().copied().min().unwrap_or(0);
    let [p50, p90, p99, max] = [50.0, 90.0, 99.0, 100.0].map(|p| round2(percentile_ms(&sorted, p)));

    println!(
        "webhook_load: {} | {} connections, {} s warm-up, {} s measured ({:.2} s with the tail)",
        args.url,
        args.connections,
        args.warmup,
        args.seconds,
        elapsed.as_secs_f64()
    );
    println!(
        "requests    {} sent, {ok} answered 200, {} non-200 {:?}, {} transport errors",
        stats.sent, stats.non_200, stats.statuses, stats.errors
    );
    if let Some(failure) = &stats.first_failure {
        println!("first fail  {failure}");
    }
    println!("throughput  {rps:.0} req/s (slowest whole second {slowest} req/s)");
    let sent_rate = stats.sent as f64 / f64::max(args.seconds as f64, 1.0);
    if let Some(rate) = args.rate {
        println!("rate        target {rate} req/s, achieved {sent_rate:.0} req/s sent (open loop)");
    }
    println!("latency     p50 {p50} ms, p90 {p90} ms, p99 {p99} ms, max {max} ms");
    if let Some(m) = memory {
        println!(
            "memory      pid {}: VmRSS peak {:.1} MB (start {:.1}, end {:.1}), VmHWM {:.1} MB",
            m.pid,
            mb(m.rss_peak_kb),
            mb(m.rss_start_kb),
            mb(m.rss_end_kb),
            mb(m.hwm_kb)
        );
    }
    let mut line = json!({
        "url": args.url, "connections": args.connections, "warmup_s": args.warmup,
        "seconds": args.seconds, "threads": args.threads, "requests": stats.sent, "ok": ok,
        "non_200": stats.non_200, "errors": stats.errors, "rps": rps.round(),
        "slowest_second_rps": slowest, "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max,
    });
    extras(&mut line, args.rate.map(|r| (r, sent_rate)), memory);
    println!("{line}");
}

/// The JSON line's open-loop rates (target, achieved) and server memory, when there are any.
fn extras(line: &mut serde_json::Value, rate: Option<(u64, f64)>, memory: Option<&Memory>) {
    if let Some((target, sent)) = rate {
        line["rate_target"] = json!(target);
        line["rate_sent"] = json!(sent.round());
    }
    if let Some(m) = memory {
        line["pid"] = json!(m.pid);
        line["rss_peak_kb"] = json!(m.rss_peak_kb);
        line["rss_start_kb"] = json!(m.rss_start_kb);
        line["rss_end_kb"] = json!(m.rss_end_kb);
        line["hwm_kb"] = json!(m.hwm_kb);
    }
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

// ---------------------------------------------------------------------------------------------
// Server memory
// ---------------------------------------------------------------------------------------------

/// Resident memory of the server over the run, in kB.
struct Memory {
    pid: u32,
    rss_start_kb: u64,
    rss_peak_kb: u64,
    /// 0 when the process was gone by the end.
    rss_end_kb: u64,
    /// The kernel's own peak RSS for the process (since it started, not only this run).
    hwm_kb: u64,
}

struct MemorySampler {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Memory>,
}

impl MemorySampler {
    fn start(pid: u32) -> Result<Self, String> {
        let (rss, _) = read_status(pid).ok_or_else(|| format!("cannot read /proc/{pid}/status"))?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let (mut peak, mut hwm) = (rss, 0);
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        // Kept from the last good read, in case the server exits mid-run.
                        let (r, h) = read_status(pid).unwrap_or((0, 0));
                        (peak, hwm) = (peak.max(r), hwm.max(h));
                    }
                }
            }
            let (end, last_hwm) = read_status(pid).unwrap_or((0, 0));
            Memory {
                pid,
                rss_start_kb: rss,
                rss_peak_kb: peak.max(end),
                rss_end_kb: end,
                hwm_kb: hwm.max(last_hwm),
            }
        });
        Ok(MemorySampler { stop, task })
    }

    async fn finish(self) -> Memory {
        let _ = self.stop.send(());
        self.task.await.expect("memory sampler")
    }
}

/// `(VmRSS, VmHWM)` in kB from /proc/PID/status.
fn read_status(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> Args {
        Args::parse_from([
            "webhook_load",
            "--url",
            "http://x/",
            "--secret",
            "S",
            "--phone-number-id",
            "P\"1",
        ])
    }

    #[test]
    fn ids_are_unique_per_run_connection_and_request() {
        let maker = Maker::new(&args());
        let (body, _) = maker.body(3, 42);
        let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        let value = &v["entry"][0]["changes"][0]["value"];
        assert_eq!(value["metadata"]["phone_number_id"], "P\"1");
        assert_eq!(
            value["messages"][0]["id"],
            format!("wamid.load.{}.3.42", maker.run)
        );
        assert_ne!(maker.body(3, 43).0, body);
    }

    #[test]
    fn the_open_loop_deals_slots_to_connections_in_turn() {
        let mut a = args();
        let began = Instant::now();
        assert_eq!(due_at(&a, began, 0, 5), None, "closed loop by default");
        a.rate = Some(2_000);
        a.connections = 4;
        let at = |conn, n| due_at(&a, began, conn, n).unwrap() - began;
        assert_eq!(at(0, 0), Duration::ZERO);
        assert_eq!(at(1, 0), Duration::from_micros(500));
        assert_eq!(at(0, 1), Duration::from_micros(2_000), "slot 4");
        // 2,000 slots in the first second, whichever connection has them.
        let first_second = (0..4)
            .flat_map(|c| (0..1_000).map(move |n| (c, n)))
            .filter(|&(c, n)| at(c, n) < Duration::from_secs(1))
            .count();
        assert_eq!(first_second, 2_000);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 50.0), 50.0);
        assert_eq!(percentile_ms(&sorted, 99.0), 99.0);
        assert_eq!(percentile_ms(&sorted, 100.0), 100.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
    }

    #[test]
    fn reads_own_memory() {
        let (rss, hwm) = read_status(std::process::id()).expect("own /proc status");
        assert!(rss > 0 && hwm >= rss);
    }
}
