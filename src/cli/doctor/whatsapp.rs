//! `novi doctor`'s WhatsApp and clock checks: each business's connection, tried for real where
//! a provider can be called, one line each; the system year; and, when a provider answered, the
//! clock against the provider's own.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use futures_util::{stream, StreamExt};
use rusqlite::{Connection, OpenFlags};

use super::{check, Check, Level};
use crate::accounts::businesses;
use crate::db::DB_FILE;
use crate::whatsapp::linked::state::{self as link_state, Link, State};
use crate::whatsapp::probe::{self, Probe};
use crate::whatsapp::settings::{self, Provider, WhatsappSettings};

/// How long one provider may take to answer.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Providers called at once.
const AT_ONCE: usize = 8;
/// Clocks further apart than this are worth fixing: webhooks and backups carry times.
const MAX_SKEW_SECS: i64 = 120;
/// A clock before this year has been reset (a dead RTC battery, no NTP).
const FIRST_YEAR: i32 = 2025;

/// A business as the checks need it.
struct Shop {
    code: String,
    settings: WhatsappSettings,
    link: Option<Link>,
}

pub(super) fn checks(dir: &Path) -> Vec<Check> {
    let mut out = vec![year(Utc::now())];
    if !dir.join(DB_FILE).exists() {
        return out;
    }
    let shops = match read(dir) {
        Ok(s) => s,
        Err(e) => {
            // The `database` check above says why in full; this one only that it could not run.
            let why = format!(
                "not checked: the WhatsApp settings cannot be read ({})",
                first_line(&e)
            );
            out.push(check(Level::Warn, "whatsapp", why));
            return out;
        }
    };
    let probes = call_providers(&shops);
    let mut answered = Vec::new();
    for (shop, probe) in shops.iter().zip(probes) {
        if let Some(date) = probe.as_ref().and_then(|p| p.date) {
            answered.push((shop.code.clone(), date));
        }
        out.push(connection(shop, probe));
    }
    out.extend(skew(Utc::now(), &answered));
    out
}

/// Every business's settings (and link, for a linked phone), read without writing anything.
/// The first of an error's causes, in its own words.
fn first_line(e: &anyhow::Error) -> String {
    e.chain()
        .last()
        .map_or_else(|| e.to_string(), ToString::to_string)
}

fn read(dir: &Path) -> anyhow::Result<Vec<Shop>> {
    let conn = Connection::open_with_flags(dir.join(DB_FILE), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // SQLite's own words ("database disk image is malformed"), not the server's "something
    // went wrong on our side": the admin reading this can act on them.
    let said = |e: crate::error::AppError| match e {
        crate::error::AppError::Internal(inner) => inner,
        other => anyhow::anyhow!(other.to_string()),
    };
    let mut shops = Vec::new();
    for b in businesses::list(&conn).map_err(said)? {
        let settings = settings::load(&conn, b.id).map_err(said)?;
        let link = match settings.provider {
            Provider::Linked => Some(link_state::load(&conn, b.id).map_err(said)?),
            _ => None,
        };
        shops.push(Shop {
            code: b.short_code,
            settings,
            link,
        });
    }
    Ok(shops)
}

/// Calls each shop's provider, a few at a time, in the shops' order.
fn call_providers(shops: &[Shop]) -> Vec<Option<Probe>> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let why = format!("cannot start the HTTP client: {e}");
            return shops.iter().map(|_| Some(unanswered(&why))).collect();
        }
    };
    let calls = shops.iter().map(|s| probe::probe(&s.settings, TIMEOUT));
    runtime.block_on(stream::iter(calls).buffered(AT_ONCE).collect())
}

fn unanswered(why: &str) -> Probe {
    Probe {
        result: Err(why.to_owned()),
        date: None,
    }
}

