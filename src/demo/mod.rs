//! Demo data for `novi serve --demo`: the sweet shop's catalog, built into the binary so the
//! demo works on a fresh machine with nothing else installed.

use rusqlite::Connection;

use crate::catalog::{csv, import};
use crate::error::{AppError, AppResult};

/// The demo shop's catalog, in the catalog file format.
pub const CATALOG: &str = include_str!("catalog.csv");

/// Imports the demo catalog into a business, inside the caller's transaction.
pub fn import_catalog(conn: &Connection, business_id: i64) -> AppResult<()> {
    // The file is part of the binary and tested, so a parse failure is our bug, not the user's.
    let rows = csv::parse_catalog(CATALOG.as_bytes()).map_err(AppError::internal)?;
    import::import(conn, business_id, &rows, "demo")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_catalog_parses() {
        let rows = crate::catalog::csv::parse_catalog(super::CATALOG.as_bytes()).unwrap();
        assert_eq!(rows.len(), 18);
    }
}
