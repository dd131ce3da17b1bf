//! `novi business export`: one business's rows read in one snapshot (so a running server may
//! keep writing), its product images and linked phone's session store, into a new file
//! readable by its owner only, renamed into place when whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::file::{self, Manifest};
use super::tables::{Table, TABLES};
use crate::accounts::businesses;
use crate::catalog::image;
use crate::db::Db;

/// A finished export.
#[derive(Debug)]
pub struct Exported {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// The file's size.
    pub bytes: u64,
}

/// Writes business `short_code` of the install in `data_dir` into a new file at `dest`.
pub fn export(db: &Db, data_dir: &Path, short_code: &str, dest: &Path) -> anyhow::Result<Exported> {
    if dest.exists() {
        bail!("{} already exists: choose another file", dest.display());
    }
    let shop = db
        .with_conn(|c| businesses::require(c, short_code))
        .map_err(anyhow::Error::new)?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let cannot_write = || format!("cannot write in {}", parent.display());
    // Private folder and file: what they hold is as secret as the database.
    let staging = tempfile::Builder::new()
        .prefix(".novi-business-")
        .tempdir_in(parent)
        .with_context(cannot_write)?;
    let (mut sources, rows, schema_version) = db
        .with_conn(|c| Ok(dump(c, shop.id, staging.path())))
        .map_err(anyhow::Error::new)??;
    sources.extend(files(data_dir, shop.id, staging.path())?);
    let manifest = Manifest {
        kind: file::KIND.into(),
        format: file::FORMAT,
        novi_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        short_code: shop.short_code.clone(),
        name: shop.name.clone(),
        holds_secrets: true,
        rows,
        entries: Vec::new(),
    };
    let mut out = tempfile::Builder::new()
        .prefix(".novi-business-")
        .suffix(".partial")
        .tempfile_in(parent)
        .with_context(cannot_write)?;
    let manifest = file::write(out.as_file_mut(), &sources, manifest)?;
    out.as_file()
        .sync_all()
        .context("cannot write the export")?;
    let bytes = out.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    out.persist_noclobber(dest)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot create {}", dest.display()))?;
    Ok(Exported {
        path: dest.to_owned(),
        manifest,
        bytes,
    })
}

type Dumped = (Vec<(String, PathBuf)>, BTreeMap<String, u64>, i64);

/// Every owned table's rows of the business into `staging/rows/`, read in one transaction so
/// they agree with each other; with the row counts and the schema version they were read at.
fn dump(conn: &Connection, business_id: i64, staging: &Path) -> anyhow::Result<Dumped> {
    let tx = conn.unchecked_transaction()?;
    let schema_version = crate::db::applied_migration(&tx)?;
    std::fs::create_dir_all(staging.join("rows")).context("cannot write the export")?;
    let (mut sources, mut rows) = (Vec::new(), BTreeMap::new());
    for table in TABLES {
        let entry = file::rows_entry(table.name);
        let path = staging.join(&entry);
        let n = dump_table(&tx, table, business_id, &path)
            .with_context(|| format!("cannot export {}", table.name))?;
        rows.insert(table.name.to_owned(), n);
        sources.push((entry, path));
    }
    tx.finish()?;
    Ok((sources, rows, schema_version))
}

/// One table's rows as JSON lines, column name to value; returns how many.
fn dump_table(
    conn: &Connection,
    table: &Table,
    business_id: i64,
    path: &Path,
) -> anyhow::Result<u64> {
    let mut out = BufWriter::new(File::create(path)?);
    let mut stmt = conn.prepare(&table.select())?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([business_id])?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            object.insert(name.clone(), json(row.get_ref(i)?)?);
        }
        serde_json::to_writer(&mut out, &object)?;
        out.write_all(b"\n")?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// A column's value as JSON. No owned table stores bytes, so a blob is a fault, not data.
fn json(value: ValueRef) -> anyhow::Result<Value> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => String::from_utf8(t.to_vec())
            .context("text is not UTF-8")?
            .into(),
        ValueRef::Blob(_) => bail!("a column holds bytes, which an export does not carry"),
    })
}

/// The product images the business's products name (those present), and a snapshot of its
/// linked phone's session store, if it has one.
fn files(
    data_dir: &Path,
    business_id: i64,
    staging: &Path,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let products = staging.join(file::rows_entry("products"));
    let mut found = Vec::new();
    for name in super::image_names(&products)? {
        if let Some(path) = image::path(data_dir, &name).filter(|p| p.is_file()) {
            found.push((format!("{}/{name}", image::DIR), path));
        }
    }
    found.sort();
    found.dedup();
    let session = super::session_file(data_dir, business_id);
    if session.is_file() {
        let copy = staging.join("session.db");
        crate::backup::make::snapshot(&session, &copy)?;
        found.push((file::SESSION.to_owned(), copy));
    }
    Ok(found)
}
