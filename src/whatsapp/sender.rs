//! The sender task: takes due outbox rows, paces them, sends each through its business's
//! transport, and records what happened: sent, retry later (with exponential backoff and
//! jitter), failed with a readable reason, template fallback, or sending paused.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use rand::Rng;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::outbox::{self, now_ms, Content, Due};
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

/// The delay before attempt `attempts + 1`: doubling from the base, at most ten minutes,
/// spread by ±50% so retries from many messages do not arrive together.
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

pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
    let capped = exp.min(Duration::from_secs(600));
    capped.mul_f64(rand::thread_rng().gen_range(0.5..1.5))
}

/// Runs until `stop` turns true, then lets sends in flight finish.
pub async fn run(db: Db, bridge: Bridge, policy: SendPolicy, mut stop: watch::Receiver<bool>) {
    if let Err(e) = db.write(|tx| outbox::reset_interrupted(tx)).await {
        tracing::error!(error = %e.detail(), "could not requeue interrupted sends");
    }
    let mut pacer = Pacer::new(policy.recipient_burst, policy.recipient_interval);
    let mut in_flight: HashSet<(i64, String)> = HashSet::new();
    let mut sends: JoinSet<(i64, String)> = JoinSet::new();
    let wake: Arc<Notify> = bridge.outbox.clone();
    let mut last_sweep = Instant::now();
    while !*stop.borrow() {
        let next = match start_due(
            &db,
            &bridge,
            &policy,
            &mut pacer,
            &mut in_flight,
            &mut sends,
        )
        .await
        {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e.detail(), "outbox check failed");
                Some(now_ms() + 1_000)
            }
        };
        let sleep = next.map_or(Duration::from_secs(60), |at| {
            Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0))
        });
        tokio::select! {
            () = wake.notified() => {},
            () = tokio::time::sleep(sleep) => {},
            Some(done) = sends.join_next(), if !sends.is_empty() => {
                if let Ok(key) = done { in_flight.remove(&key); }
            },
            _ = stop.changed() => {},
        }
        pacer.tidy(Instant::now());
        if last_sweep.elapsed() > Duration::from_secs(60) {
            last_sweep = Instant::now();
            if let Err(e) = db.write(|tx| outbox::release_stale(tx, 300)).await {
                tracing::error!(error = %e.detail(), "could not release stale sends");
            }
        }
    }
    while sends.join_next().await.is_some() {}
}

/// Starts every due row that pacing allows; returns when the next row falls due.
async fn start_due(
    db: &Db,
    bridge: &Bridge,
    policy: &SendPolicy,
    pacer: &mut Pacer,
    in_flight: &mut HashSet<(i64, String)>,
    sends: &mut JoinSet<(i64, String)>,
) -> AppResult<Option<i64>> {
    let due = db.read(|c| outbox::due(c, now_ms(), 200)).await?;
    let mut paced: Option<Duration> = None;
    let mut waiting_on_sends = false;
    for d in due {
        let key = (d.business_id, d.recipient.clone());
        // One message at a time to a person keeps their messages in order.
        if in_flight.contains(&key) {
            waiting_on_sends = true;
            continue;
        }
        let config = bridge.settings(db, d.business_id).await?;
        if let Err(wait) = pacer.reserve(
            d.business_id,
            &d.recipient,
            config.rate_per_second,
            Instant::now(),
        ) {
            // Left as it is: rewriting every paced row would load the database just when a
            // backlog makes it busiest. The loop sleeps until the earliest slot frees instead.
            paced = Some(paced.map_or(wait, |p| p.min(wait)));
            continue;
        }
        let id = d.id;
        if !db.write(move |tx| outbox::claim(tx, id)).await? {
            continue;
        }
        in_flight.insert(key.clone());
        let (db, bridge, policy) = (db.clone(), bridge.clone(), policy.clone());
        sends.spawn(async move {
            // A panic must not keep this person's key in the in-flight set for good.
            let send = std::panic::AssertUnwindSafe(deliver(&db, &bridge, &policy, &config, d));
            match send.catch_unwind().await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e.detail(), "recording a send failed"),
                Err(_) => tracing::error!("a send task panicked; its row is retried later"),
            }
            key
        });
    }
    if let Some(wait) = paced {
        let ms = i64::try_from(wait.as_millis()).unwrap_or(1_000).max(1);
        return Ok(Some(now_ms() + ms));
    }
    if waiting_on_sends {
        // A send finishing (or a new row) wakes the loop.
        return Ok(None);
    }
    db.read(outbox::next_due_at).await
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
) -> AppResult<()> {
    let transport = AnyTransport::for_config(config, &bridge.http);
    let result = transport.send(&d.recipient, &d.content).await;
    let (business_id, recipient) = (d.business_id, d.recipient.clone());
    match result {
        Ok(provider_id) => record_sent(db, d, provider_id).await?,
        Err(e) => failed(db, bridge, policy, config, d, e).await?,
    }
    bridge.live.send(business_id, &recipient);
    Ok(())
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
            let at = now_ms()
                + i64::try_from(backoff(policy.retry_base, attempts).as_millis()).unwrap_or(0);
            db.write(move |tx| outbox::later(tx, d.id, at, Some(&e.reason), true))
                .await
        }
        Failure::Transient => {
            let reason = format!("gave up after {attempts} attempts: {}", e.reason);
            db.write(move |tx| outbox::fail(tx, d.id, d.message_id, e.code, &reason))
                .await
        }
        Failure::Permanent => {
            db.write(move |tx| outbox::fail(tx, d.id, d.message_id, e.code, &e.reason))
                .await
        }
        Failure::OutsideWindow => outside_window(db, config, d, e).await,
        Failure::NeedsSettings => {
            let business_id = d.business_id;
            db.write(move |tx| {
                settings::pause(tx, business_id, &e.reason)?;
                outbox::later(tx, d.id, now_ms(), Some(&e.reason), false)
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
