//! The numbers `/metrics` reports, in Prometheus text format. Events (webhooks, sends, HTTP
//! requests) are counted as they happen, with atomics and no SQL; levels (backlogs, sizes,
//! orders, memory) are set just before each scrape by whoever serves it.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

use super::recent::{Kind, Recent};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabel {
    provider: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    provider: &'static str,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    /// The route template (`/b/{code}/orders`), never the path: paths hold secrets and are
    /// unbounded.
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelLabel {
    channel: String,
}

type Histograms = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics. Cheap to clone (shared counters).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    webhooks_received: Family<ProviderLabel, Counter>,
    webhooks_rejected: Family<ReasonLabels, Counter>,
    sent: Family<ProviderLabel, Counter>,
    failed: Family<ReasonLabels, Counter>,
    http: Histograms,
    inbound_backlog: Gauge,
    outbound_backlog: Family<StateLabel, Gauge>,
    orders: Family<ChannelLabel, Gauge>,
    database_bytes: Gauge,
    wal_bytes: Gauge,
    resident_bytes: Gauge,
    /// The last hour minute by minute, and the start time: for the platform console.
    recent: Recent,
}

/// The levels read just before a scrape.
#[derive(Debug, Default, Clone)]
pub struct Levels {
    /// Inbound messages not yet answered.
    pub inbound_backlog: i64,
    /// Outbox rows waiting, by state (`pending`, `sending`).
    pub outbound_backlog: Vec<(String, i64)>,
    /// Orders taken in the last 24 hours, by channel.
    pub orders_by_channel: Vec<(String, i64)>,
    pub database_bytes: u64,
    pub wal_bytes: u64,
    pub resident_bytes: u64,
}

/// What is counted as it happens; the names get `novi_` before them and `_total` after.
fn register_events(r: &mut Registry, i: &Inner) {
    let rejected = "Webhooks refused, by provider and reason \
                    (signature, unknown_business, bad_body, error)";
    let failed = "Send attempts that failed, by provider and reason \
                  (offline, transient, permanent, outside_window, needs_settings)";
    let received = "Webhooks stored and answered 200, by provider";
    r.register("webhooks_received", received, i.webhooks_received.clone());
    r.register("webhooks_rejected", rejected, i.webhooks_rejected.clone());
    let sent = "Messages WhatsApp accepted, by provider";
    r.register("messages_sent", sent, i.sent.clone());
    r.register("messages_failed", failed, i.failed.clone());
    let http = "HTTP request latency by method and route template";
    r.register("http_request_duration_seconds", http, i.http.clone());
}

/// What is read just before each scrape.
fn register_levels(r: &mut Registry, i: &Inner) {
    let gauges = [
        (
            "inbound_backlog_messages",
            "Inbound messages stored but not yet answered",
            &i.inbound_backlog,
        ),
        (
            "database_bytes",
            "Size of the database file",
            &i.database_bytes,
        ),
        (
            "wal_bytes",
            "Size of the database's write-ahead log",
            &i.wal_bytes,
        ),
        (
            "resident_memory_bytes",
            "Resident memory of the Novi process",
            &i.resident_bytes,
        ),
    ];
    for (name, help, gauge) in gauges {
        r.register(name, help, gauge.clone());
    }
    let outbound = "Outgoing messages waiting in the outbox, by state";
    r.register(
        "outbound_backlog_messages",
        outbound,
        i.outbound_backlog.clone(),
    );
    let orders = "Orders taken in the last 24 hours, by channel";
    r.register("orders_last_24h", orders, i.orders.clone());
}

/// From 5 ms to about 10 s, doubling: a page, a webhook and a slow export all land inside.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

impl Metrics {
    pub fn new() -> Self {
        let mut inner = Inner {
            webhooks_received: Family::default(),
            webhooks_rejected: Family::default(),
            sent: Family::default(),
            failed: Family::default(),
            http: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            inbound_backlog: Gauge::default(),
            outbound_backlog: Family::default(),
            orders: Family::default(),
            database_bytes: Gauge::default(),
            wal_bytes: Gauge::default(),
            resident_bytes: Gauge::default(),
            recent: Recent::new(),
            registry: Registry::with_prefix("novi"),
        };
        let mut r = std::mem::take(&mut inner.registry);
        register_events(&mut r, &inner);
        register_levels(&mut r, &inner);
        inner.registry = r;
        Self(Arc::new(inner))
    }

