//! Upgrading a database an older Novi left, with orders in it: V12 rebuilds `orders` (to change
//! its CHECKs), and every order, its lines, events and stock moves must come through as they were.

use rusqlite::{params, Connection};

use super::Db;

/// A shop as V11 left it: two orders (one cash on delivery, one paid online), each with a
/// line, a timeline entry and a stock move.
fn fill_v11(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'old', 'Old Shop', 1);
         INSERT INTO products (id, business_id, sku, name, unit, price_minor, stock, created_at, updated_at)
             VALUES (1, 1, 'kaju-katli', 'Kaju katli', 'kg', 120000, 1000, 1, 1);
         INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
             VALUES (1, 1, '919812345678', 'Asha', 1, 1);",
    )?;
    for (id, mode, status, deliver_on) in [
        (1, "cod", "pending", None),
        (2, "online", "delivered", Some("2026-12-05")),
    ] {
        c.execute(
            "INSERT INTO orders (id, business_id, number, channel, customer_id, subtotal_minor,
                 delivery_fee_minor, total_minor, currency, address, notes, status, payment_mode,
                 payment_status, created_at, updated_at, first_message_ms, fulfilment, deliver_on)
             VALUES (?1, 1, ?1, 'whatsapp', 1, 60000, 4000, 64000, 'INR', '12 MG Road', 'ring twice',
                 ?2, ?3, 'unpaid', 100, 200, 99000, 'delivery', ?4)",
            params![id, status, mode, deliver_on],
        )?;
        c.execute(
            "INSERT INTO order_lines (business_id, order_id, position, product_id, sku, name, unit,
                 qty, unit_price_minor, total_minor, said)
             VALUES (1, ?1, 0, 1, 'kaju-katli', 'Kaju katli', 'kg', 500, 120000, 60000, 'kaju')",
            [id],
        )?;
        c.execute(
            "INSERT INTO order_events (business_id, order_id, kind, to_status, actor, created_at)
             VALUES (1, ?1, 'created', 'pending', 'customer', 100)",
            [id],
        )?;
        c.execute(
            "INSERT INTO stock_moves (business_id, product_id, delta, stock_after, reason, order_id, actor, created_at)
             VALUES (1, 1, -500, 500, 'order', ?1, 'customer', 100)",
            [id],
        )?;
    }
    Ok(())
}

