//! `novi business export --business CODE FILE` and `novi business import FILE`: a shop moved
//! between installs, with what was moved said in a line or two.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;

use crate::backup::business;
use crate::db::Db;

pub fn export(data_dir: &Path, code: &str, file: &Path) -> anyhow::Result<()> {
    let db = super::admin::open_existing(data_dir)?;
    // Recorded first, so the file carries its own export in the shop's audit log.
    let what = format!("whole business to {}", file.display());
    db.with_tx(|tx| {
        let b = crate::accounts::businesses::require(tx, code)?;
        let who = crate::audit::Actor::shell();
        crate::audit::record(tx, &who, Some(b.id), crate::audit::EXPORT, &what)
    })?;
    let done = business::export(&db, data_dir, code, file)?;
    let m = &done.manifest;
    let uploads = m
        .entries
        .iter()
        .filter(|e| e.path.starts_with("uploads/"))
        .count();
    outln!(
        "exported business {} ({}) to {}: {}, {uploads} image(s), {} bytes",
        m.short_code,
        m.name,
        done.path.display(),
        counts(&m.rows),
        done.bytes
    )?;
    outln!(
        "the file holds the shop's WhatsApp credentials and password and token hashes: it is readable by you only; keep it so"
    )?;
    Ok(())
}

pub fn import(data_dir: &Path, file: &Path) -> anyhow::Result<()> {
    // A new machine may have no install yet: importing the first shop makes one, but not
    // for a file that is not there.
    std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let done = business::import(|| Db::open(data_dir), data_dir, file)?;
    outln!(
        "imported business {} ({}): {}, {} image(s){}",
        done.short_code,
        done.name,
        counts(&done.rows),
        done.uploads,
        if done.session {
            ", its linked phone's session"
        } else {
            ""
        }
    )?;
    if !done.users.is_empty() {
        outln!("its users log in as before: {}", done.users.join(", "))?;
    }
    Ok(())
}

/// "12 orders, 30 customers, 18 products, 3 users".
fn counts(rows: &BTreeMap<String, u64>) -> String {
    ["orders", "customers", "products", "users", "messages"]
        .iter()
        .map(|t| format!("{} {t}", rows.get(*t).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ")
}
