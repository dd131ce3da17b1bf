//! Moving a whole catalog in and out of the database: rows from a parsed catalog file are
//! upserted by sku in the caller's transaction, and the catalog is read back as rows to export.

use rusqlite::Connection;

use super::csv::{ProductRow, VariantRow};
use super::products::{self, Filter, Product, ProductInput, VariantInput};
use super::stock::{self, Cause};
use crate::domain::Sku;
use crate::error::{AppError, AppResult};

/// The reason recorded on stock moves made by an import.
pub const REASON: &str = "import";

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
}

/// Upserts every row by sku and sets each product's stock to the row's figure through a stock
/// move (so the history explains it). Call it inside one write transaction: if any row fails,
/// the caller's rollback leaves the catalog as it was.
pub fn import(
    conn: &Connection,
    business_id: i64,
    rows: &[ProductRow],
    actor: &str,
) -> AppResult<Summary> {
    let mut summary = Summary::default();
    let cause = Cause {
        reason: REASON,
        order_id: None,
        actor,
    };
    let now = current(conn, business_id)?;
    for row in rows {
        let wanted = i64::try_from(row.stock)
            .map_err(|_| AppError::Invalid(format!("stock of \"{}\" is too large", row.sku)))?;
        match products::by_sku(conn, business_id, row.sku.as_str())? {
            Some(p) => {
                // A row as the product already is writes nothing (its packs keep their ids, so
                // shoppers' carts keep them); the file has no columns for active and low stock,
                // so an import keeps what the owner set.
                let same = now
                    .get(row.sku.as_str())
                    .is_some_and(|old| changed_fields(old, row).iter().all(|f| *f == "stock"));
                if !same {
                    let input = to_input(row, p.active, p.low_stock);
                    products::update(conn, business_id, p.id, &input)?;
                }
                if wanted != p.stock {
                    stock::adjust(conn, business_id, p.id, wanted - p.stock, &cause)?;
                }
                if !same || wanted != p.stock {
                    summary.updated += 1;
                }
            }
            None => {
                summary.created += 1;
                let low = products::default_low_stock(row.unit);
                let id = products::insert(conn, business_id, &to_input(row, true, low))?;
                // Its opening stock, and its alert if that starts low, as the product form does.
                stock::open(conn, business_id, id, wanted, &cause)?;
            }
        }
    }
    Ok(summary)
}

fn to_input(row: &ProductRow, active: bool, low_stock: i64) -> ProductInput {
    ProductInput {
        sku: row.sku.clone(),
        name: row.name.clone(),
        category: row.category.clone(),
        unit: row.unit,
        price: row.price,
        aliases: row.aliases.clone(),
        active,
        low_stock,
        variants: row
            .variants
            .iter()
            .map(|v| VariantInput {
                label: v.label.clone(),
                amount: v.amount,
                price: v.price,
            })
            .collect(),
    }
}

/// What importing one row would do to the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    New,
    /// The fields that would change, by their column names.
    Changed(Vec<&'static str>),
    Unchanged,
}

/// The catalog as rows, by sku.
fn current(
    conn: &Connection,
    business_id: i64,
) -> AppResult<std::collections::HashMap<String, ProductRow>> {
    Ok(export(conn, business_id)?
        .into_iter()
        .map(|r| (r.sku.as_str().to_owned(), r))
        .collect())
}

/// What the catalog holds now for the skus of `rows` (stock included), as one fingerprint.
/// The preview carries it; an apply that finds it changed (an order took stock, someone saved
/// a product) is refused, so it never writes what the preview did not show.
pub fn fingerprint(conn: &Connection, business_id: i64, rows: &[ProductRow]) -> AppResult<String> {
    let now = current(conn, business_id)?;
    // The file's rows too: an apply of another file than the one previewed is refused.
    let seen: String = rows
        .iter()
        .map(|row| format!("{:?}\n{row:?}\n", now.get(row.sku.as_str())))
        .collect();
    Ok(crate::secret::fingerprint(&seen))
}

/// [`import`], refused when the catalog's [`fingerprint`] for these rows is no longer `seen`.
pub fn import_previewed(
    conn: &Connection,
    business_id: i64,
    rows: &[ProductRow],
    actor: &str,
    seen: &str,
) -> AppResult<Summary> {
    if fingerprint(conn, business_id, rows)? != seen {
        return Err(AppError::Conflict(
            "The catalog changed since this preview (an order took stock, or a product was \
             saved), so nothing was imported. Here is what the file would do now."
                .into(),
        ));
    }
    import(conn, business_id, rows, actor)
}

/// What importing `rows` would do, row by row, without writing anything: the preview shown
/// before an import is applied.
pub fn preview(conn: &Connection, business_id: i64, rows: &[ProductRow]) -> AppResult<Vec<Change>> {
    let now = current(conn, business_id)?;
    Ok(rows
        .iter()
        .map(|row| match now.get(row.sku.as_str()) {
            None => Change::New,
            Some(old) => {
                let fields = changed_fields(old, row);
                if fields.is_empty() {
                    Change::Unchanged
                } else {
                    Change::Changed(fields)
                }
            }
        })
        .collect())
}

