//! Rate limits for the public forms, per client address, in memory: storefront checkouts and
//! order lookups. A counter lives a fixed window from the address's first attempt.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

/// Checkouts one address may attempt per window: a family or an office behind one address
/// orders a few times; a script trying numbers or draining stock is stopped.
pub const CHECKOUTS: u32 = 30;
/// Order lookups (`/track/{code}`) one address may attempt per window: guessing pairs of a
/// number and an order number is slow.
pub const LOOKUPS: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct Limiter {
    attempts: Cache<IpAddr, Arc<AtomicU32>>,
    max: u32,
}

impl Limiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            attempts: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(window)
                .build(),
            max,
        }
    }

    /// Counts an attempt from `addr`; false when it is over the limit for now.
    pub fn allow(&self, addr: IpAddr) -> bool {
        let n = self
            .attempts
            .get_with(addr, || Arc::new(AtomicU32::new(0)))
            .fetch_add(1, Ordering::Relaxed);
        n < self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_allowance() {
        let l = Limiter::new(2, WINDOW);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(l.allow(a) && l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b));
    }
}
