//! The sender task: takes due outbox rows (businesses in turn, so one shop's backlog never
//! holds up another's replies), paces them, sends each through its business's transport, and
//! records what happened: sent, retry later (with exponential backoff and jitter), failed with a
//! readable reason, template fallback, or sending paused. When WhatsApp cannot be reached the
//! business's rows wait untouched while its link is probed (`link`). It sleeps until something
//! can go, by the bridge's clock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use rand::Rng;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::link::{self, Gate};
use super::outbox::{self, Content, Due};
use super::pacing::Pacer;
use super::settings::{self, WhatsappSettings};
use super::transport::{AnyTransport, Failure, SendError};
use super::Bridge;
use crate::config::Config;
use crate::db::Db;
use crate::error::AppResult;

/// How the sender retries and paces (see `Config`).
#[derive(Debug, Clone)]
pub struct SendPolicy {
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub recipient_burst: u32,
    pub recipient_interval: Duration,
}

impl From<&Config> for SendPolicy {
    fn from(c: &Config) -> Self {
        Self {
            retry_base: Duration::from_millis(c.outbox_retry_base_ms),
            max_attempts: c.outbox_max_attempts,
            recipient_burst: c.recipient_burst,
            recipient_interval: Duration::from_millis(c.recipient_interval_ms),
        }
    }
}

/// The delay before attempt `attempts + 1`: doubling from the base, at most ten minutes,
/// spread by ±50% so retries from many messages do not arrive together.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
    let capped = exp.min(Duration::from_secs(600));
    capped.mul_f64(rand::thread_rng().gen_range(0.5..1.5))
}

/// How many due rows a pass takes from each business. Businesses take turns within a pass, so
/// this bounds what one shop's backlog adds to it; a shop that fills it is looked at again at
/// once when the pass started one of its rows.
const PER_BUSINESS: i64 = 100;

/// What the sender has done, for tests and diagnostics: its scheduling passes. An idle sender
/// makes none; one making pass after pass with nothing to send would be burning a core.
pub struct SenderStats {
    passes: watch::Sender<u64>,
}

impl SenderStats {
    pub fn new() -> Self {
        Self {
            passes: watch::Sender::new(0),
        }
    }

    pub fn passes(&self) -> u64 {
        *self.passes.borrow()
    }

    /// Sees each pass as it is made.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.passes.subscribe()
    }

    fn count_pass(&self) {
        self.passes.send_modify(|n| *n += 1);
    }
}

impl Default for SenderStats {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs until `stop` turns true, then lets sends in flight finish.
pub async fn run(db: Db, bridge: Bridge, policy: SendPolicy, mut stop: watch::Receiver<bool>) {
    let max_attempts = policy.max_attempts;
    if let Err(e) = db
        .write(move |tx| outbox::reset_interrupted(tx, max_attempts))
        .await
    {
        tracing::error!(error = %e.detail(), "could not requeue interrupted sends");
    }
    let wake: Arc<Notify> = bridge.outbox.clone();
    let clock = bridge.clock.clone();
    let mut s = Sender::new(db, bridge, policy);
    let mut last_sweep = Instant::now();
    while !*stop.borrow() {
        s.bridge.sender.count_pass();
        let next = s.start_due().await.unwrap_or_else(|e| {
            tracing::error!(error = %e.detail(), "outbox check failed");
            Some(clock.now_ms() + 1_000)
        });
        let until = next.unwrap_or_else(|| clock.now_ms() + 60_000);
        tokio::select! {
            () = wake.notified() => {},
            () = clock.sleep_until(until) => {},
            Some(done) = s.sends.join_next(), if !s.sends.is_empty() => {
                if let Ok(key) = done { s.in_flight.remove(&key); }
            },
            _ = stop.changed() => {},
        }
        s.pacer.tidy(clock.instant());
        if last_sweep.elapsed() > Duration::from_secs(60) {
            last_sweep = Instant::now();
            let write =
                s.db.write(move |tx| outbox::release_stale(tx, 300, max_attempts));
            if let Err(e) = write.await {
                tracing::error!(error = %e.detail(), "could not release stale sends");
            }
        }
    }
    while s.sends.join_next().await.is_some() {}
}

/// The sender's state between passes.
struct Sender {
    db: Db,
    bridge: Bridge,
    policy: SendPolicy,
    pacer: Pacer,
    /// Business and recipient of every send under way: one message at a time to a person
    /// keeps their messages in order.
    in_flight: HashSet<(i64, String)>,
    sends: JoinSet<(i64, String)>,
}

/// What pacing and the link made of one due row in a pass.
enum Turn {
    /// It may go now, through this configuration.
    Go(Arc<WhatsappSettings>),
    /// Its business's link is down and due a probe: it goes, unclaimed, to try the link.
    Probe(Arc<WhatsappSettings>),
    /// Pacing or a down link allows it at this time (ms, by the bridge's clock).
    Later(i64),
    /// Its person has a send under way, or its link a probe, which wakes the loop when it ends.
    Waiting,
}

impl Sender {
    fn new(db: Db, bridge: Bridge, policy: SendPolicy) -> Self {
        let pacer = Pacer::new(policy.recipient_burst, policy.recipient_interval);
        Self {
            db,
            bridge,
            policy,
            pacer,
            in_flight: HashSet::new(),
            sends: JoinSet::new(),
        }
    }

