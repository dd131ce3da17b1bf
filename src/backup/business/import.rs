//! `novi business import`: an export checked whole, then loaded in one write transaction.
//! Every id moves past the highest of its table here (so rows keep their order and point at
//! each other as before); a clashing short code or username is refused before any row is
//! written, and any other fault rolls everything back, files placed included.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde_json::{Map, Value};

use super::file::{self, Manifest};
use super::retired;
use super::tables::{Table, TABLES};
use crate::accounts::{businesses, users};
use crate::catalog::image;
use crate::db::Db;

/// A shop loaded.
#[derive(Debug)]
pub struct Imported {
    pub short_code: String,
    pub name: String,
    /// Its id here.
    pub business_id: i64,
    pub rows: BTreeMap<String, u64>,
    pub uploads: usize,
    /// Whether it brought a linked phone's session.
    pub session: bool,
    pub users: Vec<String>,
}

/// Loads the export at `file` into the install in `data_dir`. The database is opened by
/// `open_db` only once the whole file has checked out, so a bad file on a new machine leaves
/// no empty install behind.
pub fn import(
    open_db: impl FnOnce() -> anyhow::Result<Db>,
    data_dir: &Path,
    file: &Path,
) -> anyhow::Result<Imported> {
    crate::db::create_data_dir(data_dir)
        .with_context(|| format!("cannot write in {}", data_dir.display()))?;
    // Inside the data directory, so files are renamed into place, never half-copied.
    let scratch = tempfile::Builder::new()
        .prefix(".novi-import-")
        .tempdir_in(data_dir)
        .with_context(|| format!("cannot write in {}", data_dir.display()))?;
    let manifest = file::read(file, scratch.path())?;
    let latest = crate::db::latest_migration();
    if manifest.schema_version > latest {
        bail!(
            "{} was made by Novi {} (schema {}), newer than this one (schema {latest}): upgrade Novi first",
            file.display(),
            manifest.novi_version,
            manifest.schema_version
        );
    }
    let rows = scratch.path().join(file::rows_entry("users"));
    let usernames = super::column_values(&rows, "username")?;
    let job = Job {
        data_dir,
        scratch: scratch.path(),
        manifest: &manifest,
        usernames,
    };
    open_db()?
        .with_raw(|conn| Ok(job.run(conn)))
        .map_err(anyhow::Error::new)?
}

struct Job<'a> {
    data_dir: &'a Path,
    scratch: &'a Path,
    manifest: &'a Manifest,
    usernames: Vec<String>,
}

