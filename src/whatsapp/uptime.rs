//! Uptime kept per business and shop-local day: every minute the server runs it adds the
//! minute to each business's day, and to its connected time when its WhatsApp link is up
//! (simulator: always; linked phone: connected; Cloud API and gateway: not found down and not
//! paused). What the reports page charts as uptime.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::watch;

use super::link::Links;
use super::linked::state::{self, State};
use super::metrics::add_uptime;
use super::settings::{with_provider, Provider};
use crate::db::Db;
use crate::error::AppResult;

pub const EVERY: Duration = Duration::from_secs(60);

/// The businesses whose way to WhatsApp is up now.
pub fn connected(conn: &Connection, links: &Links) -> AppResult<Vec<i64>> {
    let mut up: Vec<i64> = with_provider(conn, Provider::Simulator)?;
    let linked: HashSet<i64> = with_provider(conn, Provider::Linked)?.into_iter().collect();
    up.extend(
        state::all(conn)?
            .into_iter()
            .filter(|(id, l)| linked.contains(id) && l.state == State::Connected)
            .map(|(id, _)| id),
    );
    for provider in [Provider::Cloud, Provider::Gateway] {
        for id in with_provider(conn, provider)? {
            let paused = super::settings::load(conn, id)?.paused_reason.is_some();
            if !paused && links.down(id).is_none() {
                up.push(id);
            }
        }
    }
    Ok(up)
}

/// Counts each `every` the server runs until `stopping` turns true. The time counted is what
/// passed, at most twice `every`, so a machine that slept is not counted as up.
pub async fn run(db: Db, links: Arc<Links>, mut stopping: watch::Receiver<bool>, every: Duration) {
    let mut last = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopping.changed() => return,
        }
        let passed = last.elapsed().min(every * 2);
        last = Instant::now();
        let seconds = i64::try_from(passed.as_secs()).unwrap_or(0);
        let links = links.clone();
        let counted = db
            .write(move |tx| add_uptime(tx, seconds, &connected(tx, &links)?))
            .await;
        if let Err(e) = counted {
            tracing::warn!(error = %e, "could not count uptime");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::businesses;
    use crate::whatsapp::linked::state::Link;
    use crate::whatsapp::metrics::days;
    use crate::whatsapp::settings::{save, WhatsappSettings};

    #[test]
    fn a_minute_up_counts_for_every_shop_and_connected_only_where_whatsapp_is_up() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let links = Links::new();
        let (sim, linked, off, none) = db
            .with_tx(|tx| {
                let b = |code: &str| businesses::insert(tx, code, code).map(|b| b.id);
                let ids = (b("sim")?, b("linked")?, b("off")?, b("none")?);
                save(tx, ids.0, &WhatsappSettings::simulator())?;
                for (id, up) in [(ids.1, true), (ids.2, false)] {
                    let mut c = WhatsappSettings::simulator();
                    c.provider = Provider::Linked;
                    save(tx, id, &c)?;
                    let mut l = Link::not_linked();
                    if up {
                        l.state = State::Connected;
                    }
                    state::save(tx, id, &l)?;
                }
                Ok::<_, crate::error::AppError>(ids)
            })
            .unwrap();
        let up = db.with_conn(|c| connected(c, &links)).unwrap();
        assert_eq!(up, vec![sim, linked]);
        db.with_tx(|tx| {
            add_uptime(tx, 60, &up)?;
            add_uptime(tx, 60, &up)
        })
        .unwrap();
        for (id, linked_seconds) in [(sim, 120), (linked, 120), (off, 0), (none, 0)] {
            let kept = db
                .with_conn(|c| days(c, id, "2000-01-01", "2999-12-31"))
                .unwrap();
            assert_eq!(kept.len(), 1, "{id}");
            assert_eq!(
                (kept[0].up_seconds, kept[0].linked_seconds),
                (120, linked_seconds),
                "{id}"
            );
        }
    }
}
