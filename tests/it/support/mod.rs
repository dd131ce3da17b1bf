//! The test harness: a real server on a loopback port with its own data directory, the clients
//! that drive it, and fixtures that set up a shop, its staff, its products and its WhatsApp
//! connection in a line each.
//!
//! - [`TestApp`] is the server; `shops` adds the fixtures for businesses, staff, products and
//!   tokens to it, and `bridge` those for WhatsApp providers (fakes of which are in `fakes`).
//! - `alloc` counts what each thread allocates, for the property tests' memory bounds.
//! - `process` runs the `novi` binary itself, and `doctor` reads its `doctor` reports; `chrome` drives headless Chromium; `data` holds the
//!   files under `tests/data`.

use std::net::SocketAddr;
use std::time::Duration;

use novi::config::Config;
use novi::db::Db;
use novi::AppState;
use tokio::sync::oneshot;

pub mod alloc;
pub mod bridge;
pub mod chrome;
mod client;
pub mod data;
pub mod doctor;
pub mod fakes;
pub mod link;
pub mod process;
pub mod razorpay;
mod shops;

pub use client::{Api, Browser};
pub use shops::{order, product, products, title_case};

/// Every test user's password.
pub const PASSWORD: &str = "s3cret-pass";

/// How long a test waits for the app to do something in the background (send a message, pause
/// sending) before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The app serving on a free loopback port from a fresh data directory, until [`TestApp::stop`]
/// or the end of the test's runtime.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the app with an outbox that retries after 5 ms and a per-recipient rate limit
    /// that never waits, for tests that watch messages go out.
    pub async fn start_fast_outbox() -> Self {
        Self::start_with(|c| {
            c.outbox_retry_base_ms = 5;
            c.recipient_burst = 1000;
            c.recipient_interval_ms = 1;
        })
        .await
    }

    /// Starts the app with settings changed by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path()).expect("open db");
        Self::start_on(dir, db, tweak).await
    }

    pub async fn start_on(dir: tempfile::TempDir, db: Db, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        tweak(&mut config);
        let state = AppState::new(db.clone(), config).expect("app state");
        Self::serve(dir, db, state).await
    }

    /// Starts the app on `dir` with linked businesses connecting through `fake`, and an
    /// outbox that retries quickly.
    #[cfg(feature = "linked")]
    pub async fn start_linked(
        dir: tempfile::TempDir,
        db: Db,
        fake: &novi::whatsapp::linked::fake::FakeConnector,
    ) -> Self {
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        config.outbox_retry_base_ms = 5;
        config.recipient_burst = 1000;
        config.recipient_interval_ms = 1;
        let state =
            AppState::with_linked_connector(db.clone(), config, std::sync::Arc::new(fake.clone()))
                .expect("app state");
        Self::serve(dir, db, state).await
    }

    async fn serve(dir: tempfile::TempDir, db: Db, state: AppState) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel();
        let server = tokio::spawn(novi::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            addr,
            db,
            state,
            dir,
            stop: Some(tx),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn browser(&self) -> Browser {
        Browser::new(self.url(""))
    }

    /// Waits until `check` finds what it looks for, re-checking whenever the app reports a
    /// change to a conversation (a message stored, sent, failed...). Fails after [`WAIT`].
    pub async fn wait_until<T>(&self, what: &str, mut check: impl FnMut(&Db) -> Option<T>) -> T {
        let mut changes = self.state.bridge.live.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(found) = check(&self.db) {
                return found;
            }
            if tokio::time::timeout_at(deadline, changes.recv())
                .await
                .is_err()
            {
                panic!("timed out waiting for {what}");
            }
        }
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(self) {
        self.stop_keeping_data().await;
    }

    /// Stops the server and hands back its data directory, to start again on it.
    pub async fn stop_keeping_data(mut self) -> (tempfile::TempDir, Db) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        (dir, self.db.clone())
    }
}
