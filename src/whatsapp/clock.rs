//! The sender's clock: wall time plus a skew that only tests move, so an hour offline can pass
//! in a moment. Every time the sender schedules by (retries, probes of a link, pacing) is
//! read from it, and its sleeps end early when the skew jumps past them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

#[derive(Clone)]
pub struct Clock {
    /// Milliseconds added to wall time; zero unless [`Clock::advance`] was called.
    skew: Arc<watch::Sender<i64>>,
}

impl Clock {
    pub fn new() -> Self {
        Self {
            skew: Arc::new(watch::Sender::new(0)),
        }
    }

    /// Unix milliseconds, as the outbox stores times.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + *self.skew.borrow()
    }

    /// Now as an `Instant`, for pacing.
    pub fn instant(&self) -> Instant {
        let skew = u64::try_from(*self.skew.borrow()).unwrap_or(0);
        Instant::now() + Duration::from_millis(skew)
    }

    /// Moves this clock ahead, waking sleeps it carries past their end. For tests: time spent
    /// offline, without waiting it out.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.skew.send_modify(|s| *s = s.saturating_add(ms));
    }

    /// Moves this clock ahead to `at_ms`, if it is not there yet.
    pub fn advance_to(&self, at_ms: i64) {
        let ahead = at_ms - self.now_ms();
        if ahead > 0 {
            self.advance(Duration::from_millis(ahead.unsigned_abs()));
        }
    }

    /// Returns once the clock reads `at_ms` or later.
    pub async fn sleep_until(&self, at_ms: i64) {
        let mut skew = self.skew.subscribe();
        loop {
            let left = at_ms - self.now_ms();
            if left <= 0 {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(left.unsigned_abs())) => {}
                // Never an error: `self` holds the sending half.
                _ = skew.changed() => {}
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sleep_ends_when_the_clock_is_moved_past_it() {
        let clock = Clock::new();
        let hour_ahead = clock.now_ms() + 3_600_000;
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(hour_ahead).await })
        };
        clock.advance(Duration::from_secs(3_600));
        tokio::time::timeout(Duration::from_secs(10), sleeper)
            .await
            .expect("woken by the move, not by an hour passing")
            .unwrap();
        assert!(clock.now_ms() >= hour_ahead);
    }
}
