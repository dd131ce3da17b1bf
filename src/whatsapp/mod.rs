//! The WhatsApp bridge. Four transports (the Cloud API, a WhatsApp Web gateway, the shop's own
//! phone linked by QR code, and the built-in simulator) turn into the same stored messages and
//! read from the same outbox.

pub mod address;
pub mod attention;
pub mod clock;
pub mod cloud;
pub mod gateway;
pub mod groups;
pub mod inbound;
pub mod ingest;
mod lenient;
pub mod link;
pub mod linked;
pub mod metrics;
pub mod outbox;
#[cfg(test)]
mod outbox_repeat_tests;
pub mod pacing;
pub mod probe;
pub mod retention;
pub mod sender;
pub mod settings;
pub mod staff;
pub mod status;
pub mod store;
pub mod threads;
pub mod transport;
pub mod uptime;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, Notify};

use crate::db::Db;
use crate::error::AppResult;
use ingest::Ingest;
use settings::WhatsappSettings;

/// "This conversation changed" or "this order changed", for pages that update live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    pub business_id: i64,
    pub what: Live,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// A conversation, by the number (or group id) it is with.
    Conversation(String),
    /// An order, by number; `new` when it has just been taken.
    Order { number: i64, new: bool },
}

#[derive(Clone)]
pub struct LiveEvents(broadcast::Sender<LiveEvent>);

impl LiveEvents {
    pub fn new() -> Self {
        Self(broadcast::channel(1024).0)
    }

    /// Tells whoever is watching; nobody watching is fine.
    pub fn send(&self, business_id: i64, phone: &str) {
        let _ = self.0.send(LiveEvent {
            business_id,
            what: Live::Conversation(phone.to_owned()),
        });
    }

    /// Tells pages showing orders that order `number` was taken (`new`) or changed.
    pub fn order(&self, business_id: i64, number: i64, new: bool) {
        let _ = self.0.send(LiveEvent {
            business_id,
            what: Live::Order { number, new },
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.0.subscribe()
    }
}

impl Default for LiveEvents {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything the bridge shares between webhooks, pages and the sender.
#[derive(Clone)]
pub struct Bridge {
    pub ingest: Ingest,
    /// Woken when a row is added to the outbox.
    pub outbox: Arc<Notify>,
    /// Woken when new inbound messages are stored.
    pub stored: Arc<Notify>,
    /// The sender's scheduling passes, counted.
    pub sender: Arc<sender::SenderStats>,
    pub live: LiveEvents,
    pub http: transport::HttpClients,
    /// The time the sender schedules by.
    pub clock: clock::Clock,
    /// Businesses whose way out to WhatsApp is down, as the sender found it.
    pub links: Arc<link::Links>,
    /// The connection tasks of businesses on the linked provider.
    pub linked: linked::Linked,
    /// Webhooks and sends counted for `/metrics`.
    pub metrics: crate::telemetry::metrics::Metrics,
    /// Kept behind `Arc`: every webhook reads its shop's, and a copy would clone its strings.
    configs: moka::sync::Cache<i64, Arc<WhatsappSettings>>,
}

impl Bridge {
    /// The bridge for `db`; linked businesses keep their sessions under `data_dir`.
    pub fn start(db: &Db, data_dir: &Path) -> Self {
        Self::build(db, data_dir, linked::Linked::new)
    }

    /// The bridge with linked businesses connecting through `connector` (tests use the fake).
    #[cfg(feature = "linked")]
    pub fn start_with_connector(
        db: &Db,
        data_dir: &Path,
        connector: Arc<dyn linked::seam::Connector>,
    ) -> Self {
        Self::build(db, data_dir, move |s| {
            linked::Linked::with_connector(s, connector)
        })
    }

    fn build(
        db: &Db,
        data_dir: &Path,
        linked: impl FnOnce(linked::Shared) -> linked::Linked,
    ) -> Self {
        let stored = Arc::new(Notify::new());
        let live = LiveEvents::new();
        let http = transport::HttpClients::new();
        let ingest = Ingest::start(db.clone(), stored.clone(), live.clone());
        let outbox = Arc::new(Notify::new());
        let links: Arc<link::Links> = Arc::default();
        let clock = clock::Clock::new();
        let linked = linked(linked::Shared {
            db: db.clone(),
            ingest: ingest.clone(),
            data_dir: data_dir.to_path_buf(),
            wake_sender: outbox.clone(),
            links: links.clone(),
            changed: Arc::new(tokio::sync::watch::channel(()).0),
            clock: clock.clone(),
        });
        Self {
            ingest,
            outbox,
            linked,
            stored,
            sender: Arc::default(),
            live,
            http,
            clock,
            links,
            metrics: crate::telemetry::metrics::Metrics::new(),
            configs: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
        }
    }

    /// A business's WhatsApp configuration, cached: every webhook needs it.
    pub async fn settings(&self, db: &Db, business_id: i64) -> AppResult<Arc<WhatsappSettings>> {
        if let Some(c) = self.configs.get(&business_id) {
            return Ok(c);
        }
        let c = Arc::new(
            db.read(move |conn| settings::load(conn, business_id))
                .await?,
        );
        self.configs.insert(business_id, c.clone());
        Ok(c)
    }

    /// Call after saving or pausing a configuration.
    pub fn forget_settings(&self, business_id: i64) {
        self.configs.invalidate(&business_id);
    }

    /// Call after committing outbox rows, so the sender looks at once.
    pub fn wake_sender(&self) {
        self.outbox.notify_one();
    }

    /// Call when a business's link is known to be back (a connection re-established), so its
    /// waiting replies go now rather than at the next probe.
    pub fn link_restored(&self, business_id: i64) {
        self.links.restored(business_id);
        self.wake_sender();
    }
}
