//! Tables an older Novi exported that this one keeps another way: an export made before the
//! change still loads, its rows folded into what replaced them.

use std::io::BufRead;
use std::path::Path;

use anyhow::{anyhow, Context};
use rusqlite::Transaction;
use serde::Deserialize;

use crate::whatsapp::metrics;

/// `bot_replies` (one row per reply, before schema 29) became counts per day and time in
/// `bot_reply_times`.
pub const REPLIES: &str = "bot_replies";

/// Every retired table an export may still hold.
pub const NAMES: &[&str] = &[REPLIES];

/// One reply as `bot_replies` held it.
#[derive(Deserialize)]
struct Reply {
    at_ms: i64,
    waited_ms: i64,
}

/// Counts the replies of the export's `rows/bot_replies.jsonl` at `path` into business
/// `business_id`'s reply times; returns how many rows it held.
pub fn fold_replies(tx: &Transaction, path: &Path, business_id: i64) -> anyhow::Result<u64> {
    let opened = std::fs::File::open(path).context("cannot read the export")?;
    let mut n = 0;
    for line in std::io::BufReader::new(opened).lines() {
        n += 1;
        let reply: Reply =
            serde_json::from_str(&line?).map_err(|e| anyhow!("bot_replies row {n}: {e}"))?;
        let at = reply.at_ms.div_euclid(1000);
        metrics::count_reply_time(tx, business_id, at, reply.waited_ms)
            .with_context(|| format!("bot_replies row {n}"))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::{export, file, import};
    use crate::accounts::businesses;
    use crate::db::Db;

    /// 9 Mar 2026 18:29 UTC is 23:59 in India, the shop's clock; two minutes later is 10 Mar.
    const BEFORE_MIDNIGHT_MS: i64 = 1_773_080_940_000;

    /// An export of a shop as Novi made it before schema 29: its replies one row each in
    /// `rows/bot_replies.jsonl`, counted `counted` in the manifest.
    fn old_export(dir: &std::path::Path, counted: u64) -> PathBuf {
        let from = dir.join("from");
        let db = Db::open(&from).unwrap();
        let id = db
            .with_tx(|tx| businesses::insert(tx, "Sweets", "sweets").map(|b| b.id))
            .unwrap();
        let made = export(&db, &from, "sweets", &dir.join("new.novi")).unwrap();
        let rows = dir.join("unpacked");
        let mut m = file::read(&made.path, &rows).unwrap();
        std::fs::remove_file(rows.join(file::rows_entry("bot_reply_times"))).unwrap();
        let replies: String = [(0, 1234), (120_000, 1226), (180_000, 1231)]
            .iter()
            .map(|(after, ms)| {
                let at = BEFORE_MIDNIGHT_MS + after;
                format!("{{\"business_id\":{id},\"at_ms\":{at},\"waited_ms\":{ms}}}\n")
            })
            .collect();
        std::fs::write(rows.join(file::rows_entry("bot_replies")), replies).unwrap();
        m.schema_version = 28;
        m.rows.remove("bot_reply_times");
        m.rows.insert("bot_replies".into(), counted);
        let sources: Vec<(String, PathBuf)> = std::mem::take(&mut m.entries)
            .into_iter()
            .map(|e| e.path)
            .filter(|p| !p.ends_with("bot_reply_times.jsonl"))
            .chain([file::rows_entry("bot_replies")])
            .map(|p| (p.clone(), rows.join(p)))
            .collect();
        let old = dir.join("old.novi");
        file::write(&mut std::fs::File::create(&old).unwrap(), &sources, m).unwrap();
        old
    }

    #[test]
    fn an_export_from_before_reply_counts_loads_with_its_replies_counted_by_day() {
        let dir = tempfile::tempdir().unwrap();
        let old = old_export(dir.path(), 3);
        let to = dir.path().join("to");
        let imported = import(|| Db::open(&to), &to, &old).unwrap();
        assert_eq!(imported.rows.get("bot_replies"), Some(&3));
        let counts: Vec<(String, i64, i64)> = Db::open(&to)
            .unwrap()
            .with_conn(|c| {
                let mut s = c.prepare(
                    "SELECT day, waited_ms, n FROM bot_reply_times WHERE business_id = ?1
                     ORDER BY day, waited_ms",
                )?;
                let rows = s.query_map([imported.business_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        let day = |d: &str, ms, n| (d.to_owned(), ms, n);
        assert_eq!(
            counts,
            vec![day("2026-03-09", 1230, 1), day("2026-03-10", 1230, 2)]
        );
    }

    #[test]
    fn replies_that_do_not_match_the_manifest_load_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let old = old_export(dir.path(), 4);
        let to = dir.path().join("to");
        let err = import(|| Db::open(&to), &to, &old).unwrap_err();
        assert!(
            format!("{err:#}").contains("bot_replies rows do not match its manifest"),
            "{err:#}"
        );
        let shops: i64 = Db::open(&to)
            .unwrap()
            .with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM businesses", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(shops, 0);
    }
}