    /// One scheduling pass: starts every due row that pacing allows, businesses taking turns,
    /// and says when to look again. `None` means not until woken: by a new row or a finished
    /// send. Never "now" unless this pass started something, so an idle sender sleeps.
    async fn start_due(&mut self) -> AppResult<Option<i64>> {
        let t = self.bridge.clock.now_ms();
        let (open, mut wait_until) = self.open_links(t).await?;
        // Every waiting business's link down: nothing to read, and a reply queued meanwhile
        // costs the pass no read of the rows it cannot send.
        let due = if open.is_empty() {
            Vec::new()
        } else {
            self.db
                .read(move |c| outbox::due_among(c, &open, t, PER_BUSINESS))
                .await?
        };
        let full = filled_window(&due);
        let mut ready = Vec::new();
        for d in due {
            match self.turn(&d).await? {
                Turn::Go(config) => ready.push((d, config)),
                Turn::Probe(config) => {
                    self.bridge.links.probing(d.business_id);
                    self.send(d, config, false);
                }
                Turn::Later(at) => wait_until = Some(wait_until.map_or(at, |w| w.min(at))),
                Turn::Waiting => {}
            }
        }
        let more_now = ready.iter().any(|(d, _)| full.contains(&d.business_id));
        self.claim_and_send(ready).await?;
        // Rows due by `t` were all in the batch; only later ones can set the next wake.
        let later = self.db.read(move |c| outbox::next_due_at(c, t)).await?;
        Ok([wait_until, later, more_now.then_some(t)]
            .into_iter()
            .flatten()
            .min())
    }

    /// The businesses with rows due whose link is up or due a probe, and when the earliest
    /// of the others is due its probe. A business whose link is down costs this one check per
    /// pass, however many of its messages wait.
    async fn open_links(&self, t: i64) -> AppResult<(Vec<i64>, Option<i64>)> {
        let waiting = self.db.read(move |c| outbox::businesses_due(c, t)).await?;
        let (mut open, mut probe_at) = (Vec::new(), None::<i64>);
        for business_id in waiting {
            let config = self.bridge.settings(&self.db, business_id).await?;
            let now = self.bridge.clock.now_ms();
            match self
                .bridge
                .links
                .gate(business_id, &link::route(&config), now)
            {
                Gate::Closed(Some(at)) => probe_at = Some(probe_at.map_or(at, |p| p.min(at))),
                // A probe under way wakes the loop when it ends.
                Gate::Closed(None) => {}
                Gate::Open | Gate::Probe => open.push(business_id),
            }
        }
        Ok((open, probe_at))
    }

    /// Whether a due row may go now: its person has no send under way, its link is up (or due
    /// a probe) and pacing allows it (which takes the slot).
    async fn turn(&mut self, d: &Due) -> AppResult<Turn> {
        if self
            .in_flight
            .contains(&(d.business_id, d.recipient.clone()))
        {
            return Ok(Turn::Waiting);
        }
        let config = self.bridge.settings(&self.db, d.business_id).await?;
        let now = self.bridge.clock.now_ms();
        let gate = self
            .bridge
            .links
            .gate(d.business_id, &link::route(&config), now);
        if let Gate::Closed(at) = gate {
            // Left as it is, like a paced row: no write while the link is down.
            return Ok(at.map_or(Turn::Waiting, Turn::Later));
        }
        let rate = config.rate_per_second;
        let slot = self.pacer.reserve(
            d.business_id,
            &d.recipient,
            rate,
            self.bridge.clock.instant(),
        );
        match slot {
            Ok(()) if gate == Gate::Probe => Ok(Turn::Probe(config)),
            Ok(()) => Ok(Turn::Go(config)),
            // Left as it is: rewriting every paced row would load the database just when a
            // backlog makes it busiest. The loop sleeps until the earliest slot frees instead.
            Err(wait) => Ok(Turn::Later(
                now + i64::try_from(wait.as_millis()).unwrap_or(1_000).max(1),
            )),
        }
    }