/// An order's number, status, payment mode and status, total, wanted-on day and first message.
type OrderRow = (
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
);

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn an_existing_book_of_orders_upgrades_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::as_of(dir.path(), 11);
    db.with_conn(|c| Ok(fill_v11(c)?)).unwrap();

    let applied = db.migrate().unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("V12__payments"));

    db.with_conn(|c| {
        // The lines, events and stock moves of both orders are still there: nothing cascaded.
        assert_eq!(count(c, "SELECT COUNT(*) FROM order_lines"), 2);
        assert_eq!(count(c, "SELECT COUNT(*) FROM order_events"), 2);
        assert_eq!(
            count(
                c,
                "SELECT COUNT(*) FROM stock_moves WHERE order_id IS NOT NULL"
            ),
            2
        );
        assert_eq!(count(c, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
        let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        assert_eq!(fk, 1, "the connection is back to checking references");

        // Each order as it was, its mode in the new words.
        let rows: Vec<OrderRow> = c
            .prepare(
                "SELECT number, status, payment_mode, payment_status, total_minor, deliver_on,
                        first_message_ms FROM orders ORDER BY id",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        assert_eq!(
            rows,
            vec![
                (
                    1,
                    "pending".into(),
                    "cash".into(),
                    "unpaid".into(),
                    64000,
                    None,
                    Some(99000)
                ),
                (
                    2,
                    "delivered".into(),
                    "razorpay".into(),
                    "unpaid".into(),
                    64000,
                    Some("2026-12-05".into()),
                    Some(99000)
                ),
            ]
        );

        // The indexes and the triggers that keep the counts came back with the table.
        for index in [
            "orders_business_status_created",
            "orders_business_created_number",
            "orders_customer_book",
            "orders_business_wanted",
        ] {
            let sql = format!(
                "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = '{index}'"
            );
            assert_eq!(count(c, &sql), 1, "{index}");
        }
        let counts = "SELECT n FROM order_counts WHERE business_id = 1 AND status = 'pending'";
        assert_eq!(count(c, counts), 1);
        c.execute("UPDATE orders SET status = 'confirmed' WHERE id = 1", [])?;
        assert_eq!(count(c, counts), 0, "the status trigger is back");

        // The new CHECKs hold, and a deleted order still takes its lines with it.
        let bad = c.execute("UPDATE orders SET payment_mode = 'cod' WHERE id = 1", []);
        assert!(bad.is_err(), "old mode refused");
        c.execute(
            "UPDATE orders SET payment_status = 'partly_paid' WHERE id = 1",
            [],
        )?;
        c.execute("DELETE FROM stock_moves WHERE order_id = 1", [])?;
        c.execute("DELETE FROM orders WHERE id = 1", [])?;
        assert_eq!(count(c, "SELECT COUNT(*) FROM order_lines"), 1);
        Ok(())
    })
    .unwrap();
}

/// A shop as V20 left it, where staff had recorded Razorpay payments by hand: the same payment
/// id twice, a refund citing the payment's id, and two without a reference.
fn fill_v20(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'old', 'Old Shop', 1);
         INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
             VALUES (1, 1, '919812345678', 'Asha', 1, 1);
         INSERT INTO orders (id, business_id, number, channel, customer_id, subtotal_minor,
                 delivery_fee_minor, total_minor, currency, status, payment_mode, payment_status,
                 created_at, updated_at)
             VALUES (1, 1, 1, 'whatsapp', 1, 64000, 0, 64000, 'INR', 'delivered', 'razorpay',
                 'paid', 100, 200);",
    )?;
    for (id, kind, reference) in [
        (1, "payment", "pay_same"),
        (2, "payment", "pay_same"),
        (3, "refund", "pay_same"),
        (4, "payment", ""),
        (5, "payment", ""),
    ] {
        c.execute(
            "INSERT INTO payments (id, business_id, order_id, amount_minor, mode, kind, reference, recorded_at)
             VALUES (?1, 1, 1, 100, 'razorpay', ?2, ?3, 300)",
            params![id, kind, reference],
        )?;
    }
    Ok(())
}

#[test]
fn razorpay_payments_recorded_twice_by_hand_upgrade_and_the_once_rule_holds_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::as_of(dir.path(), 20);
    db.with_conn(|c| Ok(fill_v20(c)?)).unwrap();

    let applied = db.migrate().unwrap();
    assert_eq!(
        applied.first().map(String::as_str),
        Some("V21__razorpay_payments")
    );

    db.with_conn(|c| {
        let refs: Vec<(i64, String)> = c
            .prepare("SELECT amount_minor, reference FROM payments ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // Every row and amount kept; only the repeat's reference is marked.
        let expected = ["pay_same", "pay_same (repeat 2)", "pay_same", "", ""];
        let expected: Vec<(i64, String)> = expected.iter().map(|r| (100, r.to_string())).collect();
        assert_eq!(refs, expected);

        let insert = |kind: &str, reference: &str| {
            c.execute(
                "INSERT INTO payments (business_id, order_id, amount_minor, mode, kind, reference, recorded_at)
                 VALUES (1, 1, 100, 'razorpay', ?1, ?2, 400)",
                params![kind, reference],
            )
        };
        assert!(insert("payment", "pay_same").is_err(), "recorded once");
        assert!(insert("refund", "pay_same").is_err(), "a refund id once too");
        insert("payment", "").expect("no reference is no Razorpay id");
        insert("refund", "rfnd_new").expect("a new refund id");
        // Cash with the same reference is not Razorpay's.
        c.execute(
            "INSERT INTO payments (business_id, order_id, amount_minor, mode, kind, reference, recorded_at)
             VALUES (1, 1, 100, 'cash', 'payment', 'pay_same', 400)",
            [],
        )?;
        Ok(())
    })
    .unwrap();
}