impl Job<'_> {
    fn run(&self, conn: &mut Connection) -> anyhow::Result<Imported> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.refuse_clashes(&tx)?;
        let offsets = offsets(&tx)?;
        let mut rows = BTreeMap::new();
        for table in TABLES {
            let path = self.scratch.join(file::rows_entry(table.name));
            if !path.exists() && !self.manifest.rows.contains_key(table.name) {
                // A table newer than the export (made before it existed): none of its rows.
                rows.insert(table.name.to_owned(), 0);
                continue;
            }
            let schema = self.manifest.schema_version;
            let n = insert_table(&tx, table, &path, &offsets, schema)?;
            if self.manifest.rows.get(table.name) != Some(&n) {
                bail!("the export's {} rows do not match its manifest", table.name);
            }
            rows.insert(table.name.to_owned(), n);
        }
        let code = &self.manifest.short_code;
        let shop = businesses::by_code(&tx, code)?
            .ok_or_else(|| anyhow!("the export's business row is not `{code}`"))?;
        self.fold_retired(&tx, shop.id, &mut rows)?;
        let mut placed = Placed::default();
        let uploads = self.place_uploads(&mut placed)?;
        let session = self.place_session(shop.id, &mut placed)?;
        tx.commit().context("cannot commit the import")?;
        placed.keep();
        Ok(Imported {
            short_code: shop.short_code,
            name: shop.name,
            business_id: shop.id,
            rows,
            uploads,
            session,
            users: self.usernames.clone(),
        })
    }

    /// Rows of tables an older Novi kept, folded into what replaced them.
    fn fold_retired(
        &self,
        tx: &Transaction,
        business_id: i64,
        rows: &mut BTreeMap<String, u64>,
    ) -> anyhow::Result<()> {
        let name = retired::REPLIES;
        let path = self.scratch.join(file::rows_entry(name));
        if !path.exists() {
            return Ok(());
        }
        let n = retired::fold_replies(tx, &path, business_id)?;
        if self.manifest.rows.get(name) != Some(&n) {
            bail!("the export's {name} rows do not match its manifest");
        }
        rows.insert(name.to_owned(), n);
        Ok(())
    }

    /// The short code and usernames are unique across an install: one already here stops the
    /// import before a row is written.
    fn refuse_clashes(&self, tx: &Transaction) -> anyhow::Result<()> {
        let code = &self.manifest.short_code;
        if let Some(there) = businesses::by_code(tx, code)? {
            bail!(
                "a business with short code `{code}` already exists here ({}); nothing was imported",
                there.name
            );
        }
        let mut taken = Vec::new();
        for name in &self.usernames {
            if users::by_username(tx, name)?.is_some() {
                taken.push(name.as_str());
            }
        }
        if !taken.is_empty() {
            bail!(
                "user(s) {} already exist here, and a username belongs to one business; nothing was imported",
                taken.join(", ")
            );
        }
        Ok(())
    }

    /// Moves the export's images into `uploads/`. Names are random, so one already there with
    /// the same bytes is the same image (imported before), and a different one is a fault.
    fn place_uploads(&self, placed: &mut Placed) -> anyhow::Result<usize> {
        let mut n = 0;
        for entry in &self.manifest.entries {
            if !entry.path.starts_with(&format!("{}/", image::DIR)) {
                continue;
            }
            let (from, to) = (
                self.scratch.join(&entry.path),
                self.data_dir.join(&entry.path),
            );
            if to.exists() {
                if std::fs::read(&to)? != std::fs::read(&from)? {
                    bail!("{} already exists with other content", to.display());
                }
                continue;
            }
            placed.rename(&from, &to)?;
            n += 1;
        }
        Ok(n)
    }

    /// Moves the linked phone's session store to the business's new id.
    fn place_session(&self, business_id: i64, placed: &mut Placed) -> anyhow::Result<bool> {
        if self
            .manifest
            .entries
            .iter()
            .all(|e| e.path != file::SESSION)
        {
            return Ok(false);
        }
        let to = super::session_file(self.data_dir, business_id);
        if to.exists() {
            bail!(
                "{} already exists: a linked session is in the way",
                to.display()
            );
        }
        placed.rename(&self.scratch.join(file::SESSION), &to)?;
        Ok(true)
    }
}

/// For each table with ids, the highest id already here: the file's ids are moved past it.
fn offsets(tx: &Transaction) -> anyhow::Result<HashMap<&'static str, i64>> {
    let mut offsets = HashMap::new();
    for table in TABLES.iter().filter(|t| t.has_id) {
        let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name);
        offsets.insert(table.name, tx.query_row(&sql, [], |r| r.get(0))?);
    }
    Ok(offsets)
}