    /// Claims the pass's rows in one transaction (one write however many shops take their
    /// turn), then sends each claimed row in its own task.
    async fn claim_and_send(&mut self, ready: Vec<(Due, Arc<WhatsappSettings>)>) -> AppResult<()> {
        if ready.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = ready.iter().map(|(d, _)| d.id).collect();
        let claimed = self.db.write(move |tx| outbox::claim_all(tx, &ids)).await?;
        for (d, config) in ready {
            if claimed.contains(&d.id) {
                self.send(d, config, true);
            }
        }
        Ok(())
    }

    /// Sends one row in its own task. A probe (`claimed` false) is not claimed: if the link is
    /// still down nothing about the row is written; this person's key in the in-flight set is
    /// what keeps it from going twice at once.
    fn send(&mut self, d: Due, config: Arc<WhatsappSettings>, claimed: bool) {
        let key = (d.business_id, d.recipient.clone());
        self.in_flight.insert(key.clone());
        let (db, bridge, policy) = (self.db.clone(), self.bridge.clone(), self.policy.clone());
        self.sends.spawn(async move {
            // A panic must not keep this person's key in the in-flight set for good.
            let send = deliver(&db, &bridge, &policy, &config, d, claimed);
            match std::panic::AssertUnwindSafe(send).catch_unwind().await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e.detail(), "recording a send failed"),
                Err(_) => {
                    tracing::error!("a send task panicked; its row is retried later");
                    // Its outcome, which would have settled the probe, was never recorded.
                    if !claimed {
                        bridge.links.probe_ended(key.0);
                    }
                }
            }
            key
        });
    }
}

/// Businesses with a full share of the batch: they may have more rows due beyond it.
fn filled_window(due: &[Due]) -> HashSet<i64> {
    let mut counts: HashMap<i64, i64> = HashMap::new();
    for d in due {
        *counts.entry(d.business_id).or_default() += 1;
    }
    counts.retain(|_, n| *n >= PER_BUSINESS);
    counts.into_keys().collect()
}

