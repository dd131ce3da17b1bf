//! Page benchmark for a large book (a command to run, not a test): `--users` owners click
//! through the owner pages and the API lists of one business at once, over real HTTP, and it
//! reports p50/p99 latency per page.
//!
//! ```text
//! novi --data-dir big demo fill --business demo --orders 1000000 --customers 20000
//! novi --data-dir big token create --business demo --name bench     # prints TOKEN
//! novi --data-dir big serve --listen 127.0.0.1:8080 &
//! cargo run --release --example pages_bench -- --url http://127.0.0.1:8080 --business demo \
//!     [--username owner --password novi-demo] [--token TOKEN] [--users 32] [--seconds 30]
//! ```
//!
//! It logs in once as the owner (the session cookie is shared by every user), finds order
//! numbers and customer ids on the pages themselves, then each user, in a closed loop, opens a
//! page drawn at random from the list below (deep pages, filters and searches with random
//! values) and opens the next when it is in. API lists are included when `--token` is given.
//! After `--warmup` seconds that are not counted it measures for `--seconds`, then prints a
//! table and one line of JSON. Exit status: 0 when every measured request answered 200, 2 when
//! some did not, 1 when it could not start.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::{rngs::StdRng, Rng, SeedableRng};

#[derive(Parser, Debug, Clone)]
#[command(name = "pages_bench")]
struct Args {
    /// Where `novi serve` listens.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The business's short code.
    #[arg(long, default_value = "demo")]
    business: String,
    #[arg(long, default_value = "owner")]
    username: String,
    /// Visit only the dashboard for the last 30 days (`/?period=30d`), the dashboard's benchmark.
    #[arg(long)]
    dashboard_30d: bool,
    /// Visit only the page of this name (as the table names it, e.g. "orders?q=name"), to
    /// profile one page under the same load.
    #[arg(long)]
    only: Option<String>,
    #[arg(long, default_value = "novi-demo")]
    password: String,
    /// An API token of the business (`novi token create`), to include the API lists.
    #[arg(long)]
    token: Option<String>,
    /// Owners clicking at once.
    #[arg(long, default_value_t = 32)]
    users: usize,
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Names the demo fill gives customers, to search for.
const NAMES: [&str; 8] = [
    "Priya Sharma",
    "Iyer",
    "Rahul",
    "Kavita Nair",
    "Reddy",
    "Sunil Gupta",
    "Meera",
    "Joshi",
];
const STATUSES: [&str; 3] = ["delivered", "cancelled", "pending"];
/// Payment filters: by payment status alone, and what is owed for orders already delivered.
const PAYMENTS: [&str; 3] = [
    "payment=unpaid",
    "payment=paid",
    "status=delivered&payment=unpaid",
];

/// What the pages showed at the start: the newest order number and some customer ids.
struct Book {
    newest: i64,
    customers: Vec<i64>,
}

type Samples = Arc<Mutex<BTreeMap<&'static str, (Vec<f64>, u64)>>>;

/// The pages, by name, each with a URL drawn for one visit.
fn visit(a: &Args, book: &Book, rng: &mut StdRng) -> (&'static str, String, bool) {
    let b = format!("{}/b/{}", a.url, a.business);
    let day = |rng: &mut StdRng| {
        let d = chrono::Utc::now().date_naive() - chrono::Duration::days(rng.gen_range(7..1_000));
        (d.to_string(), (d + chrono::Duration::days(6)).to_string())
    };
    if a.dashboard_30d {
        return ("dashboard?period=30d", format!("{b}/?period=30d"), false);
    }
    let api = a.token.is_some();
    let n = if api { 17 } else { 14 };
    match rng.gen_range(0..n) {
        0 => ("dashboard", format!("{b}/"), false),
        1 => ("orders", format!("{b}/orders"), false),
        2 => (
            "orders?page=N",
            format!("{b}/orders?page={}", rng.gen_range(2..2_000)),
            false,
        ),
        3 => (
            "orders?status",
            format!("{b}/orders?status={}", STATUSES[rng.gen_range(0..3)]),
            false,
        ),
        4 => {
            let (from, to) = day(rng);
            (
                "orders?from&to",
                format!("{b}/orders?from={from}&to={to}"),
                false,
            )
        }
        5 => (
            "orders?q=name",
            format!("{b}/orders?q={}", NAMES[rng.gen_range(0..NAMES.len())]),
            false,
        ),
        6 => (
            "orders?q=#number",
            format!("{b}/orders?q=%23{}", rng.gen_range(1..=book.newest)),
            false,
        ),
        7 => (
            "orders?sort=deliver_on",
            format!("{b}/orders?sort=deliver_on&page={}", rng.gen_range(1..50)),
            false,
        ),
        8 => (
            "customers",
            format!("{b}/customers?page={}", rng.gen_range(1..50)),
            false,
        ),
        9 => (
            "customers?q",
            format!("{b}/customers?q={}", NAMES[rng.gen_range(0..NAMES.len())]),
            false,
        ),
        10 => {
            let id = book.customers[rng.gen_range(0..book.customers.len())];
            ("customers/{id}", format!("{b}/customers/{id}"), false)
        }
        13 => (
            "orders?payment",
            format!(
                "{b}/orders?{}&page={}",
                PAYMENTS[rng.gen_range(0..PAYMENTS.len())],
                rng.gen_range(1..400)
            ),
            false,
        ),
        11 | 12 => (
            "orders/{number}",
            format!("{b}/orders/{}", rng.gen_range(1..=book.newest)),
            false,
        ),
        14 => (
            "api orders",
            format!("{}/api/v1/orders?page={}", a.url, rng.gen_range(1..400)),
            true,
        ),
        15 => {
            let (from, to) = day(rng);
            (
                "api orders?status&from&to",
                format!(
                    "{}/api/v1/orders?status=delivered&from={from}&to={to}",
                    a.url
                ),
                true,
            )
        }
        _ => (
            "api customers",
            format!("{}/api/v1/customers?page={}", a.url, rng.gen_range(1..50)),
            true,
        ),
    }
}

/// Numbers that follow `prefix` in `html`, in order.
fn numbers_after(html: &str, prefix: &str) -> Vec<i64> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse().ok()
        })
        .collect()
}

