//! Moving one shop between Novi installs: `export` writes every row the business owns (the
//! tables in `tables`), its product images and its linked phone's session into one file
//! (`file`); `import` loads it into another install in one transaction, ids remapped.
//!
//! The file holds the shop's secrets as its database does (WhatsApp credentials, hashes of
//! passwords, API tokens and login sessions), so it is written readable by its owner only and
//! its manifest says `holds_secrets`. Nothing is sealed with the install's `secret.key`, so a
//! file made on one machine loads on any other, and staff and integrations carry on as before.

pub mod export;
pub mod file;
pub mod import;
pub mod retired;
pub mod tables;

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;

pub use export::{export, Exported};
pub use import::{import, Imported};

/// The linked phone's session store of a business: where `whatsapp::linked` keeps it.
pub fn session_file(data_dir: &Path, business_id: i64) -> PathBuf {
    data_dir
        .join(super::SESSIONS_DIR)
        .join(format!("business-{business_id}.db"))
}

/// The values of column `column` in a `rows/<table>.jsonl` file, where they are text.
fn column_values(rows: &Path, column: &str) -> anyhow::Result<Vec<String>> {
    let opened =
        std::fs::File::open(rows).with_context(|| format!("cannot read {}", rows.display()))?;
    let mut found = Vec::new();
    for line in std::io::BufReader::new(opened).lines() {
        let row: serde_json::Value = serde_json::from_str(&line?)?;
        if let Some(text) = row.get(column).and_then(|v| v.as_str()) {
            found.push(text.to_owned());
        }
    }
    Ok(found)
}

/// The image file names the products in `products.jsonl` name.
fn image_names(products: &Path) -> anyhow::Result<Vec<String>> {
    column_values(products, "image")
}