/// Records a send WhatsApp accepted, trying again on a passing database error: a row left
/// `sending` would later be released and sent a second time.
async fn record_sent(db: &Db, d: Due, provider_id: String) -> AppResult<()> {
    let mut pause = Duration::from_millis(100);
    for attempt in 1..=4 {
        let (row, id) = (d.clone(), provider_id.clone());
        match db.write(move |tx| outbox::sent(tx, &row, &id)).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 4 => {
                tracing::warn!(error = %e.detail(), attempt, "recording a send failed; trying again");
                tokio::time::sleep(pause).await;
                pause *= 4;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn deliver(
    db: &Db,
    bridge: &Bridge,
    policy: &SendPolicy,
    config: &WhatsappSettings,
    d: Due,
    claimed: bool,
) -> AppResult<()> {
    let transport = AnyTransport::for_config(config, &bridge.http, &bridge.linked, d.business_id);
    let result = transport.send(&d.recipient, &d.content).await;
    let (business_id, recipient) = (d.business_id, d.recipient.clone());
    count(bridge, config, &result);
    match result {
        Err(e) if e.failure == Failure::Offline => {
            return unreachable(db, bridge, policy, config, d, e, claimed).await;
        }
        Ok(provider_id) => {
            bridge.links.reached(business_id);
            record_sent(db, d, provider_id).await?;
        }
        Err(e) => {
            bridge.links.reached(business_id);
            failed(db, bridge, policy, config, d, e).await?;
        }
    }
    bridge.live.send(business_id, &recipient);
    Ok(())
}

/// A send's outcome, for `/metrics`: accepted, or failed by what the failure calls for.
fn count(bridge: &Bridge, config: &WhatsappSettings, result: &Result<String, SendError>) {
    let provider = config.provider.as_str();
    let Err(e) = result else {
        bridge.metrics.message_sent(provider);
        return;
    };
    let reason = match e.failure {
        Failure::Offline => "offline",
        Failure::Transient => "transient",
        Failure::Permanent => "permanent",
        Failure::OutsideWindow => "outside_window",
        Failure::NeedsSettings => "needs_settings",
    };
    bridge.metrics.message_failed(provider, reason);
}

/// WhatsApp could not be reached: not the message's failure. The business's link is marked
/// down (or, for a probe, probed again later). A row claimed before that was known goes back
/// as it was, one write; a probe was never claimed, so nothing is written.
async fn unreachable(
    db: &Db,
    bridge: &Bridge,
    policy: &SendPolicy,
    config: &WhatsappSettings,
    d: Due,
    e: SendError,
    claimed: bool,
) -> AppResult<()> {
    tracing::debug!(business_id = d.business_id, outbox_id = d.id, reason = %e.reason, "WhatsApp unreachable");
    let now = bridge.clock.now_ms();
    let route = link::route(config);
    let base = policy.retry_base;
    let links = &bridge.links;
    links.unreachable(d.business_id, &route, &e.reason, now, base, !claimed);
    if !claimed {
        return Ok(());
    }
    let (id, attempts) = (d.id, d.attempts);
    db.write(move |tx| outbox::later(tx, id, now, Some(&e.reason), attempts))
        .await
}

async fn failed(
    db: &Db,
    bridge: &Bridge,
    policy: &SendPolicy,
    config: &WhatsappSettings,
    d: Due,
    e: SendError,
) -> AppResult<()> {
    let attempts = d.attempts + 1;
    tracing::warn!(business_id = d.business_id, outbox_id = d.id, code = ?e.code, attempts, reason = %e.reason, "send failed");
    match e.failure {
        Failure::Transient if attempts < policy.max_attempts => {
            let at = bridge.clock.now_ms()
                + i64::try_from(backoff(policy.retry_base, attempts).as_millis()).unwrap_or(0);
            db.write(move |tx| outbox::later(tx, d.id, at, Some(&e.reason), attempts))
                .await
        }
        Failure::Transient => {
            let reason = format!("gave up after {attempts} attempts: {}", e.reason);
            db.write(move |tx| outbox::fail(tx, d.id, d.message_id, e.code, &reason))
                .await
        }
        // Handled before: an unreachable WhatsApp is no failure of the message.
        Failure::Permanent | Failure::Offline => {
            db.write(move |tx| outbox::fail(tx, d.id, d.message_id, e.code, &e.reason))
                .await
        }
        Failure::OutsideWindow => outside_window(db, config, d, e).await,
        Failure::NeedsSettings => {
            let business_id = d.business_id;
            let (now, attempts) = (bridge.clock.now_ms(), d.attempts);
            db.write(move |tx| {
                settings::pause(tx, business_id, &e.reason)?;
                outbox::later(tx, d.id, now, Some(&e.reason), attempts)
            })
            .await?;
            bridge.forget_settings(business_id);
            Ok(())
        }
    }
}

/// Past the 24-hour window only an approved template may go: send the business's template
/// carrying the message's words, or fail saying why.
async fn outside_window(db: &Db, config: &WhatsappSettings, d: Due, e: SendError) -> AppResult<()> {
    let is_template = matches!(d.content, Content::Template { .. });
    if config.template_name.is_empty() || is_template {
        let reason = if is_template {
            e.reason
        } else {
            format!(
                "{}; no approved template is configured to send instead",
                e.reason
            )
        };
        return db
            .write(move |tx| outbox::fail(tx, d.id, d.message_id, e.code, &reason))
            .await;
    }
    // Template parameters may not hold line breaks.
    let words = d
        .content
        .readable()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let template = Content::Template {
        name: config.template_name.clone(),
        language: config.template_language.clone(),
        params: vec![words.chars().take(1000).collect()],
    };
    db.write(move |tx| outbox::replace(tx, d.id, &template))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        let base = Duration::from_secs(2);
        for (attempts, nominal) in [(1, 2.0), (2, 4.0), (3, 8.0)] {
            let d = backoff(base, attempts).as_secs_f64();
            assert!(
                d >= nominal * 0.5 && d < nominal * 1.5,
                "attempt {attempts}: {d}"
            );
        }
        assert!(backoff(base, 40) < Duration::from_secs(900));
    }
}
