//! Whether each business's way out to WhatsApp works, as the sender last found it. While a link
//! is down its replies wait in the outbox untouched (no write, no attempt counted): the sender
//! tries the link now and then with the business's oldest reply (a probe), backing off to once
//! a minute, and when a probe gets an answer from WhatsApp the rest follow.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use super::settings::{Provider, WhatsappSettings};

/// The longest wait between probes of a link that is down, so a reply goes at most about this
/// long after the link is back.
pub const MAX_PROBE_GAP: Duration = Duration::from_secs(60);

/// A link found down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    /// The way out that failed ([`route`]): once the settings name another, it is tried at once.
    pub route: String,
    pub since_ms: i64,
    /// Probes that have failed since it went down.
    pub probes: u32,
    pub next_probe_ms: i64,
    pub reason: String,
    probing: bool,
}

/// What the sender may do with a business's due rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// The link works, as far as anyone knows: send.
    Open,
    /// Down, and time to try it with one row.
    Probe,
    /// Down: leave its rows alone until then (`None`: a probe is under way, and its end wakes
    /// the sender).
    Closed(Option<i64>),
}

/// Which way out a business's settings name: its provider and where that provider is reached.
pub fn route(c: &WhatsappSettings) -> String {
    match c.provider {
        Provider::Cloud => format!(
            "cloud {} {}",
            c.graph_base,
            c.phone_number_id.as_deref().unwrap_or_default()
        ),
        Provider::Gateway => format!("gateway {} {}", c.gateway_url, c.session),
        Provider::Simulator => "simulator".to_owned(),
        Provider::Linked => "linked".to_owned(),
    }
}

