//! Sending pace: at most N messages a second per business number, and short bursts then a
//! steady trickle to any one person, as WhatsApp's throughput rules ask.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A token bucket: `capacity` sends at once, refilled at `per_second`.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(capacity: f64, now: Instant) -> Self {
        Self {
            tokens: capacity,
            last: now,
        }
    }

    /// How long until a token is free (zero: free now).
    fn wait(&mut self, capacity: f64, per_second: f64, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / per_second)
        }
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

pub struct Pacer {
    recipient_burst: f64,
    recipient_per_second: f64,
    numbers: HashMap<i64, Bucket>,
    people: HashMap<(i64, String), Bucket>,
}

impl Pacer {
    pub fn new(recipient_burst: u32, recipient_interval: Duration) -> Self {
        let interval = recipient_interval.as_secs_f64().max(0.001);
        Self {
            recipient_burst: f64::from(recipient_burst.max(1)),
            recipient_per_second: 1.0 / interval,
            numbers: HashMap::new(),
            people: HashMap::new(),
        }
    }

    /// Takes a send slot for this business and recipient now, or says how long to wait.
    pub fn reserve(
        &mut self,
        business_id: i64,
        recipient: &str,
        per_second: u32,
        now: Instant,
    ) -> Result<(), Duration> {
        let rate = f64::from(per_second.max(1));
        let number = self
            .numbers
            .entry(business_id)
            .or_insert_with(|| Bucket::new(rate, now));
        let person = self
            .people
            .entry((business_id, recipient.to_owned()))
            .or_insert_with(|| Bucket::new(self.recipient_burst, now));
        let wait = number.wait(rate, rate, now).max(person.wait(
            self.recipient_burst,
            self.recipient_per_second,
            now,
        ));
        if wait > Duration::ZERO {
            return Err(wait);
        }
        number.take();
        person.take();
        Ok(())
    }

    /// Forgets people not written to for a while, so the map does not grow without end.
    pub fn tidy(&mut self, now: Instant) {
        let idle = Duration::from_secs(3600);
        self.people
            .retain(|_, b| now.saturating_duration_since(b.last) < idle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_number_sends_at_most_its_rate() {
        let mut p = Pacer::new(1000, Duration::from_millis(1));
        let t = Instant::now();
        let sent = (0..50)
            .filter(|i| p.reserve(1, &format!("r{i}"), 20, t).is_ok())
            .count();
        assert_eq!(sent, 20, "a second's worth at once");
        let later = t + Duration::from_millis(500);
        let more = (0..50)
            .filter(|i| p.reserve(1, &format!("s{i}"), 20, later).is_ok())
            .count();
        assert_eq!(more, 10, "refilled at 20 a second");
        assert!(
            p.reserve(2, "r0", 20, t).is_ok(),
            "another business has its own budget"
        );
    }

    #[test]
    fn one_person_gets_a_burst_then_a_trickle() {
        let mut p = Pacer::new(3, Duration::from_secs(6));
        let t = Instant::now();
        for _ in 0..3 {
            assert!(p.reserve(1, "asha", 80, t).is_ok());
        }
        let wait = p.reserve(1, "asha", 80, t).unwrap_err();
        assert!(
            wait > Duration::from_secs(5) && wait <= Duration::from_secs(6),
            "{wait:?}"
        );
        assert!(p.reserve(1, "ravi", 80, t).is_ok());
        assert!(p.reserve(1, "asha", 80, t + Duration::from_secs(6)).is_ok());
    }
}