/// One line for one business: what its provider said, or how its linked phone stands.
fn connection(shop: &Shop, probe: Option<Probe>) -> Check {
    let code = &shop.code;
    let (level, detail) = match (shop.settings.provider, probe, &shop.link) {
        (
            _,
            Some(Probe {
                result: Err(why), ..
            }),
            _,
        ) => (Level::Fail, why),
        (
            _,
            Some(Probe {
                result: Ok(what), ..
            }),
            _,
        ) => match &shop.settings.paused_reason {
            Some(reason) => (
                Level::Warn,
                format!(
                    "{what}, but sending is paused: {reason} (save Settings → WhatsApp to resume)"
                ),
            ),
            None => (Level::Ok, what),
        },
        (Provider::Linked, None, Some(link)) => linked(link),
        (Provider::Linked, None, None) => (Level::Warn, "linked phone: no link state".to_owned()),
        (_, None, _) => (Level::Ok, "simulator: nothing to reach".to_owned()),
    };
    check(level, "whatsapp", format!("{code}: {detail}"))
}

fn linked(link: &Link) -> (Level, String) {
    let phone = if link.phone.is_empty() {
        String::new()
    } else {
        format!(" +{}", link.phone)
    };
    let reason = if link.reason.is_empty() {
        String::new()
    } else {
        format!(" ({})", link.reason)
    };
    match link.state {
        State::Connected => (Level::Ok, format!("linked phone{phone} connected")),
        State::Connecting => (
            Level::Warn,
            format!("linked phone{phone} connecting{reason}"),
        ),
        State::NotLinked => (
            Level::Warn,
            "linked phone not linked yet: link it in Settings → WhatsApp".to_owned(),
        ),
        State::LoggedOut => (
            Level::Fail,
            format!("linked phone{phone} logged out{reason}: link it again in Settings → WhatsApp"),
        ),
    }
}

/// A clock before [`FIRST_YEAR`] (or absurdly far ahead) has lost its time.
fn year(now: DateTime<Utc>) -> Check {
    let y = now.year();
    if (FIRST_YEAR..2100).contains(&y) {
        return check(Level::Ok, "system year", y.to_string());
    }
    let day = now.format("%Y-%m-%d");
    check(
        Level::Warn,
        "system year",
        format!("the clock says {day}: set it (NTP); orders and backups are stamped with it"),
    )
}

/// The clock against the furthest-off provider that answered; no line when none did.
fn skew(now: DateTime<Utc>, answered: &[(String, DateTime<Utc>)]) -> Option<Check> {
    let (code, theirs) = answered
        .iter()
        .max_by_key(|(_, d)| (now - *d).num_seconds().abs())?;
    let off = (now - *theirs).num_seconds();
    let side = if off > 0 { "ahead of" } else { "behind" };
    let detail = format!(
        "{} s {side} the clock of {code}'s WhatsApp provider",
        off.abs()
    );
    if off.abs() > MAX_SKEW_SECS {
        return Some(check(
            Level::Warn,
            "provider clock",
            format!("{detail}: set this machine's clock (NTP)"),
        ));
    }
    Some(check(Level::Ok, "provider clock", detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_off_by_more_than_two_minutes_is_warned_about() {
        let now = Utc::now();
        let near = [("a".to_owned(), now - chrono::Duration::seconds(30))];
        assert_eq!(skew(now, &near).unwrap().level, Level::Ok);
        let far = [
            ("a".to_owned(), now),
            ("b".to_owned(), now + chrono::Duration::seconds(300)),
        ];
        let warned = skew(now, &far).unwrap();
        assert_eq!(warned.level, Level::Warn);
        assert!(
            warned.detail.contains("300 s behind the clock of b's"),
            "{}",
            warned.detail
        );
        assert!(skew(now, &[]).is_none());
    }

    #[test]
    fn a_reset_clock_is_warned_about() {
        assert_eq!(year(Utc::now()).level, Level::Ok);
        let reset = DateTime::from_timestamp(0, 0).unwrap();
        let warned = year(reset);
        assert_eq!(warned.level, Level::Warn);
        assert!(warned.detail.contains("1970-01-01"), "{}", warned.detail);
    }
}