/// The wait before the next probe after `probes` failed ones: doubling from `base`, at most
/// [`MAX_PROBE_GAP`], spread a little so many shops' probes do not line up.
fn probe_gap(base: Duration, probes: u32) -> Duration {
    let nominal = base
        .saturating_mul(1u32 << probes.min(20))
        .min(MAX_PROBE_GAP);
    nominal
        .mul_f64(rand::thread_rng().gen_range(0.75..1.0))
        .max(Duration::from_millis(1))
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Every business's link that is down, shared by the sender and whoever reports a link back.
pub struct Links {
    down: Mutex<HashMap<i64, Down>>,
    /// Counts changes (down, a probe failed, back), for whoever waits on them.
    changes: watch::Sender<u64>,
}

impl Links {
    pub fn new() -> Self {
        Self {
            down: Mutex::new(HashMap::new()),
            changes: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, Down>> {
        // The map holds no invariant a panic elsewhere could break halfway.
        self.down.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The business's link, if it is down.
    pub fn down(&self, business_id: i64) -> Option<Down> {
        self.lock().get(&business_id).cloned()
    }

    /// Sees every change as it happens.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub fn gate(&self, business_id: i64, route: &str, now_ms: i64) -> Gate {
        let mut down = self.lock();
        match down.get(&business_id) {
            None => Gate::Open,
            Some(d) if d.route != route => {
                down.remove(&business_id);
                Gate::Open
            }
            Some(d) if d.probing => Gate::Closed(None),
            Some(d) if now_ms >= d.next_probe_ms => Gate::Probe,
            Some(d) => Gate::Closed(Some(d.next_probe_ms)),
        }
    }

    /// A probe of the business's link has started.
    pub fn probing(&self, business_id: i64) {
        if let Some(d) = self.lock().get_mut(&business_id) {
            d.probing = true;
        }
    }

    /// A send through `route` could not reach WhatsApp. A failed `probe` puts the next one
    /// further off; a send that started before the link was known down changes nothing more.
    pub fn unreachable(
        &self,
        business_id: i64,
        route: &str,
        reason: &str,
        now_ms: i64,
        base: Duration,
        probe: bool,
    ) {
        let mut down = self.lock();
        match down.get_mut(&business_id) {
            Some(d) if d.route == route && probe => {
                d.probes += 1;
                d.probing = false;
                d.next_probe_ms = now_ms + ms(probe_gap(base, d.probes));
                d.reason = reason.to_owned();
            }
            Some(d) if d.route == route => return,
            _ => {
                tracing::warn!(
                    business_id,
                    reason,
                    "WhatsApp cannot be reached; replies wait in the outbox"
                );
                let d = Down {
                    route: route.to_owned(),
                    since_ms: now_ms,
                    probes: 0,
                    next_probe_ms: now_ms + ms(probe_gap(base, 0)),
                    reason: reason.to_owned(),
                    probing: false,
                };
                down.insert(business_id, d);
            }
        }
        drop(down);
        self.changes.send_modify(|n| *n += 1);
    }

    /// WhatsApp answered a send: the business's link works.
    pub fn reached(&self, business_id: i64) {
        let was = self.lock().remove(&business_id);
        if let Some(d) = was {
            tracing::info!(
                business_id,
                down_since_ms = d.since_ms,
                "WhatsApp can be reached again"
            );
            self.changes.send_modify(|n| *n += 1);
        }
    }

    /// A probe ended without its outcome being recorded (its task panicked): another may start.
    pub fn probe_ended(&self, business_id: i64) {
        if let Some(d) = self.lock().get_mut(&business_id) {
            d.probing = false;
        }
    }

    /// The link is back by other news (a client that keeps a connection reconnected): probe
    /// at the sender's next pass instead of waiting out the backoff. Wake the sender after.
    pub fn restored(&self, business_id: i64) {
        if let Some(d) = self.lock().get_mut(&business_id) {
            d.next_probe_ms = i64::MIN;
        }
        self.changes.send_modify(|n| *n += 1);
    }
}

impl Default for Links {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(2);

    #[test]
    fn a_down_link_is_probed_one_row_at_a_time_with_backoff() {
        let links = Links::new();
        assert_eq!(links.gate(1, "cloud a", 0), Gate::Open);
        links.unreachable(1, "cloud a", "no route", 0, BASE, false);
        let first = links.down(1).unwrap().next_probe_ms;
        assert!((1_500..=2_000).contains(&first), "{first}");
        assert_eq!(links.gate(1, "cloud a", 10), Gate::Closed(Some(first)));
        assert_eq!(links.gate(2, "cloud b", 10), Gate::Open, "other shops send");

        assert_eq!(links.gate(1, "cloud a", first), Gate::Probe);
        links.probing(1);
        assert_eq!(links.gate(1, "cloud a", first), Gate::Closed(None));
        links.unreachable(1, "cloud a", "no route", first, BASE, true);
        let second = links.down(1).unwrap();
        assert_eq!(second.probes, 1);
        assert!(second.next_probe_ms - first >= 3_000, "twice as long");

        links.reached(1);
        assert_eq!(links.gate(1, "cloud a", first), Gate::Open);
    }

    #[test]
    fn probes_back_off_to_a_minute_and_new_settings_are_tried_at_once() {
        let links = Links::new();
        links.unreachable(1, "gateway x", "refused", 0, BASE, false);
        for _ in 0..30 {
            links.probing(1);
            links.unreachable(1, "gateway x", "refused", 0, BASE, true);
        }
        let d = links.down(1).unwrap();
        assert!(d.next_probe_ms <= ms(MAX_PROBE_GAP), "{}", d.next_probe_ms);
        // A send that began before the link was known down does not push the probe back.
        links.unreachable(1, "gateway x", "refused", 5_000, BASE, false);
        assert_eq!(links.down(1).unwrap().next_probe_ms, d.next_probe_ms);
        assert_eq!(links.gate(1, "gateway y", 0), Gate::Open);
        assert_eq!(links.down(1), None);
    }

    #[test]
    fn a_link_reported_back_is_probed_at_once() {
        let links = Links::new();
        links.unreachable(1, "cloud a", "no route", 0, BASE, false);
        links.restored(1);
        assert_eq!(links.gate(1, "cloud a", 0), Gate::Probe);
    }
}