/// The columns in which `new` differs from `old`.
fn changed_fields(old: &ProductRow, new: &ProductRow) -> Vec<&'static str> {
    let checks = [
        ("name", old.name != new.name),
        ("category", old.category != new.category),
        ("unit", old.unit != new.unit),
        ("price", old.price != new.price),
        ("aliases", old.aliases != new.aliases),
        ("variants", old.variants != new.variants),
        ("stock", old.stock != new.stock),
    ];
    checks.into_iter().filter(|c| c.1).map(|c| c.0).collect()
}

/// Every product of the business as catalog rows, in the order they were created, so a file
/// imported into an empty shop exports unchanged.
pub fn export(conn: &Connection, business_id: i64) -> AppResult<Vec<ProductRow>> {
    let mut all = products::list(conn, business_id, &Filter::default())?;
    all.sort_by_key(|p| p.id);
    all.iter().map(to_row).collect()
}

fn to_row(p: &Product) -> AppResult<ProductRow> {
    let sku = Sku::parse(&p.sku).map_err(AppError::internal)?;
    let stock = u64::try_from(p.stock).map_err(AppError::internal)?;
    Ok(ProductRow {
        sku,
        name: p.name.clone(),
        category: p.category.clone(),
        unit: p.unit,
        price: p.price,
        aliases: p.aliases.clone(),
        variants: p
            .variants
            .iter()
            .map(|v| VariantRow {
                label: v.label.clone(),
                amount: v.amount,
                price: v.price,
            })
            .collect(),
        stock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::csv::{parse_catalog, write_catalog};
    use crate::db::Db;

    const FIXTURE: &str = include_str!("../../tests/data/sweetshop-catalog.csv");

    fn setup() -> (tempfile::TempDir, Db, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
        (dir, db, b.id)
    }

    #[test]
    fn imports_then_exports_the_same_file() {
        let (_dir, db, id) = setup();
        let rows = parse_catalog(FIXTURE.as_bytes()).unwrap();
        let s = db.with_tx(|tx| import(tx, id, &rows, "test")).unwrap();
        assert_eq!(
            s,
            Summary {
                created: 18,
                updated: 0
            }
        );
        // The same file again writes nothing: every row is as the product already is.
        let again = db.with_tx(|tx| import(tx, id, &rows, "test")).unwrap();
        assert_eq!(
            again,
            Summary {
                created: 0,
                updated: 0
            }
        );
        let out = db.with_conn(|c| export(c, id)).unwrap();
        let mut text = Vec::new();
        write_catalog(&out, &mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), FIXTURE);
    }

    #[test]
    fn a_preview_names_new_changed_and_unchanged_rows_and_writes_nothing() {
        let (_dir, db, id) = setup();
        let mut rows = parse_catalog(FIXTURE.as_bytes()).unwrap();
        let first = db.with_conn(|c| preview(c, id, &rows)).unwrap();
        assert!(first.iter().all(|c| *c == Change::New));
        db.with_tx(|tx| import(tx, id, &rows, "test")).unwrap();
        rows[0].stock += 1;
        rows[0].name.push('!');
        let again = db.with_conn(|c| preview(c, id, &rows)).unwrap();
        assert_eq!(again[0], Change::Changed(vec!["name", "stock"]));
        assert!(again[1..].iter().all(|c| *c == Change::Unchanged));
        let stored = db.with_conn(|c| export(c, id)).unwrap();
        assert_ne!(stored[0], rows[0], "a preview writes nothing");
    }

    #[test]
    fn stock_is_set_through_moves_and_unchanged_stock_makes_none() {
        let (_dir, db, id) = setup();
        let mut rows = parse_catalog(FIXTURE.as_bytes()).unwrap();
        db.with_tx(|tx| import(tx, id, &rows, "test")).unwrap();
        rows[0].stock = 12_500;
        db.with_tx(|tx| import(tx, id, &rows, "test")).unwrap();
        let p = db
            .with_conn(|c| products::by_sku(c, id, "kaju-katli"))
            .unwrap()
            .unwrap();
        assert_eq!(p.stock, 12_500);
        let moves = db.with_conn(|c| stock::history(c, id, p.id, 10)).unwrap();
        let seen: Vec<_> = moves.iter().map(|m| (m.delta, m.stock_after)).collect();
        assert_eq!(seen, [(-7_500, 12_500), (20_000, 20_000)]);
        assert!(moves.iter().all(|m| m.reason == REASON));
        let samosa = db
            .with_conn(|c| products::by_sku(c, id, "samosa"))
            .unwrap()
            .unwrap();
        let samosa_moves = db.with_conn(|c| stock::history(c, id, samosa.id, 10));
        assert_eq!(
            samosa_moves.unwrap().len(),
            1,
            "second import changed nothing"
        );
    }
}
