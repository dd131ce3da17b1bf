//! Each customer's kept figures (migration V23) against the same figures summed from their
//! orders, after every kind of change an order can go through, and after an upgrade.

use rusqlite::{params, Connection};

use super::{by_id, upsert};
use crate::accounts::businesses;
use crate::domain::Phone;
use crate::error::AppResult;

type Figures = (i64, i64, Option<i64>);

/// The figures summed from the orders themselves, as the customer list once did.
fn summed(c: &Connection, customer: i64) -> AppResult<Figures> {
    Ok(c.query_row(
        "SELECT COUNT(*) FILTER (WHERE status != 'cancelled'),
             CAST(TOTAL(total_minor) FILTER (WHERE status != 'cancelled') AS INTEGER),
             MAX(created_at)
         FROM orders WHERE customer_id = ?1",
        [customer],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

fn kept(c: &Connection, business: i64, customer: i64) -> AppResult<Figures> {
    let k = by_id(c, business, customer)?.expect("the customer is on file");
    Ok((k.order_count, k.total_spent.minor(), k.last_order_at))
}

/// A database at schema `version`, holding business 1 ("old") and its customer 1, Asha: where
/// an upgrade test writes rows as an older Novi did.
pub(crate) fn old_shop(version: i32) -> (tempfile::TempDir, crate::db::Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::db::Db::as_of(dir.path(), version);
    db.with_conn(|c| {
        c.execute_batch(
            "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'old', 'Old Shop', 1);
             INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
                 VALUES (1, 1, '919812345678', 'Asha', 1, 1);",
        )?;
        Ok(())
    })
    .unwrap();
    (dir, db)
}

/// A pending order of `customer`'s, numbered `number`, for `total` minor units, taken `at`.
fn order(c: &Connection, business: i64, customer: i64, number: i64, total: i64, at: i64) {
    order_in(c, business, customer, (number, total, "pending", at));
}

/// An order written as a row, as any writer might: `(number, total, status, taken at)`.
pub(crate) fn order_in(c: &Connection, business: i64, customer: i64, o: (i64, i64, &str, i64)) {
    let (number, total, status, at) = o;
    c.execute(
        "INSERT INTO orders (business_id, number, channel, customer_id, subtotal_minor,
             delivery_fee_minor, total_minor, currency, status, payment_mode, payment_status,
             created_at, updated_at)
         VALUES (?1, ?2, 'whatsapp', ?3, ?4, 0, ?4, 'INR', ?5, 'cash', 'unpaid', ?6, ?6)",
        params![business, number, customer, total, status, at],
    )
    .unwrap();
}

#[test]
fn kept_figures_follow_every_change_to_a_customers_orders() {
    let (_dir, db) = crate::db::scratch();
    db.with_tx(|tx| {
        let b = businesses::insert(tx, "Sweets", "sweets")?.id;
        let asha = upsert(tx, b, &Phone::parse("9800000001", "91").unwrap(), "Asha")?;
        let bala = upsert(tx, b, &Phone::parse("9811112222", "91").unwrap(), "Bala")?;
        let agree = |step: &str| -> AppResult<()> {
            for who in [asha, bala] {
                assert_eq!(kept(tx, b, who)?, summed(tx, who)?, "{step}, customer {who}");
            }
            Ok(())
        };
        agree("no orders")?;
        assert_eq!(kept(tx, b, bala)?, (0, 0, None));
        order(tx, b, asha, 1, 10_050, 100);
        order(tx, b, asha, 2, 2_000, 300);
        order(tx, b, bala, 3, 700, 200);
        agree("taken")?;
        assert_eq!(kept(tx, b, asha)?, (2, 12_050, Some(300)));
        let set = |sql: &str| tx.execute(sql, []).map(|_| ());
        set("UPDATE orders SET status = 'cancelled' WHERE number = 2")?;
        agree("cancelled")?;
        assert_eq!(kept(tx, b, asha)?, (1, 10_050, Some(300)), "dated by any");
        set("UPDATE orders SET status = 'confirmed', total_minor = 2500 WHERE number = 2")?;
        agree("taken back at a new total")?;
        set("UPDATE orders SET customer_id = (SELECT id FROM customers WHERE name = 'Bala') WHERE number = 2")?;
        agree("moved to another customer")?;
        assert_eq!(kept(tx, b, asha)?, (1, 10_050, Some(100)));
        set("UPDATE orders SET created_at = 50 WHERE number = 2")?;
        agree("redated")?;
        set("DELETE FROM orders WHERE number = 1")?;
        agree("removed")?;
        assert_eq!(kept(tx, b, asha)?, (0, 0, None));
        assert_eq!(kept(tx, b, bala)?, (2, 3_200, Some(200)));
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
}

#[test]
fn customers_with_orders_before_v23_keep_their_figures_after() {
    let (_dir, db) = old_shop(22);
    db.with_conn(|c| {
        c.execute(
            "INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
                 VALUES (2, 1, '919800000001', 'Bala', 1, 2)",
            [],
        )?;
        order(c, 1, 1, 1, 10_050, 100);
        order(c, 1, 1, 2, 99_900, 400);
        c.execute(
            "UPDATE orders SET status = 'cancelled' WHERE number = 2",
            [],
        )?;
        order(c, 1, 1, 3, 2_000, 300);
        Ok(())
    })
    .unwrap();
    db.migrate().unwrap();
    db.with_conn(|c| {
        assert_eq!(kept(c, 1, 1)?, (2, 12_050, Some(400)));
        assert_eq!(kept(c, 1, 2)?, (0, 0, None));
        assert_eq!(kept(c, 1, 1)?, summed(c, 1)?);
        Ok(())
    })
    .unwrap();
}
