//! The HTTP edge besides the JSON API: the owner-facing pages (maud), the webhook endpoints,
//! health checks, live updates, embedded assets, and the small helpers pages share.

pub mod admin;
pub mod assets;
pub mod conversations;
pub mod cookie;
pub mod csrf;
pub mod customers;
pub mod dashboard;
mod error;
pub mod extract;
pub mod format;
pub mod health;
pub mod layout;
pub mod live;
pub mod login;
pub mod orders;
pub mod products;
pub mod settings;
pub mod setup;
pub mod simulator;
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

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when configured
/// to trust a proxy.
pub fn client_addr(config: &Config, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if config.trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(addr) = forwarded {
            return addr;
        }
    }
    peer.ip()
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
    fn login_url_carries_next() {
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("/b/x?a=1"), "/login?next=%2Fb%2Fx%3Fa%3D1");
    }
}
