//! A reply the same as the newest one still waiting to go to that person is not queued again.

use rusqlite::Connection;

use super::outbox::{self, Content, Hold};
use crate::accounts::test_shop;
use crate::db::Db;

const ASHA: &str = "919812345678";
const RAVI: &str = "919800000002";

/// Queues `text` to `to` unless it waits already: the message id when it was queued.
fn say(db: &Db, b: i64, to: &str, text: &str) -> Option<i64> {
    db.with_tx(|tx| outbox::enqueue_new(tx, b, to, &Content::text(text), "simulator"))
        .unwrap()
}

fn outbox_id(conn: &Connection, message_id: i64) -> i64 {
    conn.query_row(
        "SELECT id FROM outbox WHERE message_id = ?1",
        [message_id],
        |r| r.get(0),
    )
    .unwrap()
}

fn rows(db: &Db) -> i64 {
    db.with_conn(|c| Ok(c.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn the_same_reply_waiting_already_is_not_queued_twice() {
    let (_dir, db, b) = test_shop();
    let first = say(&db, b, ASHA, "Here is your order");
    assert!(first.is_some());
    assert_eq!(say(&db, b, ASHA, "Here is your order"), None, "it waits");
    assert_eq!(rows(&db), 1);
    assert!(
        say(&db, b, RAVI, "Here is your order").is_some(),
        "another person is sent their own"
    );
    assert!(
        say(&db, b, ASHA, "Here is your order, changed").is_some(),
        "something new is queued"
    );
    assert!(
        say(&db, b, ASHA, "Here is your order").is_some(),
        "the same as an older row, but not the newest: it says something again after the change"
    );
    assert_eq!(rows(&db), 4);
}

#[test]
fn a_reply_on_its_way_or_gone_is_sent_again() {
    let (_dir, db, b) = test_shop();
    let first = say(&db, b, ASHA, "Hello").unwrap();
    db.with_tx(|tx| outbox::claim(tx, outbox_id(tx, first)))
        .unwrap();
    let second = say(&db, b, ASHA, "Hello").expect("the first may have arrived: a new question");
    let due = db
        .with_conn(|c| {
            Ok(outbox::Due {
                id: outbox_id(c, first),
                business_id: b,
                message_id: first,
                recipient: ASHA.into(),
                content: Content::text("Hello"),
                attempts: 1,
            })
        })
        .unwrap();
    db.with_tx(|tx| outbox::sent(tx, &due, "wamid.first"))
        .unwrap();
    assert_eq!(say(&db, b, ASHA, "Hello"), None, "the second still waits");
    db.with_tx(|tx| {
        let id = outbox_id(tx, second);
        outbox::claim(tx, id)
    })
    .unwrap();
    assert!(
        say(&db, b, ASHA, "Hello").is_some(),
        "the second is on its way"
    );
    assert_eq!(rows(&db), 3);
}

#[test]
fn a_held_reply_is_not_one_to_leave_out_for() {
    let (_dir, db, b) = test_shop();
    db.with_tx(|tx| {
        tx.execute(
            "INSERT INTO customers (business_id, phone, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
            rusqlite::params![b, ASHA],
        )?;
        tx.execute(
            "INSERT INTO orders (business_id, number, channel, customer_id, subtotal_minor,
                 delivery_fee_minor, total_minor, currency, status, payment_mode, payment_status,
                 created_at, updated_at)
             VALUES (?1, 1, 'whatsapp', ?2, 100, 0, 100, 'INR', 'pending', 'cash', 'unpaid', 0, 0)",
            [b, tx.last_insert_rowid()],
        )?;
        let order = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO order_events (business_id, order_id, kind, actor, created_at)
             VALUES (?1, ?2, 'created', 'novi', 0)",
            [b, order],
        )?;
        let hold = Hold {
            order_event_id: tx.last_insert_rowid(),
            until_ms: i64::MAX,
        };
        let taken = Content::text("Order #1 taken");
        outbox::enqueue_held(tx, b, ASHA, &taken, "simulator", Some(hold))
    })
    .unwrap();
    assert!(
        say(&db, b, ASHA, "Order #1 taken").is_some(),
        "a held row may be taken back, so it answers nothing for sure"
    );
}
