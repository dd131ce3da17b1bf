//! Novi: WhatsApp commerce for small shops, in one binary. `AppState` is what every handler
//! reaches; `app` builds the HTTP service and `serve` runs it with the sender and the conversation
//! worker beside it. The `novi` binary and the tests both go through these.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod backup;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod customers;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
mod hashed;
pub mod orders;
pub mod payments;
pub mod printing;
pub mod razorpay;
pub mod reader;
pub mod reports;
pub mod secret;
pub mod telemetry;
pub mod web;
pub mod whatsapp;

mod routes;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use accounts::businesses::{self, Business};
use accounts::ratelimit::LoginLimiter;
use config::Config;
use db::Db;
use error::AppResult;

pub use routes::app;

/// What every handler and task can reach. Requests clone it several times each (every
/// extractor and middleware takes its own), so it is one reference count, not one per part:
/// counting each part up and down on every clone took a quarter of the webhook path's time.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of `AppState`.
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: LoginLimiter,
    /// The server's key (`secret.key`), that CSRF tokens are made with.
    pub key: Arc<secret::ServerKey>,
    pub bridge: whatsapp::Bridge,
    /// Turns true when the server is stopping, so long-lived streams and tasks end.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Makes and checks the orders' tracking links (`/t/{token}`), under `key`.
    pub tracker: Arc<orders::tracking::Tracker>,
    /// The storefront's rendered catalogs and its public forms' rate limits.
    pub storefront: web::store::Public,
    /// The task telling owners of low stock and sending the daily summary.
    pub alerts: alerts::Alerts,
    /// Businesses by short code: read on every page, changed rarely.
    /// Kept behind `Arc` so that a read on every webhook and page copies no strings.
    businesses: moka::sync::Cache<String, Arc<Business>>,
    /// The dashboard's figures per business and day, until an order of that day changes.
    pub figures: reports::Cache,
    /// Wakes the task acting on Razorpay's webhook deliveries when one is stored.
    pub razorpay: razorpay::worker::Waker,
    /// How old the last backup is, for the owners' banner on every page.
    pub backups: backup::Watch,
}

impl AppState {
    /// The state for serving `db` with `config`; reads the data directory's key, or makes it.
    pub fn new(db: Db, config: Config) -> anyhow::Result<Self> {
        let bridge = whatsapp::Bridge::start(&db, &config.data_dir);
        Self::with_bridge(db, config, bridge)
    }

    /// The state with linked businesses connecting through `connector` (tests use the fake).
    #[cfg(feature = "linked")]
    pub fn with_linked_connector(
        db: Db,
        config: Config,
        connector: Arc<dyn whatsapp::linked::seam::Connector>,
    ) -> anyhow::Result<Self> {
        let bridge = whatsapp::Bridge::start_with_connector(&db, &config.data_dir, connector);
        Self::with_bridge(db, config, bridge)
    }

    fn with_bridge(db: Db, config: Config, bridge: whatsapp::Bridge) -> anyhow::Result<Self> {
        let key = secret::ServerKey::load_or_create(&config.data_dir)?;
        let limiter = LoginLimiter::new(
            config.login_failures_per_account,
            config.login_failures_per_address,
            Duration::from_secs(u64::from(config.login_window_minutes) * 60),
        );
        let key = Arc::new(key);
        let tracker = orders::tracking::Tracker::new(
            key.clone(),
            orders::tracking::DEFAULT_DAYS,
            config.public_url.as_deref(),
        );
        Ok(Self(Arc::new(Shared {
            db,
            backups: backup::Watch::new(config.data_dir.clone()),
            config: Arc::new(config),
            limiter,
            key,
            tracker: Arc::new(tracker),
            storefront: web::store::Public::new(),
            bridge,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            alerts: alerts::Alerts::new(),
            businesses: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            figures: reports::Cache::default(),
            razorpay: razorpay::worker::Waker::default(),
        })))
    }

    pub async fn business_by_code(&self, code: &str) -> AppResult<Option<Arc<Business>>> {
        if let Some(b) = self.businesses.get(code) {
            return Ok(Some(b));
        }
        let owned = code.to_owned();
        let found = self
            .db
            .read(move |c| businesses::by_code(c, &owned))
            .await?
            .map(Arc::new);
        if let Some(b) = &found {
            self.businesses.insert(b.short_code.clone(), b.clone());
        }
        Ok(found)
    }

    /// Call after changing a business so pages stop showing the old profile.
    pub fn forget_business(&self, code: &str) {
        self.businesses.invalidate(code);
    }
}

/// Serves `app(state)` on `listener`, with the WhatsApp sender running beside it, until
/// `shutdown` resolves; then lets requests and sends in flight finish. Returns once both have
/// stopped.
/// `listener` is plain TCP, or the TLS listener of `novi serve --https`.
pub async fn serve<L>(
    listener: L,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    for<'a> SocketAddr: axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    let stopping = state.stopping.clone();
    // Without a public URL, links sent to customers name the address the server is bound to.
    if let Ok(addr) = listener.local_addr() {
        state.tracker.default_base(format!("http://{addr}"));
    }
    let sender = tokio::spawn(whatsapp::sender::run(
        state.db.clone(),
        state.bridge.clone(),
        whatsapp::sender::SendPolicy::from(&*state.config),
        stopping.subscribe(),
    ));
    let uptime = tokio::spawn(whatsapp::uptime::run(
        state.db.clone(),
        state.bridge.links.clone(),
        stopping.subscribe(),
        whatsapp::uptime::EVERY,
    ));
    let linker = conversation::pay_link::Linker {
        db: state.db.clone(),
        bridge: state.bridge.clone(),
        tracker: state.tracker.clone(),
        api: state
            .config
            .razorpay_api
            .clone()
            .unwrap_or_else(|| razorpay::API.to_owned()),
        runtime: tokio::runtime::Handle::current(),
    };
    let retention = tokio::spawn(whatsapp::retention::run(
        state.db.clone(),
        stopping.subscribe(),
    ));
    let conversations = conversation::worker::start(
        state.db.clone(),
        state.bridge.clone(),
        state.tracker.clone(),
        linker,
        stopping.subscribe(),
    );
    let owner_alerts = tokio::spawn(alerts::run(
        state.db.clone(),
        state.bridge.clone(),
        state.alerts.clone(),
        stopping.subscribe(),
    ));
    let razorpay = tokio::spawn(razorpay::worker::run(
        state.db.clone(),
        state.bridge.clone(),
        state.razorpay.clone(),
        stopping.subscribe(),
    ));
    #[cfg(feature = "linked")]
    let linked = tokio::spawn(state.bridge.linked.clone().run(
        stopping.subscribe(),
        // Links made or removed from the shell are noticed within this.
        Duration::from_secs(15),
    ));
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // Live-update streams never end by themselves: tell them to before waiting on connections.
    let shutdown = async move {
        shutdown.await;
        let _ = stopping.send(true);
    };
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = tokio::task::spawn_blocking(move || conversations.join()).await;
    let _ = sender.await;
    let _ = uptime.await;
    let _ = retention.await;
    let _ = owner_alerts.await;
    let _ = razorpay.await;
    #[cfg(feature = "linked")]
    let _ = linked.await;
    served
}
