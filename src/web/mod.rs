//! The HTTP edge besides the JSON API: the owner-facing pages (maud), the webhook endpoints,
//! health checks, live updates, embedded assets, and the small helpers pages share.

pub mod admin;
pub mod assets;
pub mod audit;
pub mod charts;
pub mod conversations;
pub mod cookie;
pub mod csrf;
pub mod customers;
pub mod dashboard;
pub mod error;
pub mod extract;
pub mod format;
pub mod health;
pub mod layout;
pub mod live;
pub mod login;
pub mod low_stock;
pub mod metrics;
pub mod more;
pub mod orders;
pub mod password_link;
pub mod payments;
pub mod print;
pub mod products;
pub mod qr;
pub mod razorpay_hook;
pub mod reports;
pub mod route;
pub mod settings;
pub mod setup;
pub mod simulator;
pub mod store;
pub mod webhooks;

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

use crate::config::Config;

/// The login page, coming back to `next` afterwards.
pub fn login_url(next: &str) -> String {
    if next == "/" || next.is_empty() {
        "/login".to_owned()
    } else {
        let encoded: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
        format!("/login?{encoded}")
    }
}

/// Only a path on this site may be a redirect target, never another site (`//evil`, `http:`).
pub fn safe_next(next: Option<&str>) -> String {
    // Browsers drop tabs and line breaks and read `\` as `/`, so `/%09/evil` or `/\evil`
    // would lead off the site: refuse any of them anywhere.
    let odd = |n: &str| n.contains('\\') || n.chars().any(|c| c.is_control());
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !odd(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The client's address: the socket peer, or, when configured to trust proxies, the
/// `X-Forwarded-For` entry the outermost trusted proxy added. Proxies append, so that is the
/// `trusted_proxy_hops`-th entry from the right; anything left of it the client wrote itself.
pub fn client_addr(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if config.trust_forwarded_for {
        let hops = usize::try_from(config.trusted_proxy_hops).unwrap_or(1);
        if let Some(addr) = forwarded_for(headers, hops) {
            return addr;
        }
    }
    peer.ip()
}

/// The `hops`-th address from the right across every `X-Forwarded-For` header (a proxy may add
/// its own header line rather than extend the last), or the leftmost when there are fewer.
fn forwarded_for(headers: &HeaderMap, hops: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let at = entries.len().saturating_sub(hops.max(1));
    entries.get(at)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_site() {
        assert_eq!(safe_next(Some("/b/demo/orders?x=1")), "/b/demo/orders?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/b/x\\y")), "/");
    }

    #[test]
    fn the_client_is_the_address_the_trusted_proxy_added() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(forwarded_for(&h, 1), ip("1.2.3.4"));
        assert_eq!(forwarded_for(&h, 2), ip("6.6.6.6"));
        assert_eq!(
            forwarded_for(&h, 3),
            ip("6.6.6.6"),
            "fewer entries than hops"
        );
        h.append("x-forwarded-for", "9.9.9.9".parse().unwrap());
        assert_eq!(forwarded_for(&h, 1), ip("9.9.9.9"), "a second header line");
        assert_eq!(forwarded_for(&HeaderMap::new(), 1), None);
    }

    #[test]
    fn login_url_carries_next() {
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("/b/x?a=1"), "/login?next=%2Fb%2Fx%3Fa%3D1");
    }
}
