//! The worker's customers' names hold what the database holds: a rename by anyone is seen at
//! the next batch, a customer the worker adds is greeted by name at once, and a name undone
//! with its message is not used.

use rusqlite::Connection;

use super::names::Names;
use crate::accounts::test_shop;
use crate::customers;
use crate::db::Db;
use crate::domain::Phone;
use crate::error::AppError;

const ASHA: &str = "919812345678";

fn add(db: &Db, b: i64, name: &str) {
    let phone = Phone::from_digits(ASHA).unwrap();
    db.with_tx(|tx| customers::upsert(tx, b, &phone, name))
        .unwrap();
}

/// What `names` answers for Asha in a batch of its own.
fn batch(db: &Db, names: &Names, b: i64) -> Option<String> {
    names.next_round();
    db.with_tx(|tx| names.name(tx, b, ASHA)).unwrap()
}

/// Renames Asha as another process would: the stamp moves, this process counts nothing.
fn rename_elsewhere(c: &Connection, b: i64, name: &str) {
    c.execute(
        "UPDATE customers SET name = ?2 WHERE business_id = ?1 AND phone = ?3",
        rusqlite::params![b, name, ASHA],
    )
    .unwrap();
}

/// A shop with Asha on file, and names that have read her in a batch.
fn asha_read() -> (tempfile::TempDir, Db, i64, Names) {
    let (dir, db, b) = test_shop();
    add(&db, b, "Asha");
    let names = Names::default();
    assert_eq!(batch(&db, &names, b).as_deref(), Some("Asha"));
    (dir, db, b, names)
}

#[test]
fn a_name_is_read_again_only_once_the_shop_s_stamp_has_moved() {
    let (_dir, db, b, names) = asha_read();
    // Renamed with the stamp put back as it was: the copy is what answers.
    db.with_tx(|tx| {
        let stamp = customers::stamp(tx, b)?;
        rename_elsewhere(tx, b, "Asha Rao");
        tx.execute(
            "UPDATE customer_search_stamps SET stamp = ?2 WHERE business_id = ?1",
            rusqlite::params![b, stamp],
        )?;
        Ok::<_, AppError>(())
    })
    .unwrap();
    assert_eq!(batch(&db, &names, b).as_deref(), Some("Asha"));
}

#[test]
fn a_rename_by_anyone_else_is_seen_at_the_next_batch() {
    let (_dir, db, b, names) = asha_read();
    db.with_conn(|c| {
        rename_elsewhere(c, b, "Asha Rao");
        Ok::<_, AppError>(())
    })
    .unwrap();
    assert_eq!(batch(&db, &names, b).as_deref(), Some("Asha Rao"));
}

#[test]
fn a_customer_the_worker_adds_is_named_within_the_same_batch() {
    let (_dir, db, b) = test_shop();
    // A shop with a customer already, so it has a stamp and its names are kept.
    let ravi = Phone::from_digits("919800000001").unwrap();
    db.with_tx(|tx| customers::upsert(tx, b, &ravi, "Ravi"))
        .unwrap();
    let names = Names::default();
    names.next_round();
    db.with_tx(|tx| {
        assert_eq!(names.name(tx, b, ASHA)?, None);
        customers::upsert(tx, b, &Phone::from_digits(ASHA).unwrap(), "Asha")?;
        assert_eq!(names.name(tx, b, ASHA)?.as_deref(), Some("Asha"));
        Ok::<_, AppError>(())
    })
    .unwrap();
}

#[test]
fn a_name_undone_with_its_message_is_not_used() {
    let (_dir, db, b) = test_shop();
    add(&db, b, "Asha");
    let names = Names::default();
    names.next_round();
    db.with_tx(|tx| {
        tx.execute_batch("SAVEPOINT message")?;
        customers::upsert(tx, b, &Phone::from_digits(ASHA).unwrap(), "Asha Rao")?;
        assert_eq!(names.name(tx, b, ASHA)?.as_deref(), Some("Asha Rao"));
        tx.execute_batch("ROLLBACK TO message; RELEASE message")?;
        // As the worker does when a message's writes are undone.
        names.next_round();
        assert_eq!(names.name(tx, b, ASHA)?.as_deref(), Some("Asha"));
        Ok::<_, AppError>(())
    })
    .unwrap();
}
