//! Which addresses a shop owner may make Novi send to: public ones only. A gateway URL saved by
//! an owner is checked after DNS resolution when saved, and again on every connection by a
//! resolver that refuses private answers, so a name that later points inward reaches nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address was refused, as an owner reads it beside the field.
pub const NOT_PUBLIC: &str = "points at a private, loopback, link-local or metadata address; \
     only the platform's administrator (or `novi whatsapp configure` on the server) can set such an address";

/// True for addresses anyone on the internet could reach: not loopback, private, link-local
/// (cloud metadata lives at 169.254.169.254), shared, multicast, documentation or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_unspecified()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT, some metadata)
        || (a == 192 && b == 0 && c == 0) // protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240; // reserved
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address inside it.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let special = ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local (fd00:ec2::254 is a metadata address)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed inward)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0]; // IPv4-compatible and other reserved forms
    !special
}

/// The host and port a URL names, or a readable reason it has none.
fn host_port(url: &str) -> Result<(String, u16), String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "is not a valid URL".to_owned())?;
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| "has no port".to_owned())?;
    // An IPv6 literal comes bracketed ("[::1]"); lookups want it bare.
    let host = parsed
        .host_str()
        .ok_or_else(|| "has no host".to_owned())?
        .trim_start_matches('[')
        .trim_end_matches(']');
    Ok((host.to_owned(), port))
}

const NOT_FOUND: &str = "could not be found (DNS)";
const LOOKUP_TIMED_OUT: &str = "could not be looked up in time";

/// Whether a refusal only says the name could not be looked up (offline, DNS down), which
/// is no verdict on the address.
pub fn is_lookup_failure(why: &str) -> bool {
    why == NOT_FOUND || why == LOOKUP_TIMED_OUT
}

/// Resolves `host` and refuses unless every address it has is public.
async fn public_addrs(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let lookup = tokio::net::lookup_host((host, port));
    let found = tokio::time::timeout(Duration::from_secs(5), lookup)
        .await
        .map_err(|_| LOOKUP_TIMED_OUT.to_owned())?
        .map_err(|_| NOT_FOUND.to_owned())?;
    let addrs: Vec<SocketAddr> = found.collect();
    if addrs.is_empty() {
        return Err(NOT_FOUND.to_owned());
    }
    if addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(NOT_PUBLIC.to_owned());
    }
    Ok(addrs)
}

/// Refuses a URL unless its host, once resolved, has only public addresses. The message
/// completes "The gateway URL …".
pub async fn check_public(url: &str) -> Result<(), String> {
    let (host, port) = host_port(url)?;
    public_addrs(&host, port).await.map(|_| ())
}

/// A DNS resolver that answers only with public addresses, for the client that sends to
/// owner-chosen URLs: the check and the connection use the same answer.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = public_addrs(&host, 0).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// An HTTP client that reaches public addresses only: its resolver refuses private answers,
/// it follows no redirects (a redirect could lead inward) and uses no proxy from the
/// environment. Hosts written as IP addresses skip DNS: check those with [`check_public`].
pub fn public_client(timeout: Duration, connect_timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly))
        .build()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn inward_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::7f00:1",
        ] {
            assert!(!is_public(ip(s)), "{s}");
        }
    }

    #[test]
    fn internet_addresses_are_public() {
        for s in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(s)), "{s}");
        }
    }

    #[tokio::test]
    async fn names_and_literals_are_checked_after_resolution() {
        assert_eq!(
            check_public("http://127.0.0.1:3000").await,
            Err(NOT_PUBLIC.into())
        );
        assert_eq!(
            check_public("http://[::1]:3000/api").await,
            Err(NOT_PUBLIC.into())
        );
        assert_eq!(
            check_public("http://localhost:3000").await,
            Err(NOT_PUBLIC.into())
        );
        assert!(check_public("not a url").await.is_err());
    }
}
