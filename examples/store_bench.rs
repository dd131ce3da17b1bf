//! Storefront benchmark (a command to run, not a test): `--connections` shoppers open a shop's
//! public catalog page `/s/{code}` at once over keep-alive HTTP/1.1, each opening the next page
//! when the last is in (closed loop), and it reports requests/s and p50/p90/p99 per page.
//!
//! ```text
//! novi --data-dir store demo fill --business bench --products 1000
//! novi --data-dir store serve --listen 127.0.0.1:18300 &
//! cargo run --release --example store_bench -- --url http://127.0.0.1:18300 --shop bench \
//!     [--connections 32] [--seconds 30] [--warmup 3]
//! ```
//!
//! It reads the shop's page once first (refusing to run when it is not answered 200) and
//! requests every page the category bar links to that is a page of its own; links within the
//! page (`#cat-2`) are the same page and are not requested again. Shoppers send no cookie, so
//! each request is a first visit that is given a new cart. After `--warmup` seconds that are
//! not counted it measures for `--seconds`, then prints a table and one line of JSON. Exit
//! status: 0 when every measured request answered 200, 2 when some did not, 1 when it could not
//! start.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

#[derive(Parser, Debug, Clone)]
#[command(name = "store_bench")]
struct Args {
    /// Where `novi serve` listens.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The shop's short code.
    #[arg(long, default_value = "demo")]
    shop: String,
    /// Shoppers at once, each on its own keep-alive connection with one request in flight.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Tokio worker threads for the generator (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Per-request timeout in milliseconds (a timeout counts as an error).
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
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
            eprintln!("store_bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What the shop's page showed before the run: the pages to request, its size and contents.
struct Shop {
    pages: Vec<String>,
    bytes: usize,
    products: usize,
    categories: usize,
}

async fn run(args: Args) -> Result<bool, String> {
    let shop = preflight(&args).await?;
    let began = Instant::now();
    let measure_from = began + Duration::from_secs(args.warmup);
    let end = measure_from + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = (0..args.connections)
        .map(|conn| {
            let (args, pages) = (args.clone(), shop.pages.clone());
            tokio::spawn(async move { shopper(conn, &args, &pages, measure_from, end).await })
        })
        .collect();
    let mut total = Stats::default();
    for task in tasks {
        total.merge(
            task.await
                .map_err(|e| format!("shopper task failed: {e}"))??,
        );
    }
    let elapsed = measure_from.elapsed();
    report(&args, &shop, &total, elapsed);
    Ok(total.failed == 0)
}

fn client(args: &Args) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(1)
        .tcp_nodelay(true)
        .timeout(Duration::from_millis(args.timeout_ms))
        .build()
        .map_err(|e| format!("building HTTP client: {e}"))
}

/// Reads the shop's page once: a wrong URL or code fails loudly instead of being measured.
async fn preflight(args: &Args) -> Result<Shop, String> {
    let path = format!("/s/{}", args.shop);
    let url = format!("{}{path}", args.url.trim_end_matches('/'));
    let res = client(args)?
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = res.status().as_u16();
    let page = res
        .text()
        .await
        .map_err(|e| format!("reading {url}: {e}"))?;
    if status != 200 {
        return Err(format!("{url} answered HTTP {status}; is --shop right?"));
    }
    let mut pages = vec![path];
    pages.extend(category_pages(&page));
    Ok(Shop {
        pages,
        bytes: page.len(),
        products: page.matches("class=\"store-card\"").count(),
        categories: page.matches("class=\"store-cat\"").count(),
    })
}

/// The category bar's links that are pages of their own (not `#` anchors in this page).
fn category_pages(page: &str) -> Vec<String> {
    let Some(start) = page.find("<nav class=\"store-cats\"") else {
        return Vec::new();
    };
    let nav = &page[start..start + page[start..].find("</nav>").unwrap_or(0)];
    nav.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/'))
        .map(|href| href.replace("&amp;", "&"))
        .collect()
}

/// One shopper: opens the pages in turn until the end, counting what started after warm-up.
async fn shopper(
    conn: usize,
    args: &Args,
    pages: &[String],
    measure_from: Instant,
    end: Instant,
) -> Result<Stats, String> {
    let client = client(args)?;
    let base = args.url.trim_end_matches('/');
    let mut stats = Stats::default();
    for n in conn.. {
        let started = Instant::now();
        if started >= end {
            break;
        }
        let path = &pages[n % pages.len()];
        let outcome = match client.get(format!("{base}{path}")).send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                res.bytes().await.map(|_| status).map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        let failed = !matches!(outcome, Ok(200));
        if started >= measure_from {
            stats.record(path, started.elapsed(), outcome);
        }
        if failed {
            // A refused connect fails at once; pause so a dead server is not a busy loop.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Ok(stats)
}

/// What the shoppers saw in the measured window: latencies of 200 answers per page.
#[derive(Default)]
struct Stats {
    latencies_us: BTreeMap<String, Vec<u32>>,
    failed: u64,
    first_failure: Option<String>,
}

impl Stats {
    fn record(&mut self, path: &str, took: Duration, outcome: Result<u16, String>) {
        match outcome {
            Ok(200) => {
                let micros = took.as_micros().min(u128::from(u32::MAX)) as u32;
                self.latencies_us
                    .entry(path.to_owned())
                    .or_default()
                    .push(micros);
            }
            other => {
                self.failed += 1;
                let why = match other {
                    Ok(status) => format!("{path}: HTTP {status}"),
                    Err(e) => format!("{path}: {e}"),
                };
                self.first_failure.get_or_insert(why);
            }
        }
    }

    fn merge(&mut self, other: Stats) {
        for (path, mut list) in other.latencies_us {
            self.latencies_us.entry(path).or_default().append(&mut list);
        }
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds to two places.
fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let ms = f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0;
    (ms * 100.0).round() / 100.0
}

/// `[p50, p90, p99, max]` in milliseconds.
fn figures(latencies: &[u32]) -> [f64; 4] {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    [50.0, 90.0, 99.0, 100.0].map(|p| percentile_ms(&sorted, p))
}

fn report(args: &Args, shop: &Shop, stats: &Stats, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    println!(
        "store_bench: {}/s/{} | page shows {} products in {} categories, {:.0} KB | {} connections, \
         {} s warm-up, {} s measured",
        args.url,
        args.shop,
        shop.products,
        shop.categories,
        shop.bytes as f64 / 1024.0,
        args.connections,
        args.warmup,
        args.seconds
    );
    if shop.pages.len() == 1 {
        println!("pages       the categories are sections of the one page; it alone is requested");
    }
    println!(
        "{:<32} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "page", "ok", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (path, list) in &stats.latencies_us {
        let [p50, p90, p99, max] = figures(list);
        let rps = list.len() as f64 / secs;
        println!(
            "{path:<32} {:>8} {rps:>8.0} {p50:>8} {p90:>8} {p99:>8} {max:>8}",
            list.len()
        );
    }
    let all: Vec<u32> = stats.latencies_us.values().flatten().copied().collect();
    let [p50, p90, p99, max] = figures(&all);
    let rps = all.len() as f64 / secs;
    println!(
        "{:<32} {:>8} {rps:>8.0} {p50:>8} {p90:>8} {p99:>8} {max:>8}",
        "all",
        all.len()
    );
    if let Some(why) = &stats.first_failure {
        println!("failed      {} requests; first: {why}", stats.failed);
    }
    let line = json!({
        "url": args.url, "shop": args.shop, "products": shop.products, "page_bytes": shop.bytes,
        "pages": shop.pages, "connections": args.connections, "warmup_s": args.warmup,
        "seconds": args.seconds, "ok": all.len(), "failed": stats.failed, "rps": rps.round(),
        "p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "max_ms": max,
    });
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_links_within_the_page_are_not_pages() {
        let page = r##"<nav class="store-cats" aria-label="Categories"><a href="#cat-0">Sweets</a>
            <a href="/s/demo/c/namkeen?x=1&amp;y=2">Namkeen</a></nav><a href="/s/demo/cart">Cart</a>"##;
        assert_eq!(category_pages(page), ["/s/demo/c/namkeen?x=1&y=2"]);
        assert!(category_pages("<p>one category, no bar</p>").is_empty());
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let list: Vec<u32> = (1..=100).rev().map(|i| i * 1000).collect();
        assert_eq!(figures(&list), [50.0, 90.0, 99.0, 100.0]);
        assert_eq!(figures(&[]), [0.0; 4]);
    }
}
