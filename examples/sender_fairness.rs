//! Measures how long one shop's reply waits behind another shop's backlog (a benchmark, not a
//! test).
//!
//! Starts Novi in-process on a fresh data directory with two businesses on the Cloud API, both
//! sending to a fake Graph API on loopback that answers every send at once. First shop B's
//! reply goes out alone (the baseline); then shop A queues `--backlog` messages to as many
//! customers at `--rate` messages a second, shop B queues one reply (`--delay-ms` later), and
//! the time until that reply reaches the fake is printed with how many of A's messages went
//! before it and how many scheduling passes the sender made meanwhile.
//!
//! ```text
//! cargo run --release --example sender_fairness -- --backlog 500 --rate 20
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::Uri;
use axum::{Json, Router};
use clap::Parser;
use novi::config::Config;
use novi::db::Db;
use novi::whatsapp::outbox::{self, Content};
use novi::whatsapp::settings::{self, Provider, WhatsappSettings};
use serde_json::{json, Value};
use tokio::sync::watch;

/// Times shop B's reply behind shop A's backlog.
#[derive(Parser, Debug)]
#[command(name = "sender_fairness")]
struct Args {
    /// Messages shop A has queued, each to a different customer.
    #[arg(long, default_value_t = 500)]
    backlog: u32,
    /// Shop A's `rate_per_second`.
    #[arg(long, default_value_t = 20)]
    rate: u32,
    /// How long after A's backlog is queued B's reply comes, in milliseconds (0: at once,
    /// while A's first second's worth is going out).
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Give up waiting for B's reply after this many seconds.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
}

/// Every send the fake received: the business number it was for, in arrival order.
#[derive(Clone)]
struct Fake {
    log: Arc<Mutex<Vec<String>>>,
    seen: Arc<watch::Sender<usize>>,
}

async fn graph(State(fake): State<Fake>, uri: Uri, Json(_body): Json<Value>) -> Json<Value> {
    let number = uri.path().split('/').nth(2).unwrap_or_default().to_owned();
    let n = {
        let mut log = fake.log.lock().unwrap();
        log.push(number);
        log.len()
    };
    fake.seen.send_replace(n);
    Json(json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.bench.{n}")}]}))
}

impl Fake {
    async fn start() -> (Self, String) {
        let fake = Fake {
            log: Arc::default(),
            seen: Arc::new(watch::channel(0).0),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v21.0", listener.local_addr().unwrap());
        let app = Router::new().fallback(graph).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (fake, base)
    }

    /// Waits until a send for `number` arrives; returns how many sends for other numbers came
    /// before it, counting from `from`.
    async fn wait_for(&self, number: &str, from: usize, timeout: Duration) -> usize {
        let mut seen = self.seen.subscribe();
        let found = |log: &[String]| log[from..].iter().position(|n| n == number);
        let wait = seen.wait_for(|_| found(&self.log.lock().unwrap()).is_some());
        tokio::time::timeout(timeout, wait)
            .await
            .expect("B's reply within the timeout")
            .unwrap();
        let log = self.log.lock().unwrap();
        found(&log).unwrap()
    }

    fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

fn connect(db: &Db, code: &str, number: &str, base: &str, rate: u32) -> i64 {
    let b = novi::accounts::create_business(db, &format!("Shop {code}"), code).unwrap();
    let mut c = WhatsappSettings::simulator();
    c.provider = Provider::Cloud;
    c.phone_number_id = Some(number.into());
    c.verify_token = "v".into();
    c.app_secret = "s".into();
    c.access_token = "t".into();
    c.graph_base = base.into();
    c.rate_per_second = rate;
    db.with_tx(|tx| settings::save(tx, b.id, &c)).unwrap();
    b.id
}

fn queue(db: &Db, business_id: i64, recipients: impl Iterator<Item = String>) {
    db.with_tx(|tx| {
        for to in recipients {
            outbox::enqueue(
                tx,
                business_id,
                &to,
                &Content::text("Your order is ready"),
                "cloud",
            )?;
        }
        Ok::<_, novi::error::AppError>(())
    })
    .unwrap();
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let timeout = Duration::from_secs(args.timeout);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let (fake, base) = Fake::start().await;
    let a = connect(&db, "shop-a", "110000000000001", &base, args.rate);
    let b = connect(&db, "shop-b", "110000000000002", &base, 20);
    let config = Config::for_data_dir(dir.path().into());
    let state = novi::AppState::new(db.clone(), config).expect("app state");
    let bridge = state.bridge.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(novi::serve(listener, state, async {
        let _ = stopped.await;
    }));

    let start = Instant::now();
    queue(&db, b, std::iter::once("919800000001".to_owned()));
    bridge.wake_sender();
    fake.wait_for("110000000000002", 0, timeout).await;
    println!("B's reply alone: {:.1} ms", ms(start));

    queue(&db, a, (0..args.backlog).map(|i| format!("9197{i:08}")));
    bridge.wake_sender();
    tokio::time::sleep(Duration::from_millis(args.delay_ms)).await;
    let (from, passes) = (fake.count(), bridge.sender.passes());
    let start = Instant::now();
    queue(&db, b, std::iter::once("919800000002".to_owned()));
    bridge.wake_sender();
    let before = fake.wait_for("110000000000002", from, timeout).await;
    println!(
        "B's reply {} ms after A's backlog of {} at {}/s: {:.1} ms, after {before} more of A's \
         messages ({} scheduling passes)",
        args.delay_ms,
        args.backlog,
        args.rate,
        ms(start),
        bridge.sender.passes() - passes
    );
    let _ = stop.send(());
    let _ = server.await;
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
