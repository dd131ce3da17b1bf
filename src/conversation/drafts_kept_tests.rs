//! The worker's drafts in memory hold what the database holds: what a batch wrote is seen
//! after it commits, and forgotten when it, or one message of it, is undone.

use rusqlite::Connection;

use super::drafts::{self, Draft, Kept};
use crate::accounts::test_shop;
use crate::db::Db;
use crate::reader::Item;

const ASHA: &str = "919812345678";

fn draft_of(grams: u32) -> Draft {
    let mut d = Draft::new(1);
    d.lines.push(Item {
        sku: "kaju-katli".into(),
        qty: grams,
    });
    d
}

fn grams(d: Option<Draft>) -> Option<u32> {
    d.map(|d| d.lines[0].qty)
}

/// The draft as the database holds it, read without the worker's memory.
fn stored(db: &Db, b: i64) -> Option<u32> {
    grams(db.with_conn(|c| drafts::load(c, None, b, ASHA)).unwrap())
}

/// Runs `f` in a transaction that is rolled back.
fn undone(db: &Db, f: impl FnOnce(&Connection)) {
    let failed = db.with_tx(|tx| {
        f(tx);
        Err::<(), _>(crate::error::AppError::Invalid("undo".into()))
    });
    assert!(failed.is_err());
}

#[test]
fn a_draft_written_in_a_batch_that_commits_is_the_one_read_next() {
    let (_dir, db, b) = test_shop();
    let kept = Kept::default();
    db.with_tx(|tx| drafts::save(tx, Some(&kept), b, ASHA, &draft_of(500)))
        .unwrap();
    kept.committed();
    assert_eq!(stored(&db, b), Some(500), "written through to the database");
    let next = db
        .with_conn(|c| drafts::load(c, Some(&kept), b, ASHA))
        .unwrap();
    assert_eq!(grams(next), Some(500));
    db.with_tx(|tx| drafts::delete(tx, Some(&kept), b, ASHA))
        .unwrap();
    kept.committed();
    assert_eq!(stored(&db, b), None);
    let gone = db
        .with_conn(|c| drafts::load(c, Some(&kept), b, ASHA))
        .unwrap();
    assert_eq!(gone, None, "an ended draft is not brought back");
}

#[test]
fn a_draft_written_in_a_batch_that_is_undone_is_forgotten() {
    let (_dir, db, b) = test_shop();
    let kept = Kept::default();
    db.with_tx(|tx| drafts::save(tx, Some(&kept), b, ASHA, &draft_of(500)))
        .unwrap();
    kept.committed();
    undone(&db, |tx| {
        drafts::save(tx, Some(&kept), b, ASHA, &draft_of(2000)).unwrap();
    });
    kept.rolled_back();
    let read = db
        .with_conn(|c| drafts::load(c, Some(&kept), b, ASHA))
        .unwrap();
    assert_eq!(grams(read), Some(500), "the batch's change went with it");
    // The same draft saved again after the undo is written, not taken as already there.
    db.with_tx(|tx| drafts::save(tx, Some(&kept), b, ASHA, &draft_of(2000)))
        .unwrap();
    kept.committed();
    assert_eq!(stored(&db, b), Some(2000));
}

#[test]
fn a_message_undone_within_its_batch_leaves_the_draft_of_the_messages_before_it() {
    let (_dir, db, b) = test_shop();
    let kept = Kept::default();
    db.with_tx(|tx| {
        drafts::save(tx, Some(&kept), b, ASHA, &draft_of(500))?;
        tx.execute_batch("SAVEPOINT message")?;
        drafts::save(tx, Some(&kept), b, ASHA, &draft_of(3000))?;
        tx.execute_batch("ROLLBACK TO message; RELEASE message")?;
        kept.undone(b, ASHA);
        let now = drafts::load(tx, Some(&kept), b, ASHA)?;
        assert_eq!(
            grams(now),
            Some(500),
            "the earlier message's draft, read again"
        );
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
    kept.committed();
    let read = db
        .with_conn(|c| drafts::load(c, Some(&kept), b, ASHA))
        .unwrap();
    assert_eq!(grams(read), Some(500));
    assert_eq!(stored(&db, b), Some(500));
}

#[test]
fn what_the_last_message_changed_is_never_kept() {
    let (_dir, db, b) = test_shop();
    let kept = Kept::default();
    let mut d = draft_of(500);
    d.changes.push("added Kaju Katli 500 g".into());
    db.with_tx(|tx| drafts::save(tx, Some(&kept), b, ASHA, &d))
        .unwrap();
    kept.committed();
    let read = db
        .with_conn(|c| drafts::load(c, Some(&kept), b, ASHA))
        .unwrap();
    assert_eq!(read.map(|d| d.changes), Some(Vec::new()));
}
