//! `novi catalog import` and `novi catalog export`: a business's products as a CSV file.
//! Import is all or nothing; a bad file is reported line by line and nothing is written.
//! `novi catalog aliases` lists the words customers use that staff corrections suggest as aliases.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;

use super::admin::open_existing;
use crate::accounts::businesses::{self, Business};
use crate::catalog::{csv, import, suggestions};
use crate::db::Db;
use crate::domain::plural;

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Create or update products from a catalog CSV file (matched by sku), all or nothing.
    ///
    /// Columns: sku,name,category,unit,price,aliases,variants,stock. Stock is set to the file's
    /// figure, recorded in each product's stock history with the reason "import".
    Import {
        /// The business's short code.
        #[arg(long)]
        business: String,
        /// The CSV file, or - for standard input.
        file: PathBuf,
    },
    /// Write the business's catalog as CSV to standard output.
    Export {
        /// The business's short code.
        #[arg(long)]
        business: String,
    },
    /// List alias suggestions: words customers wrote that staff corrected to a product.
    ///
    /// One row per product and words, most often seen first: the product's sku, the words, how
    /// many corrected lines said them, and when last (shop time). Add or dismiss them on the
    /// product's page in the web UI.
    Aliases {
        /// The business's short code.
        #[arg(long)]
        business: String,
    },
}

pub fn run(data_dir: &Path, cmd: CatalogCommand) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::Import { business, file } => import_file(data_dir, &business, &file),
        CatalogCommand::Export { business } => export(data_dir, &business),
        CatalogCommand::Aliases { business } => aliases(data_dir, &business),
    }
}

fn business(db: &Db, code: &str) -> anyhow::Result<Business> {
    let found = db.with_conn(|c| businesses::by_code(c, code))?;
    match found {
        Some(b) => Ok(b),
        None => bail!("no business with short code \"{code}\" (see `novi business list`)"),
    }
}

fn business_id(db: &Db, code: &str) -> anyhow::Result<i64> {
    business(db, code).map(|b| b.id)
}

fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    }
    Ok(bytes)
}

/// A problem as a terminal shows it: a control character from the file (an escape sequence
/// in an alias) is written as its code, `\u{1b}`, rather than sent to the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn import_file(data_dir: &Path, code: &str, file: &Path) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let id = business_id(&db, code)?;
    let rows = match csv::parse_catalog(read_input(file)?.as_slice()) {
        Ok(rows) => rows,
        Err(problems) => {
            // Every problem on its own line, so the owner can fix them all in one pass.
            for problem in &problems.errors {
                eprintln!("{}: {}", file.display(), printable(&problem.to_string()));
            }
            bail!(
                "{} has {}; nothing was imported",
                file.display(),
                problems.how_many()
            );
        }
    };
    let summary = db.with_tx(|tx| import::import(tx, id, &rows, "import (command line)"))?;
    outln!(
        "imported {} into {code}: {} new, {} updated",
        plural::count(rows.len(), "product", "products"),
        summary.created,
        summary.updated
    )?;
    Ok(())
}

fn export(data_dir: &Path, code: &str) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let id = business_id(&db, code)?;
    let rows = db.with_conn(|c| import::export(c, id))?;
    // Written to memory first so a refused row leaves standard output empty, not half a file.
    let mut out = Vec::new();
    csv::write_catalog(&rows, &mut out).context("cannot export the catalog")?;
    let written = std::io::stdout()
        .lock()
        .write_all(&out)
        .context("cannot write to standard output");
    super::reader_may_stop(written)
}

fn aliases(data_dir: &Path, code: &str) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let b = business(&db, code)?;
    let list = db.with_conn(|c| suggestions::list(c, b.id))?;
    if list.is_empty() {
        outln!("no alias suggestions for {code} yet")?;
        return Ok(());
    }
    outln!(
        "{:<24} {:<32} {:>5}  LAST SEEN",
        "PRODUCT",
        "WORDS",
        "COUNT"
    )?;
    for s in list {
        let seen = b.local_time(s.last_seen);
        outln!("{:<24} {:<32} {:>5}  {seen}", s.sku, s.words, s.count)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_control_character_from_the_file_is_written_as_its_code() {
        assert_eq!(
            super::printable("alias \"ba\u{1b}[31md\" holds a control character"),
            "alias \"ba\\u{1b}[31md\" holds a control character"
        );
    }
}
