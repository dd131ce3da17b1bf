//! Tracking links: `/t/{token}`, a signed, time-limited name for one order. The token carries
//! the business id, the order number and when it expires, and an HMAC-SHA256 of them under the
//! server's key (`secret.key`), so a forged or expired one is refused without reading the
//! database, and the link needs no table.

use std::sync::{Arc, OnceLock};

use crate::secret::{self, ServerKey};

/// How long a tracking link works unless the configuration says otherwise.
pub const DEFAULT_DAYS: u32 = 30;

/// Hex characters of the HMAC kept in a token: 128 bits, short enough for a chat message.
const SIG_LEN: usize = 32;

const PURPOSE: &str = "order-tracking";

/// What a valid token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    pub business_id: i64,
    pub number: i64,
}

/// Makes and checks tracking tokens, and the absolute links customers are sent.
pub struct Tracker {
    key: Arc<ServerKey>,
    ttl_secs: i64,
    /// Where customers reach the server: `public_url`, else the address it listens on, which is
    /// known only once it is bound.
    base: OnceLock<String>,
}

impl Tracker {
    pub fn new(key: Arc<ServerKey>, days: u32, public_url: Option<&str>) -> Self {
        let base = OnceLock::new();
        if let Some(url) = public_url {
            let _ = base.set(url.trim_end_matches('/').to_owned());
        }
        Self {
            key,
            ttl_secs: i64::from(days) * 86_400,
            base,
        }
    }

    /// Sets the base URL when no `public_url` was given (the first call wins).
    pub fn default_base(&self, url: String) {
        let _ = self.base.set(url);
    }

    /// The base URL links start with ("" before the server is bound).
    pub fn base(&self) -> &str {
        self.base.get().map_or("", String::as_str)
    }

    /// A token for order `number` of business `business_id`, valid from `now` for the TTL.
    pub fn token(&self, business_id: i64, number: i64, now: i64) -> String {
        let body = format!("{business_id}-{number}-{}", now + self.ttl_secs);
        let sig = self.key.sign(PURPOSE, &body);
        format!("{body}-{}", &sig[..SIG_LEN])
    }

    /// The absolute tracking link for an order, as messages carry it.
    pub fn link(&self, business_id: i64, number: i64) -> String {
        let token = self.token(business_id, number, crate::db::now());
        format!("{}/t/{token}", self.base())
    }

    /// The storefront's absolute link.
    pub fn storefront(&self, short_code: &str) -> String {
        format!("{}/s/{short_code}", self.base())
    }

    /// What `token` names, if it was made with this key and has not expired at `now`.
    pub fn check(&self, token: &str, now: i64) -> Option<Tracked> {
        let (tracked, expires) = self.signed(token)?;
        (now < expires).then_some(tracked)
    }

    /// The order a link signed by Novi names, and when it expires, whether or not it has: an
    /// expired link still says which shop to send its customer back to.
    pub fn signed(&self, token: &str) -> Option<(Tracked, i64)> {
        let (body, sig) = token.rsplit_once('-')?;
        if sig.len() != SIG_LEN {
            return None;
        }
        let expected = self.key.sign(PURPOSE, body);
        if !secret::equal(sig, &expected[..SIG_LEN]) {
            return None;
        }
        let mut parts = body.splitn(3, '-');
        let business_id = parts.next()?.parse().ok()?;
        let number = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        Some((
            Tracked {
                business_id,
                number,
            },
            expires,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> Tracker {
        Tracker::new(
            Arc::new(ServerKey::random()),
            30,
            Some("https://shop.example/"),
        )
    }

    #[test]
    fn a_token_names_its_order_until_it_expires() {
        let t = tracker();
        let token = t.token(7, 42, 1_000);
        let named = Tracked {
            business_id: 7,
            number: 42,
        };
        assert_eq!(t.check(&token, 1_000), Some(named));
        assert_eq!(t.check(&token, 1_000 + 30 * 86_400 - 1), Some(named));
        assert_eq!(t.check(&token, 1_000 + 30 * 86_400), None, "expired");
        assert!(t.link(7, 42).starts_with("https://shop.example/t/7-42-"));
    }

    #[test]
    fn forged_and_altered_tokens_are_refused() {
        let t = tracker();
        let token = t.token(7, 42, 1_000);
        let other_order = token.replacen("7-42-", "7-43-", 1);
        let later = token.replacen(&format!("-{}-", 1_000 + 30 * 86_400), "-99999999999-", 1);
        let other_key = tracker().token(7, 42, 1_000);
        for bad in [
            other_order.as_str(),
            later.as_str(),
            other_key.as_str(),
            "",
            "7-42",
            "x-y-z-0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(t.check(bad, 1_000), None, "{bad}");
        }
    }
}