    pub fn webhook_received(&self, provider: &'static str) {
        self.0
            .webhooks_received
            .get_or_create(&ProviderLabel { provider })
            .inc();
        self.0.recent.count(Kind::Webhook);
    }

    pub fn webhook_rejected(&self, provider: &'static str, reason: &'static str) {
        let labels = ReasonLabels { provider, reason };
        self.0.webhooks_rejected.get_or_create(&labels).inc();
        self.0.recent.count(Kind::Error);
    }

    pub fn message_sent(&self, provider: &'static str) {
        self.0.sent.get_or_create(&ProviderLabel { provider }).inc();
    }

    pub fn message_failed(&self, provider: &'static str, reason: &'static str) {
        self.0
            .failed
            .get_or_create(&ReasonLabels { provider, reason })
            .inc();
        self.0.recent.count(Kind::Error);
    }

    /// A request answered with a server error (5xx).
    pub fn server_error(&self) {
        self.0.recent.count(Kind::Error);
    }

    /// Webhooks stored in the last `minutes` minutes (at most 60).
    pub fn webhooks_last(&self, minutes: i64) -> u64 {
        self.0.recent.last(Kind::Webhook, minutes)
    }

    /// Errors in the last hour: webhooks refused, sends failed, server errors answered.
    pub fn errors_last_hour(&self) -> u64 {
        self.0.recent.last(Kind::Error, 60)
    }

    pub fn uptime_secs(&self) -> u64 {
        self.0.recent.uptime_secs()
    }

    /// One HTTP request answered after `secs`.
    pub fn request(&self, method: &str, route: &str, secs: f64) {
        let labels = RouteLabels {
            method: method.to_owned(),
            route: route.to_owned(),
        };
        self.0.http.get_or_create(&labels).observe(secs);
    }

    /// Sets the levels, then renders every metric in Prometheus text format.
    pub fn render(&self, levels: &Levels) -> String {
        let i = &self.0;
        i.inbound_backlog.set(levels.inbound_backlog);
        set_family(&i.outbound_backlog, &levels.outbound_backlog, |state| {
            StateLabel { state }
        });
        set_family(&i.orders, &levels.orders_by_channel, |channel| {
            ChannelLabel { channel }
        });
        i.database_bytes.set(clamp(levels.database_bytes));
        i.wal_bytes.set(clamp(levels.wal_bytes));
        i.resident_bytes.set(clamp(levels.resident_bytes));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &i.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Replaces a family's values: a label gone since the last scrape (a channel with no orders
/// today) must not keep its old value.
fn set_family<S>(family: &Family<S, Gauge>, values: &[(String, i64)], label: fn(String) -> S)
where
    S: Clone + std::hash::Hash + Eq,
{
    family.clear();
    for (name, n) in values {
        family.get_or_create(&label(name.clone())).set(*n);
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Free bytes for an unprivileged user on the file system holding `dir`.
pub fn free_disk_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: an all-zero statvfs is a valid value of this plain C struct.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and lives across the call; `stats` is a valid out pointer.
    let rc = unsafe { libc::statvfs(path.as_ptr(), &mut stats) };
    (rc == 0).then(|| stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// The process's resident memory, from `/proc/self/statm` (0 where there is none).
pub fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages.saturating_mul(u64::try_from(page).unwrap_or(4096))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_levels_are_rendered_with_their_labels() {
        let m = Metrics::new();
        m.webhook_received("cloud");
        m.webhook_rejected("gateway", "signature");
        m.message_failed("cloud", "transient");
        m.request("GET", "/b/{code}/orders", 0.012);
        let levels = Levels {
            inbound_backlog: 3,
            orders_by_channel: vec![("whatsapp".into(), 2)],
            ..Levels::default()
        };
        let text = m.render(&levels);
        for line in [
            "novi_webhooks_received_total{provider=\"cloud\"} 1",
            "novi_webhooks_rejected_total{provider=\"gateway\",reason=\"signature\"} 1",
            "novi_messages_failed_total{provider=\"cloud\",reason=\"transient\"} 1",
            "novi_http_request_duration_seconds_count{method=\"GET\",route=\"/b/{code}/orders\"} 1",
            "novi_inbound_backlog_messages 3",
            "novi_orders_last_24h{channel=\"whatsapp\"} 2",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        // A channel with no orders any more is dropped, not left at its old value.
        let text = m.render(&Levels::default());
        assert!(!text.contains("channel=\"whatsapp\""), "{text}");
    }

    #[test]
    fn resident_memory_is_read() {
        assert!(resident_bytes() > 1 << 20);
    }
}
