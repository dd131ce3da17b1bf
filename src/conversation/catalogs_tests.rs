//! The worker's kept catalog indexes hold what the database holds: any change the reader sees,
//! by anyone, is read at the next batch; stock and price changes leave the index standing.

use std::sync::Arc;

use rusqlite::Connection;

use super::Catalogs;
use crate::accounts::test_shop;
use crate::catalog::{csv, import, stock};
use crate::db::Db;
use crate::error::AppResult;
use crate::reader::ProductIndex;

/// A shop with the sweet shop's catalog imported.
fn sweet_shop() -> (tempfile::TempDir, Db, i64) {
    let (dir, db, b) = test_shop();
    let text = include_str!("../../tests/data/sweetshop-catalog.csv");
    let rows = csv::parse_catalog(text.as_bytes()).unwrap();
    db.with_tx(|tx| import::import(tx, b, &rows, "test"))
        .unwrap();
    (dir, db, b)
}

fn index(db: &Db, held: &Catalogs, b: i64) -> Arc<ProductIndex> {
    db.with_conn(|c| held.index(c, b)).unwrap()
}

fn write(db: &Db, f: impl FnOnce(&Connection) -> AppResult<()>) {
    db.with_tx(|tx| f(tx)).unwrap();
}

/// Runs `sql` with the shop's id as `?1`, as another process would write it.
fn sql(db: &Db, b: i64, sql: &str) {
    write(db, |c| {
        Ok(c.execute_batch(&sql.replace("?1", &b.to_string()))?)
    });
}

fn name_of(index: &ProductIndex, sku: &str) -> Option<String> {
    index.find(sku).map(|p| p.name.clone())
}

#[test]
fn an_index_is_kept_while_stock_and_prices_move() {
    let (_dir, db, b) = sweet_shop();
    let held = Catalogs::default();
    let first = index(&db, &held, b);
    assert!(Arc::ptr_eq(&first, &index(&db, &held, b)), "kept");
    let jalebi: i64 = db
        .with_conn(|c| {
            let sql = "SELECT id FROM products WHERE business_id = ?1 AND sku = 'jalebi'";
            Ok(c.query_row(sql, [b], |r| r.get(0))?)
        })
        .unwrap();
    write(&db, |c| {
        let cause = stock::Cause {
            reason: "order",
            order_id: None,
            actor: "test",
        };
        stock::adjust(c, b, jalebi, 5, &cause).map(|_| ())
    });
    sql(
        &db,
        b,
        "UPDATE products SET price_minor = price_minor + 100 WHERE business_id = ?1",
    );
    sql(
        &db,
        b,
        "UPDATE variants SET price_minor = 999 WHERE business_id = ?1",
    );
    assert!(
        Arc::ptr_eq(&first, &index(&db, &held, b)),
        "stock and prices are not in the index"
    );
}

#[test]
fn every_change_the_reader_sees_is_read_at_the_next_batch() {
    let (_dir, db, b) = sweet_shop();
    let held = Catalogs::default();
    let mut last = index(&db, &held, b);
    let mut changed = |what: &str, change: &str, check: &dyn Fn(&ProductIndex) -> bool| {
        sql(&db, b, change);
        let now = index(&db, &held, b);
        assert!(!Arc::ptr_eq(&last, &now), "{what}: built again");
        assert!(check(&now), "{what}: the new index has it");
        let fresh = db.with_conn(|c| ProductIndex::for_business(c, b)).unwrap();
        assert_eq!(now.items(), fresh.items(), "{what}: as the database has it");
        last = now;
    };
    changed(
        "a rename",
        "UPDATE products SET name = 'Kesar Jalebi' WHERE business_id = ?1 AND sku = 'jalebi'",
        &|i| name_of(i, "jalebi").as_deref() == Some("Kesar Jalebi"),
    );
    changed(
        "an alias",
        "UPDATE products SET aliases = 'imarti' WHERE business_id = ?1 AND sku = 'jalebi'",
        &|i| i.find("jalebi").is_some_and(|p| p.aliases == ["imarti"]),
    );
    changed(
        "switched off",
        "UPDATE products SET active = 0 WHERE business_id = ?1 AND sku = 'jalebi'",
        &|i| i.find("jalebi").is_none(),
    );
    changed(
        "a new product",
        "INSERT INTO products (business_id, sku, name, unit, price_minor, created_at, updated_at)
         VALUES (?1, 'rabri', 'Rabri', 'kg', 40000, 0, 0)",
        &|i| name_of(i, "rabri").as_deref() == Some("Rabri"),
    );
    changed(
        "a new pack",
        "INSERT INTO variants (business_id, product_id, label, amount, position)
         SELECT ?1, id, 'Pot of 500 g', 500, 0 FROM products WHERE business_id = ?1 AND sku = 'rabri'",
        &|i| i.find("rabri").is_some_and(|p| p.variants == [("Pot of 500 g".into(), 500)]),
    );
    changed(
        "a pack changed",
        "UPDATE variants SET amount = 250 WHERE business_id = ?1 AND label = 'Pot of 500 g'",
        &|i| i.find("rabri").is_some_and(|p| p.variants[0].1 == 250),
    );
    changed(
        "a pack removed",
        "DELETE FROM variants WHERE business_id = ?1 AND label = 'Pot of 500 g'",
        &|i| i.find("rabri").is_some_and(|p| p.variants.is_empty()),
    );
    changed(
        "a product removed",
        "DELETE FROM products WHERE business_id = ?1 AND sku = 'rabri'",
        &|i| i.find("rabri").is_none(),
    );
}

#[test]
fn shops_are_held_apart_and_a_quiet_drops_them() {
    let (_dir, db, b) = sweet_shop();
    let other = crate::accounts::create_business(&db, "Other", "other")
        .unwrap()
        .id;
    let held = Catalogs::default();
    let ours = index(&db, &held, b);
    assert!(index(&db, &held, other).items().is_empty(), "no products");
    sql(
        &db,
        other,
        "INSERT INTO products (business_id, sku, name, unit, price_minor, created_at, updated_at)
         VALUES (?1, 'rabri', 'Rabri', 'kg', 40000, 0, 0)",
    );
    assert_eq!(
        name_of(&index(&db, &held, other), "rabri").as_deref(),
        Some("Rabri")
    );
    assert!(
        Arc::ptr_eq(&ours, &index(&db, &held, b)),
        "another shop's change leaves ours"
    );
    held.clear();
    assert!(!Arc::ptr_eq(&ours, &index(&db, &held, b)), "built again");
}
