//! The console's overview figures: the system (uptime, version, memory, database and WAL,
//! free disk, backlogs, webhooks per minute, errors in the last hour), reusing what
//! `/metrics` reads, and each business's bot.

use maud::{html, Markup};

use crate::accounts::businesses::{self, Business};
use crate::error::AppResult;
use crate::telemetry::metrics::free_disk_bytes;
use crate::web::audit::utc;
use crate::web::format::{self, thousands};
use crate::whatsapp::status::{self, BotStatus};
use crate::AppState;

/// The window webhooks per minute are averaged over.
pub const WEBHOOK_MINUTES: i64 = 5;

/// The system's figures at one moment.
#[derive(Debug, Clone)]
pub struct Figures {
    pub uptime_secs: u64,
    pub version: &'static str,
    pub resident_bytes: u64,
    pub database_bytes: u64,
    pub wal_bytes: u64,
    pub disk_free_bytes: Option<u64>,
    pub inbound_backlog: i64,
    pub outbound_backlog: i64,
    /// Webhooks stored in the last `WEBHOOK_MINUTES` minutes.
    pub webhooks_recent: u64,
    pub errors_last_hour: u64,
}

pub async fn gather(state: &AppState) -> AppResult<Figures> {
    let levels = crate::web::metrics::levels(state).await?;
    let m = &state.bridge.metrics;
    Ok(Figures {
        uptime_secs: m.uptime_secs(),
        version: env!("CARGO_PKG_VERSION"),
        resident_bytes: levels.resident_bytes,
        database_bytes: levels.database_bytes,
        wal_bytes: levels.wal_bytes,
        disk_free_bytes: free_disk_bytes(&state.config.data_dir),
        inbound_backlog: levels.inbound_backlog,
        outbound_backlog: levels.outbound_backlog.iter().map(|(_, n)| n).sum(),
        webhooks_recent: m.webhooks_last(WEBHOOK_MINUTES),
        errors_last_hour: m.errors_last_hour(),
    })
}

/// Bytes in MB to a tenth, with separators like the counts beside them: "5,439.3 MB".
fn megabytes(bytes: u64) -> String {
    const MB: u128 = 1 << 20;
    // In integers, rounded half up: a float would print a large disk's figure to its own taste.
    let tenths = (u128::from(bytes) * 10 + MB / 2) / MB;
    let whole = i64::try_from(tenths / 10).unwrap_or(i64::MAX);
    format!("{}.{} MB", format::thousands(whole), tenths % 10)
}

pub fn figures(f: &Figures) -> Markup {
    let per_minute = f.webhooks_recent as f64 / WEBHOOK_MINUTES as f64;
    let uptime_ms = i64::try_from(f.uptime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    html! {
        dl.system {
            dt { "Up for" } dd #uptime { (format::duration(uptime_ms)) }
            dt { "Version" } dd #version { (f.version) }
            dt { "Memory (resident)" } dd #memory { (megabytes(f.resident_bytes)) }
            dt { "Database" } dd #database { (megabytes(f.database_bytes)) }
            dt { "Write-ahead log" } dd #wal { (megabytes(f.wal_bytes)) }
            dt { "Disk free" } dd #disk {
                @match f.disk_free_bytes { Some(b) => (megabytes(b)), None => "unknown" }
            }
            dt { "Messages to read" } dd #inbound { (thousands(f.inbound_backlog)) }
            dt { "Messages to send" } dd #outbound { (thousands(f.outbound_backlog)) }
            dt { "Webhooks per minute" } dd #webhooks {
                (format!("{per_minute:.1}")) " (" (f.webhooks_recent) " in the last " (WEBHOOK_MINUTES) " min)"
            }
            dt { "Errors in the last hour" } dd #errors { (f.errors_last_hour) }
        }
    }
}

/// Each business with its bot's status.
pub async fn bots(state: &AppState) -> AppResult<Vec<(Business, BotStatus)>> {
    let links = state.bridge.links.clone();
    state
        .db
        .read(move |c| {
            let mut out = Vec::new();
            for b in businesses::list(c)? {
                let day_start = day_start(&b);
                let s = status::of(c, &links, b.id, day_start)?;
                out.push((b, s));
            }
            Ok(out)
        })
        .await
}

/// When the shop's day began, on its own clock.
fn day_start(b: &Business) -> i64 {
    let now = chrono::Utc::now().with_timezone(&b.offset());
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(b.offset()).single())
        .map_or(now.timestamp(), |t| t.timestamp())
}

pub fn bot_table(bots: &[(Business, BotStatus)]) -> Markup {
    let when = |t: Option<i64>| t.map_or_else(|| "never".to_owned(), utc);
    html! {
        @if bots.is_empty() { p.empty { "No businesses yet." } }
        @else {
            table.stacked.bots {
                thead { tr {
                    th { "Business" } th { "Provider" } th { "Connection" } th { "Last in (UTC)" }
                    th { "Last sent (UTC)" } th.num { "To send" } th.num { "Failed today" }
                } }
                tbody {
                    @for (b, s) in bots {
                        tr {
                            td data-label="Business" {
                                a href={ "/b/" (b.short_code) "/" } { (b.name) } " " code { (b.short_code) }
                                @if !b.active() { " " span.badge.off { "deactivated" } }
                            }
                            td data-label="Provider" { (s.provider.as_str()) }
                            td data-label="Connection" {
                                span.badge.off[!s.connected] { (s.connection) }
                            }
                            td data-label="Last in (UTC)" { (when(s.last_in)) }
                            td data-label="Last sent (UTC)" { (when(s.last_sent)) }
                            td.num data-label="To send" { (thousands(s.backlog)) }
                            td.num data-label="Failed today" { (thousands(s.failures_today)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backlog after an outage, and a large book's size, read as people read counts elsewhere:
    /// "3,098,047", "5,438.8 MB".
    #[test]
    fn large_figures_read_with_separators() {
        let f = Figures {
            uptime_secs: 12,
            version: "0.1.0",
            resident_bytes: 24_300_000,
            database_bytes: 5_703_000_000,
            wal_bytes: 0,
            disk_free_bytes: Some(58_511_000_000),
            inbound_backlog: 104_002,
            outbound_backlog: 3_098_047,
            webhooks_recent: 0,
            errors_last_hour: 0,
        };
        let html = figures(&f).into_string();
        assert!(html.contains(">104,002<"), "{html}");
        assert!(html.contains(">3,098,047<"), "{html}");
        // Sizes too, to a tenth of a MB.
        for size in [">23.2 MB<", ">5,438.8 MB<", ">0.0 MB<", ">55,800.4 MB<"] {
            assert!(html.contains(size), "{size} in {html}");
        }
    }
}
