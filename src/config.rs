//! Settings for `novi serve`. Each comes from its flag, else its `NOVI_*` environment variable
//! (clap reads both), else the settings file (`--config`, else `novi.toml` in the data
//! directory), else a built-in default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

pub const CONFIG_FILE: &str = "novi.toml";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Let's Encrypt's production ACME directory: where `--https` gets its certificate by default.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";
pub const DEFAULT_HTTPS_LISTEN: &str = "0.0.0.0:443";
pub const DEFAULT_HTTP_LISTEN: &str = "0.0.0.0:80";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// What `novi serve` runs with, once every source has been merged.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub log_format: LogFormat,
    /// Served over HTTPS (directly or by a proxy): cookies get the `Secure` flag.
    pub behind_https: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// How many proxies in front of Novi append to `X-Forwarded-For`; the client is the
    /// address the outermost of them added, counted from the right.
    pub trusted_proxy_hops: u32,
    /// The address people reach Novi at, for links Novi prints (setup link).
    pub public_url: Option<String>,
    pub session_hours: u32,
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub login_window_minutes: u32,
    /// The first retry of a failed send, or probe of a link found down, waits this long; each
    /// further one twice as long.
    pub outbox_retry_base_ms: u64,
    /// Tries before a message WhatsApp keeps answering "not now" is marked failed. An
    /// unreachable WhatsApp counts no tries: its replies wait for the link.
    pub outbox_max_attempts: u32,
    /// Seconds in which a status change made on the order page can be undone; the messages
    /// it sends wait that long. 0 sends them at once and offers no undo.
    pub undo_seconds: u32,
    /// Messages sent to one person at once, then one per interval.
    pub recipient_burst: u32,
    pub recipient_interval_ms: u64,
    /// The machine's local time of day for the daily backup into `backups/`; `None` is off.
    pub backup_time: Option<chrono::NaiveTime>,
    /// Scheduled backups kept: the newest of each of this many days, and of this many weeks.
    pub backup_keep_daily: u32,
    pub backup_keep_weekly: u32,
    /// `/metrics` is served (Prometheus text format); off by default.
    pub metrics: bool,
    /// With it, `/metrics` asks for `Authorization: Bearer <token>` from anywhere; without
    /// it, only clients on this machine may read it.
    pub metrics_token: Option<String>,
    /// `--https DOMAIN`: Novi serves HTTPS itself with a certificate it gets by ACME.
    pub https: Option<Https>,
    /// Where Razorpay's REST API is; `None` is Razorpay's own (`razorpay::API`). Set in
    /// `novi.toml` only, for a test double or a proxy.
    pub razorpay_api: Option<String>,
}

/// How `novi serve --https` gets its certificate and where it listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Https {
    pub domain: String,
    /// The ACME server's directory URL (Let's Encrypt's production one unless set).
    pub acme_directory: String,
    /// A contact address for the ACME account (expiry warnings), if given.
    pub acme_email: Option<String>,
    /// A PEM file of extra roots to trust for the ACME server's own HTTPS (a private or test CA).
    pub acme_ca_root: Option<PathBuf>,
    pub https_listen: SocketAddr,
    /// Plain HTTP, answered only with a redirect to HTTPS.
    pub http_listen: SocketAddr,
}

/// The optional `novi.toml`. Unknown keys are refused so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub log_format: Option<LogFormat>,
    pub behind_https: Option<bool>,
    pub trust_forwarded_for: Option<bool>,
    pub trusted_proxy_hops: Option<u32>,
    pub public_url: Option<String>,
    pub session_hours: Option<u32>,
    pub login_failures_per_account: Option<u32>,
    pub login_failures_per_address: Option<u32>,
    pub login_window_minutes: Option<u32>,
    pub outbox_retry_base_ms: Option<u64>,
    pub undo_seconds: Option<u32>,
    pub outbox_max_attempts: Option<u32>,
    pub recipient_burst: Option<u32>,
    pub recipient_interval_ms: Option<u64>,
    pub backup_time: Option<String>,
    pub backup_keep_daily: Option<u32>,
    pub backup_keep_weekly: Option<u32>,
    pub metrics: Option<bool>,
    pub metrics_token: Option<String>,
    pub https: Option<String>,
    pub acme_directory: Option<String>,
    pub acme_email: Option<String>,
    pub acme_ca_root: Option<PathBuf>,
    pub https_listen: Option<String>,
    pub http_listen: Option<String>,
    pub razorpay_api: Option<String>,
}