/// Inserts one table's rows from its JSON lines, ids moved by `offsets`; returns how many.
fn insert_table(
    tx: &Transaction,
    table: &Table,
    path: &Path,
    offsets: &HashMap<&'static str, i64>,
    schema: i64,
) -> anyhow::Result<u64> {
    let columns = columns(tx, table.name)?;
    let opened = std::fs::File::open(path).context("cannot read the export")?;
    let mut n = 0;
    for line in std::io::BufReader::new(opened).lines() {
        n += 1;
        let at = || format!("{} row {n}", table.name);
        let mut object: Map<String, Value> = serde_json::from_str(&line?).with_context(at)?;
        upgrade(table.name, &mut object, schema);
        let (mut names, mut values) = (Vec::new(), Vec::new());
        for (name, value) in object {
            if !columns.contains(&name) {
                bail!("{}: this Novi has no column {name}", at());
            }
            let value = sql_value(value).with_context(at)?;
            let value = match table.points_at(&name) {
                Some(target) => shift(value, offsets[target]).with_context(at)?,
                None => value,
            };
            names.push(name);
            values.push(value);
        }
        let marks = vec!["?"; names.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            table.name,
            names.join(", ")
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        stmt.execute(rusqlite::params_from_iter(values))
            .map_err(|e| refused(table, n, e))?;
    }
    Ok(n)
}

/// A row from an export made at an older schema, in this one's words: before V12 an order's
/// payment mode was `cod` or `online` (now `cash` and `razorpay`). Columns added since are
/// left out of the row, so they take their defaults.
fn upgrade(table: &str, row: &mut Map<String, Value>, schema: i64) {
    if schema >= 12 || table != "orders" {
        return;
    }
    if let Some(Value::String(mode)) = row.get_mut("payment_mode") {
        match mode.as_str() {
            "cod" => *mode = "cash".into(),
            "online" => *mode = "razorpay".into(),
            _ => {}
        }
    }
}

/// Why a row was refused, readably where an operator can act on it.
fn refused(table: &Table, n: u64, e: rusqlite::Error) -> anyhow::Error {
    if crate::db::is_unique_violation(&e) && table.name == "whatsapp_configs" {
        return anyhow!(
            "the shop's WhatsApp number (Cloud API phone number id) is already connected to another business here; nothing was imported"
        );
    }
    anyhow!(
        "{} row {n} does not fit here: {e}; nothing was imported",
        table.name
    )
}

/// The names of a table's columns here.
fn columns(tx: &Transaction, table: &str) -> anyhow::Result<HashSet<String>> {
    let mut stmt = tx.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt.query_map([table], |r| r.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

fn sql_value(value: Value) -> anyhow::Result<Sql> {
    Ok(match value {
        Value::Null => Sql::Null,
        Value::String(s) => Sql::Text(s),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().context("a number out of range")?),
        },
        Value::Bool(b) => Sql::Integer(b.into()),
        other => bail!("{other} is not a column's value"),
    })
}

/// An id moved by `offset`; no id stays none.
fn shift(value: Sql, offset: i64) -> anyhow::Result<Sql> {
    match value {
        Sql::Null => Ok(Sql::Null),
        Sql::Integer(id) => Ok(Sql::Integer(
            id.checked_add(offset).context("an id out of range")?,
        )),
        _ => bail!("an id that is not a number"),
    }
}

/// Files (and the folders made for them) moved into the data directory during an import,
/// removed again unless it commits.
#[derive(Default)]
struct Placed {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Placed {
    fn rename(&mut self, from: &Path, to: &Path) -> anyhow::Result<()> {
        if let Some(parent) = to.parent().filter(|p| !p.exists()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
            self.dirs.push(parent.to_owned());
        }
        std::fs::rename(from, to).with_context(|| format!("cannot write {}", to.display()))?;
        self.files.push(to.to_owned());
        Ok(())
    }

    fn keep(mut self) {
        self.files.clear();
        self.dirs.clear();
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        for path in &self.files {
            let _ = std::fs::remove_file(path);
        }
        for dir in &self.dirs {
            // Only if empty: never anything that was there before.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_exported_before_payments_reads_in_todays_modes() {
        let row = |mode: &str| -> Map<String, Value> {
            serde_json::from_value(serde_json::json!({"number": 1, "payment_mode": mode})).unwrap()
        };
        for (old, new) in [("cod", "cash"), ("online", "razorpay")] {
            let mut r = row(old);
            upgrade("orders", &mut r, 11);
            assert_eq!(r["payment_mode"], new);
        }
        let mut today = row("upi");
        upgrade("orders", &mut today, 12);
        assert_eq!(today["payment_mode"], "upi");
        let mut other = row("cod");
        upgrade("customers", &mut other, 11);
        assert_eq!(other["payment_mode"], "cod", "only orders had modes");
    }
}
