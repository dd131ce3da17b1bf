//! Counts of the last hour, minute by minute (webhooks, errors), and when the server started:
//! what the platform console shows as rates. A ring of 60 minute buckets behind a mutex held
//! for a few instructions per event.

use std::sync::Mutex;
use std::time::Instant;

const MINUTES: usize = 60;

/// One minute's counts; `minute` is minutes since the Unix epoch, so a stale bucket is known.
#[derive(Clone, Copy, Default)]
struct Bucket {
    minute: i64,
    webhooks: u64,
    errors: u64,
}

/// The last hour's counts and the start time.
pub struct Recent {
    started: Instant,
    buckets: Mutex<[Bucket; MINUTES]>,
}

/// What was counted.
#[derive(Clone, Copy)]
pub enum Kind {
    Webhook,
    Error,
}

fn this_minute() -> i64 {
    chrono::Utc::now().timestamp().div_euclid(60)
}

impl Recent {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            buckets: Mutex::new([Bucket::default(); MINUTES]),
        }
    }

    pub fn count(&self, kind: Kind) {
        self.count_at(kind, this_minute());
    }

    fn count_at(&self, kind: Kind, minute: i64) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = &mut buckets[usize::try_from(minute.rem_euclid(60)).unwrap_or(0)];
        if b.minute != minute {
            *b = Bucket {
                minute,
                ..Bucket::default()
            };
        }
        match kind {
            Kind::Webhook => b.webhooks += 1,
            Kind::Error => b.errors += 1,
        }
    }

    /// How many of `kind` in the last `minutes` minutes (this one included), at most 60.
    pub fn last(&self, kind: Kind, minutes: i64) -> u64 {
        self.last_at(kind, minutes, this_minute())
    }

    fn last_at(&self, kind: Kind, minutes: i64, now: i64) -> u64 {
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets
            .iter()
            .filter(|b| b.minute > now - minutes.clamp(1, 60) && b.minute <= now)
            .map(|b| match kind {
                Kind::Webhook => b.webhooks,
                Kind::Error => b.errors,
            })
            .sum()
    }

    /// Seconds since the server started.
    pub fn uptime_secs(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

impl Default for Recent {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_out_of_the_window_as_minutes_pass() {
        let r = Recent::new();
        r.count_at(Kind::Webhook, 1000);
        r.count_at(Kind::Webhook, 1000);
        r.count_at(Kind::Error, 1059);
        r.count_at(Kind::Webhook, 1059);
        assert_eq!(r.last_at(Kind::Webhook, 60, 1059), 3);
        assert_eq!(r.last_at(Kind::Webhook, 5, 1059), 1);
        assert_eq!(r.last_at(Kind::Error, 60, 1059), 1);
        // An hour on, minute 1000's bucket is reused by minute 1060 and counts afresh.
        r.count_at(Kind::Webhook, 1060);
        assert_eq!(r.last_at(Kind::Webhook, 60, 1060), 2);
    }
}
