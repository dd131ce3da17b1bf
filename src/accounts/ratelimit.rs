//! Counts failed logins per account and per client address, so passwords cannot be guessed
//! at speed. Counters live in memory and expire a fixed window after the first failure.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

#[derive(Clone)]
pub struct LoginLimiter {
    failures: Cache<String, Arc<AtomicU32>>,
    per_account: u32,
    per_address: u32,
    window: Duration,
}

impl LoginLimiter {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> Self {
        Self {
            failures: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(window)
                .build(),
            per_account,
            per_address,
            window,
        }
    }

    fn keys(username: &str, addr: IpAddr) -> (String, String) {
        (
            format!("user:{}", username.to_lowercase()),
            format!("addr:{addr}"),
        )
    }

    fn count(&self, key: &str) -> u32 {
        self.failures
            .get(key)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// True when this account or address has used up its attempts for now. Checked before the
    /// password, so even the right password waits out the window.
    pub fn is_limited(&self, username: &str, addr: IpAddr) -> bool {
        let (user, address) = Self::keys(username, addr);
        self.count(&user) >= self.per_account || self.count(&address) >= self.per_address
    }

    pub fn record_failure(&self, username: &str, addr: IpAddr) {
        let (user, address) = Self::keys(username, addr);
        for key in [user, address] {
            self.failures
                .get_with(key, || Arc::new(AtomicU32::new(0)))
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A good login clears the account's count and gives back the attempt it was counted as
    /// at the address (staff behind one shop router log in often); the address keeps its
    /// failures, so one valid account cannot reset guessing at others.
    pub fn record_success(&self, username: &str, addr: IpAddr) {
        let (user, address) = Self::keys(username, addr);
        self.failures.invalidate(&user);
        if let Some(count) = self.failures.get(&address) {
            let _ = count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
    }

    pub fn window_minutes(&self) -> u64 {
        self.window.as_secs().div_ceil(60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn account_limit_applies_from_any_address() {
        let l = LoginLimiter::new(3, 100, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(!l.is_limited("Asha", A));
            l.record_failure("Asha", A);
        }
        assert!(l.is_limited("asha", B), "usernames fold case");
        assert!(!l.is_limited("ravi", B));
    }

    #[test]
    fn address_limit_spans_accounts() {
        let l = LoginLimiter::new(100, 2, Duration::from_secs(60));
        l.record_failure("a", A);
        l.record_failure("b", A);
        assert!(l.is_limited("c", A));
        assert!(!l.is_limited("c", B));
    }

    #[test]
    fn success_clears_the_account_and_gives_back_its_own_attempt() {
        let l = LoginLimiter::new(2, 3, Duration::from_secs(60));
        l.record_failure("a", A);
        l.record_failure("a", A);
        // The attempt that succeeds was counted first, then given back.
        l.record_failure("a", A);
        l.record_success("a", A);
        assert!(!l.is_limited("a", B));
        assert!(!l.is_limited("z", A), "two failures at the address so far");
        l.record_failure("b", A);
        assert!(l.is_limited("z", A));
    }
}