/// What flags and environment gave (`None` where neither did).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub log_format: Option<LogFormat>,
    pub behind_https: bool,
    pub trust_forwarded_for: bool,
    pub trusted_proxy_hops: Option<u32>,
    pub public_url: Option<String>,
    pub session_hours: Option<u32>,
    pub metrics: bool,
    pub metrics_token: Option<String>,
    pub https: Option<String>,
    pub acme_directory: Option<String>,
    pub acme_email: Option<String>,
    pub acme_ca_root: Option<PathBuf>,
    pub https_listen: Option<String>,
    pub http_listen: Option<String>,
}

impl FileConfig {
    /// `novi.toml` in the data directory, or nothing when there is none.
    pub fn load(data_dir: &Path) -> anyhow::Result<Self> {
        Self::load_from(data_dir, None)
    }

    /// The file `--config` (`NOVI_CONFIG`) names, else `novi.toml` in the data directory. A
    /// named file must exist: a packaged service pointed at a missing one should not quietly
    /// run on defaults.
    pub fn load_from(data_dir: &Path, file: Option<&Path>) -> anyhow::Result<Self> {
        let path = file.map_or_else(|| data_dir.join(CONFIG_FILE), Path::to_path_buf);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.message())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => {
                Ok(Self::default())
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

impl Config {
    pub fn resolve(
        data_dir: PathBuf,
        mut o: Overrides,
        mut file: FileConfig,
    ) -> anyhow::Result<Self> {
        let listen = socket_addr(
            "listen",
            o.listen.take().or(file.listen.take()),
            DEFAULT_LISTEN,
        )?;
        let https = Https::resolve(&mut o, &mut file)?;
        let session_hours = o.session_hours.or(file.session_hours).unwrap_or(24 * 7);
        if session_hours == 0 {
            anyhow::bail!("session_hours must be at least 1");
        }
        let trusted_proxy_hops = o
            .trusted_proxy_hops
            .or(file.trusted_proxy_hops)
            .unwrap_or(1);
        if trusted_proxy_hops == 0 {
            anyhow::bail!("trusted_proxy_hops must be at least 1");
        }
        Ok(Self {
            data_dir,
            listen,
            log_format: o
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Pretty),
            behind_https: o.behind_https || file.behind_https.unwrap_or(false) || https.is_some(),
            trust_forwarded_for: o.trust_forwarded_for || file.trust_forwarded_for.unwrap_or(false),
            trusted_proxy_hops,
            public_url: o
                .public_url
                .or(file.public_url)
                .or_else(|| https.as_ref().map(Https::url))
                .map(|u| u.trim_end_matches('/').to_owned()),
            session_hours,
            login_failures_per_account: file.login_failures_per_account.unwrap_or(5).max(1),
            login_failures_per_address: file.login_failures_per_address.unwrap_or(20).max(1),
            login_window_minutes: file.login_window_minutes.unwrap_or(15).max(1),
            outbox_retry_base_ms: file.outbox_retry_base_ms.unwrap_or(2_000).max(1),
            outbox_max_attempts: file.outbox_max_attempts.unwrap_or(10).max(1),
            undo_seconds: file.undo_seconds.unwrap_or(60).min(600),
            recipient_burst: file.recipient_burst.unwrap_or(5).max(1),
            recipient_interval_ms: file.recipient_interval_ms.unwrap_or(6_000).max(1),
            backup_time: backup_time(file.backup_time.as_deref())?,
            backup_keep_daily: file.backup_keep_daily.unwrap_or(7),
            backup_keep_weekly: file.backup_keep_weekly.unwrap_or(4),
            metrics: o.metrics || file.metrics.unwrap_or(false),
            metrics_token: metrics_token(o.metrics_token.or(file.metrics_token))?,
            https,
            razorpay_api: file
                .razorpay_api
                .map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// How long a login lasts, in seconds.
    pub fn session_secs(&self) -> i64 {
        i64::from(self.session_hours) * 3600
    }

    /// Defaults for a data directory, as tests and tools use it.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self::resolve(data_dir, Overrides::default(), FileConfig::default())
            .expect("the defaults are valid")
    }

    /// The base URL people use to reach this server, listening on `bound` (which differs from
    /// `listen` when port 0 asked the system to pick one).
    pub fn base_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }
}

impl Https {
    /// The HTTPS settings when a domain was given by flag, environment or file; else `None`.
    fn resolve(o: &mut Overrides, file: &mut FileConfig) -> anyhow::Result<Option<Self>> {
        let Some(domain) = o.https.take().or(file.https.take()) else {
            return Ok(None);
        };
        let domain = domain_name(&domain)?;
        let acme_email = o.acme_email.take().or(file.acme_email.take());
        if let Some(email) = &acme_email {
            if !email.contains('@') || email.contains(char::is_whitespace) {
                anyhow::bail!("acme_email \"{email}\" is not an email address");
            }
        }
        let acme_directory = o.acme_directory.take().or(file.acme_directory.take());
        let acme_directory = acme_directory.unwrap_or_else(|| LETS_ENCRYPT.to_owned());
        if !acme_directory.starts_with("https://") {
            anyhow::bail!("acme_directory \"{acme_directory}\" is not an https:// URL");
        }
        let https_listen = o.https_listen.take().or(file.https_listen.take());
        let http_listen = o.http_listen.take().or(file.http_listen.take());
        Ok(Some(Self {
            domain,
            acme_directory,
            acme_email,
            acme_ca_root: o.acme_ca_root.take().or(file.acme_ca_root.take()),
            https_listen: socket_addr("https_listen", https_listen, DEFAULT_HTTPS_LISTEN)?,
            http_listen: socket_addr("http_listen", http_listen, DEFAULT_HTTP_LISTEN)?,
        }))
    }

    /// `https://DOMAIN`, with the port when it is not 443.
    pub fn url(&self) -> String {
        match self.https_listen.port() {
            443 => format!("https://{}", self.domain),
            port => format!("https://{}:{port}", self.domain),
        }
    }
}

/// A domain a certificate can be issued for: letters, digits and dashes in dot-separated labels,
/// lowercased. A URL, an address or a wildcard is refused with what was wrong.
fn domain_name(text: &str) -> anyhow::Result<String> {
    let domain = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let is_ip = domain.parse::<std::net::IpAddr>().is_ok();
    if domain.len() > 253 || is_ip || !domain.split('.').all(label_ok) {
        anyhow::bail!("--https wants a domain name such as shop.example.com, not \"{text}\"");
    }
    Ok(domain)
}

/// An `IP:PORT` setting named `key`, or `default` when not given.
fn socket_addr(key: &str, text: Option<String>, default: &str) -> anyhow::Result<SocketAddr> {
    let text = text.unwrap_or_else(|| default.to_owned());
    text.parse()
        .map_err(|_| anyhow::anyhow!("{key} address \"{text}\" is not of the form IP:PORT"))
}

/// `backup_time`: "HH:MM", or "off"; 03:00 when not set.
fn backup_time(text: Option<&str>) -> anyhow::Result<Option<chrono::NaiveTime>> {
    match text.map(str::trim) {
        None => Ok(chrono::NaiveTime::from_hms_opt(3, 0, 0)),
        Some("off") => Ok(None),
        Some(t) => chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .map(Some)
            .map_err(|_| {
                anyhow::anyhow!("backup_time \"{t}\" is not a time like \"03:00\" (or \"off\")")
            }),
    }
}

/// Shorter tokens could be guessed by whoever can reach the port.
const MIN_METRICS_TOKEN: usize = 16;

/// `metrics_token`: unset, or at least 16 characters.
fn metrics_token(token: Option<String>) -> anyhow::Result<Option<String>> {
    match token.map(|t| t.trim().to_owned()) {
        Some(t) if t.chars().count() < MIN_METRICS_TOKEN => anyhow::bail!(
            "metrics_token must be at least {MIN_METRICS_TOKEN} characters (try `openssl rand -hex 24`)"
        ),
        t => Ok(t),
    }
}

/// A complete, commented `novi.toml`: what `novi config print` shows.
pub const EXAMPLE: &str = r#"# novi.toml: optional settings for `novi serve`, read from the data directory.
# Every key can also be given as a flag or a NOVI_* environment variable; those win over this file.

# Address and port to listen on (--listen, NOVI_LISTEN).
# Use 0.0.0.0:8080 to accept connections from other machines on the network.
listen = "127.0.0.1:8080"

# Log lines as "pretty" text or "json", one object per line (--log-format, NOVI_LOG_FORMAT).
log_format = "pretty"

# Set when people reach Novi over HTTPS, directly or through a proxy such as Caddy or nginx.
# Session cookies then carry the Secure flag (--behind-https, NOVI_BEHIND_HTTPS).
behind_https = false

# Take the client address from X-Forwarded-For. Only set this behind a proxy that sets that
# header, or clients could dodge the login rate limit (--trust-forwarded-for, NOVI_TRUST_FORWARDED_FOR).
trust_forwarded_for = false

# With trust_forwarded_for: how many proxies in front of Novi each append an address to
# X-Forwarded-For. The client is the address the outermost of them added, counted from the
# right; entries further left come from the client and are ignored. 1 for a single Caddy or
# nginx; 2 for a CDN in front of nginx (--trusted-proxy-hops, NOVI_TRUSTED_PROXY_HOPS).
trusted_proxy_hops = 1

# The address people open Novi at, used in links Novi prints, such as the first-run setup link
# (--public-url, NOVI_PUBLIC_URL).
# public_url = "https://shop.example.com"

# Serve HTTPS directly, without Caddy or nginx: Novi gets a certificate for this domain from
# Let's Encrypt by ACME and renews it by itself, listens on https_listen and redirects plain
# HTTP on http_listen to HTTPS. The domain's DNS must point at this machine, and ports 80 and
# 443 must be reachable from the internet. Cookies are then Secure, and public_url defaults to
# https://DOMAIN. Account key and certificate are kept in acme/ in the data directory
# (--https, NOVI_HTTPS; and --https-listen, --http-listen, --acme-email, --acme-directory,
# --acme-ca-root with their NOVI_* variables).
# https = "shop.example.com"
# https_listen = "0.0.0.0:443"
# http_listen = "0.0.0.0:80"
# An address Let's Encrypt may write to about the certificate (expiry warnings).
# acme_email = "owner@example.com"
# Another ACME server, and a PEM file of roots to trust for its own HTTPS (a private CA).
# acme_directory = "https://acme-v02.api.letsencrypt.org/directory"
# acme_ca_root = "/etc/novi/acme-ca.pem"

# How long a login lasts before the user must log in again (--session-hours, NOVI_SESSION_HOURS).
session_hours = 168

# Failed logins allowed per account, and per client address, within the window below.
# Past that, logins are refused until the window has passed.
login_failures_per_account = 5
login_failures_per_address = 20
login_window_minutes = 15

# WhatsApp sending. A send WhatsApp answers "not now" (its throughput limits) is retried after
# outbox_retry_base_ms, then twice as long each time (at most 10 minutes apart, with some
# jitter), up to outbox_max_attempts tries. When WhatsApp can't be reached at all (network,
# provider or link down) replies wait with no limit, and the link is probed after
# outbox_retry_base_ms, then twice as long each time, at most a minute apart. The rate per business number is set per business
# (Settings -> WhatsApp, default 20 a second).
outbox_retry_base_ms = 2000
outbox_max_attempts = 10

# A status change made on the order page can be undone for undo_seconds (at most 600); the
# customer's message about it waits that long, so an undone change is never sent. 0 sends at once.
undo_seconds = 60

# WhatsApp asks for about one message every 6 seconds to one person, with short bursts allowed.
recipient_burst = 5
recipient_interval_ms = 6000

# A backup is made every day at this time (the machine's local time, 24-hour "HH:MM") into the
# backups folder of the data directory, while Novi runs; "off" turns scheduled backups off.
backup_time = "03:00"

# Scheduled backups kept: the newest of each of the last backup_keep_daily days, and the newest
# of each of the last backup_keep_weekly weeks. Older ones are deleted after each new backup.
backup_keep_daily = 7
backup_keep_weekly = 4

# Serve /metrics in Prometheus text format (--metrics, NOVI_METRICS). Off by default. With a
# metrics_token, a scraper must send "Authorization: Bearer <token>" (from anywhere); without
# one, only clients on this machine (loopback, no proxy in between) may read it. The token is at
# least 16 characters (--metrics-token, NOVI_METRICS_TOKEN).
metrics = false
# metrics_token = "a-long-random-string"

# Razorpay's REST API (orders for Checkout, Payment Links, refunds). Leave it unset to use
# Razorpay's own; set it only to reach Razorpay through a proxy or a test double.
# razorpay_api = "https://api.razorpay.com"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packaged_config_is_the_example_under_its_own_header() {
        let packaged = include_str!("../packaging/deb/config.toml");
        let body = |text: &'static str| -> Vec<&'static str> {
            text.lines().skip_while(|l| l.starts_with('#')).collect()
        };
        assert_eq!(
            body(packaged),
            body(EXAMPLE),
            "packaging/deb/config.toml is /etc/novi/config.toml in the .deb: keep it the same \
             as `novi config print` below its first comment lines"
        );
    }