async fn login(a: &Args, client: &reqwest::Client) -> Result<(), String> {
    let page = client
        .get(format!("{}/login", a.url))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let html = page.text().await.map_err(|e| e.to_string())?;
    let at = html
        .find("name=\"_csrf\" value=\"")
        .ok_or("no CSRF field on /login")?
        + 20;
    let csrf = &html[at..at + html[at..].find('"').ok_or("bad CSRF field")?];
    let form = [
        ("_csrf", csrf),
        ("username", &a.username),
        ("password", &a.password),
        ("next", "/"),
    ];
    let res = client
        .post(format!("{}/login", a.url))
        .form(&form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.url().path().contains("login") {
        return Err("login refused: check --username and --password".into());
    }
    Ok(())
}

async fn read_book(a: &Args, client: &reqwest::Client) -> Result<Book, String> {
    let get = |path: String| async move {
        let r = client
            .get(format!("{}/b/{}{path}", a.url, a.business))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        r.text().await.map_err(|e| e.to_string())
    };
    let orders = get("/orders".into()).await?;
    let newest = numbers_after(&orders, "/orders/")
        .into_iter()
        .max()
        .ok_or("no orders listed")?;
    let mut customers = Vec::new();
    for page in [1, 5, 20, 100] {
        customers.extend(numbers_after(
            &get(format!("/customers?page={page}")).await?,
            "/customers/",
        ));
    }
    if customers.is_empty() {
        return Err("no customers listed".into());
    }
    Ok(Book { newest, customers })
}

async fn user(a: Arc<Args>, book: Arc<Book>, client: reqwest::Client, samples: Samples, i: u64) {
    let mut rng = StdRng::seed_from_u64(a.seed * 1_000 + i);
    let started = Instant::now();
    let (warm, end) = (
        Duration::from_secs(a.warmup),
        Duration::from_secs(a.warmup + a.seconds),
    );
    while started.elapsed() < end {
        let (mut name, mut url, mut api) = visit(&a, &book, &mut rng);
        while a.only.as_deref().is_some_and(|only| only != name) {
            (name, url, api) = visit(&a, &book, &mut rng);
        }
        let mut req = client.get(&url);
        if let (true, Some(t)) = (api, &a.token) {
            req = req.bearer_auth(t);
        }
        let t0 = Instant::now();
        let ok = match req.send().await {
            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        let ms = t0.elapsed().as_secs_f64() * 1_000.0;
        if started.elapsed() > warm {
            let mut s = samples.lock().unwrap_or_else(|e| e.into_inner());
            let entry = s.entry(name).or_default();
            entry.0.push(ms);
            entry.1 += u64::from(!ok);
        }
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn report(a: &Args, samples: &BTreeMap<&'static str, (Vec<f64>, u64)>) -> u64 {
    println!(
        "{:<28} {:>7} {:>9} {:>9} {:>9} {:>6}",
        "page", "count", "p50 ms", "p99 ms", "max ms", "errors"
    );
    let (mut all, mut errors, mut rows) = (Vec::new(), 0, Vec::new());
    for (name, (ms, errs)) in samples {
        let mut ms = ms.clone();
        ms.sort_by(f64::total_cmp);
        let (p50, p99, max) = (pct(&ms, 0.5), pct(&ms, 0.99), pct(&ms, 1.0));
        println!(
            "{name:<28} {:>7} {p50:>9.1} {p99:>9.1} {max:>9.1} {errs:>6}",
            ms.len()
        );
        rows.push(serde_json::json!({"page": name, "count": ms.len(), "p50_ms": p50, "p99_ms": p99, "max_ms": max, "errors": errs}));
        all.extend(ms);
        errors += errs;
    }
    all.sort_by(f64::total_cmp);
    let rate = all.len() as f64 / a.seconds as f64;
    println!(
        "{:<28} {:>7} {:>9.1} {:>9.1} {:>9.1} {errors:>6}   ({rate:.0} pages/s, {} users)",
        "all",
        all.len(),
        pct(&all, 0.5),
        pct(&all, 0.99),
        pct(&all, 1.0),
        a.users
    );
    println!(
        "{}",
        serde_json::json!({"users": a.users, "seconds": a.seconds, "pages_per_s": rate, "p50_ms": pct(&all, 0.5), "p99_ms": pct(&all, 0.99), "errors": errors, "pages": rows})
    );
    errors
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let a = Arc::new(Args::parse());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(a.users)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let book = match login(&a, &client).await {
        Ok(()) => read_book(&a, &client).await,
        Err(e) => Err(e),
    };
    let book = book.and_then(|b| {
        // A name no draw gives would keep every user drawing for ever.
        let mut rng = StdRng::seed_from_u64(0);
        match &a.only {
            Some(only) if !(0..10_000).any(|_| visit(&a, &b, &mut rng).0 == only) => Err(format!(
                "--only {only}: no such page (see the table's names)"
            )),
            _ => Ok(b),
        }
    });
    let book = match book {
        Ok(b) => Arc::new(b),
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let samples: Samples = Arc::default();
    let users: Vec<_> = (0..a.users as u64)
        .map(|i| {
            tokio::spawn(user(
                a.clone(),
                book.clone(),
                client.clone(),
                samples.clone(),
                i,
            ))
        })
        .collect();
    for u in users {
        let _ = u.await;
    }
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if report(&a, &samples) == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(2)
    }
}