    #[test]
    fn example_parses_and_matches_defaults() {
        let file: FileConfig = toml::from_str(EXAMPLE).unwrap();
        let from_file = Config::resolve("d".into(), Overrides::default(), file).unwrap();
        let defaults = Config::for_data_dir("d".into());
        assert_eq!(from_file.listen, defaults.listen);
        assert_eq!(from_file.session_hours, defaults.session_hours);
        assert_eq!(
            from_file.login_failures_per_account,
            defaults.login_failures_per_account
        );
    }

    #[test]
    fn flags_win_over_file() {
        let file = FileConfig {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let o = Overrides {
            listen: Some("127.0.0.1:2".into()),
            ..Default::default()
        };
        let c = Config::resolve("d".into(), o, file).unwrap();
        assert_eq!(c.listen.port(), 2);
    }

    #[test]
    fn bad_values_are_refused() {
        let o = Overrides {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        assert!(Config::resolve("d".into(), o, FileConfig::default()).is_err());
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
        let no_hops = FileConfig {
            trusted_proxy_hops: Some(0),
            ..Default::default()
        };
        assert!(Config::resolve("d".into(), Overrides::default(), no_hops).is_err());
        let bad_time = FileConfig {
            backup_time: Some("25:00".into()),
            ..Default::default()
        };
        assert!(Config::resolve("d".into(), Overrides::default(), bad_time).is_err());
    }

    #[test]
    fn metrics_are_off_unless_turned_on_and_a_short_token_is_refused() {
        let c = Config::for_data_dir("d".into());
        assert!(!c.metrics && c.metrics_token.is_none());
        let on: FileConfig = toml::from_str("metrics = true").unwrap();
        assert!(
            Config::resolve("d".into(), Overrides::default(), on)
                .unwrap()
                .metrics
        );
        let short = Overrides {
            metrics_token: Some("short".into()),
            ..Default::default()
        };
        let err = Config::resolve("d".into(), short, FileConfig::default()).unwrap_err();
        assert!(err.to_string().contains("at least 16"), "{err}");
    }

    #[test]
    fn https_makes_cookies_secure_and_the_public_url_https() {
        let c = Config::for_data_dir("d".into());
        assert_eq!(c.https, None);
        let file: FileConfig = toml::from_str("https = \"Shop.Example.com\"").unwrap();
        let c = Config::resolve("d".into(), Overrides::default(), file).unwrap();
        let https = c.https.clone().unwrap();
        assert_eq!(https.domain, "shop.example.com");
        assert_eq!(https.acme_directory, LETS_ENCRYPT);
        assert_eq!(https.https_listen.to_string(), "0.0.0.0:443");
        assert_eq!(https.http_listen.to_string(), "0.0.0.0:80");
        assert!(c.behind_https);
        assert_eq!(c.public_url.as_deref(), Some("https://shop.example.com"));
        let o = Overrides {
            https: Some("localhost".into()),
            https_listen: Some("127.0.0.1:8443".into()),
            ..Default::default()
        };
        let c = Config::resolve("d".into(), o, FileConfig::default()).unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://localhost:8443"));
    }

    #[test]
    fn https_refuses_what_is_no_domain() {
        for bad in [
            "https://shop.example.com",
            "203.0.113.5",
            "*.example.com",
            "a..b",
            "",
        ] {
            let o = Overrides {
                https: Some(bad.into()),
                ..Default::default()
            };
            let e = Config::resolve("d".into(), o, FileConfig::default()).unwrap_err();
            assert!(e.to_string().contains("domain name"), "{bad}: {e}");
        }
        let o = Overrides {
            https: Some("shop.example.com".into()),
            acme_directory: Some("http://acme.test/dir".into()),
            ..Default::default()
        };
        assert!(Config::resolve("d".into(), o, FileConfig::default()).is_err());
    }

    #[test]
    fn backups_run_daily_at_three_unless_set_or_off() {
        let c = Config::for_data_dir("d".into());
        assert_eq!(c.backup_time.unwrap().to_string(), "03:00:00");
        assert_eq!((c.backup_keep_daily, c.backup_keep_weekly), (7, 4));
        let off: FileConfig = toml::from_str("backup_time = \"off\"").unwrap();
        let c = Config::resolve("d".into(), Overrides::default(), off).unwrap();
        assert_eq!(c.backup_time, None);
    }
}
