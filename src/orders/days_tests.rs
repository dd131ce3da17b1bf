//! The kept day counts (migrations V25 and V28) and whole-book counts (V44) against the orders
//! themselves, after every kind of change an order can go through; and deep pages found through
//! them against the pages that stepping over every newer order finds.

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use super::store::{list_with, Detail, Filter};
use super::{PaymentStatus, Status};
use crate::accounts::businesses;
use crate::customers::figures_tests::{old_shop, order_in};
use crate::customers::upsert;
use crate::domain::Phone;
use crate::error::AppResult;

/// Orders counted by business, day, status and payment status.
type Days = BTreeMap<(i64, i64, String, String), i64>;

fn kept(c: &Connection) -> AppResult<Days> {
    let mut s = c.prepare(
        "SELECT business_id, day, status, payment_status, n FROM order_days WHERE n != 0",
    )?;
    let rows = s.query_map([], |r| {
        Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The same counts from the orders, each day found by rounding down in Rust.
fn counted(c: &Connection) -> AppResult<Days> {
    let mut s = c.prepare("SELECT business_id, created_at, status, payment_status FROM orders")?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get(2)?,
            r.get(3)?,
        ))
    })?;
    let mut days = Days::new();
    for row in rows {
        let (business, at, status, payment) = row?;
        *days
            .entry((business, at.div_euclid(86_400), status, payment))
            .or_default() += 1;
    }
    Ok(days)
}

/// Orders counted by business, status and payment status.
type Totals = BTreeMap<(i64, String, String), i64>;

fn kept_totals(c: &Connection) -> AppResult<Totals> {
    let mut s =
        c.prepare("SELECT business_id, status, payment_status, n FROM order_counts WHERE n != 0")?;
    let rows = s.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The day counts added up over the days.
fn totals(days: &Days) -> Totals {
    let mut totals = Totals::new();
    for ((business, _, status, payment), n) in days {
        *totals
            .entry((*business, status.clone(), payment.clone()))
            .or_default() += n;
    }
    totals
}

/// Two businesses, and a customer of the first.
fn two_shops(c: &Connection) -> AppResult<(i64, i64, i64)> {
    let a = businesses::insert(c, "Sweets", "sweets")?.id;
    let b = businesses::insert(c, "Snacks", "snacks")?.id;
    let asha = upsert(c, a, &Phone::parse("9800000001", "91").unwrap(), "Asha")?;
    Ok((a, b, asha))
}

#[test]
fn kept_day_counts_follow_every_change_to_the_orders() {
    let (_dir, db) = crate::db::scratch();
    db.with_tx(|tx| {
        let (a, b, asha) = two_shops(tx)?;
        let agree = |step: &str| -> AppResult<()> {
            let days = counted(tx)?;
            assert_eq!(kept(tx)?, days, "{step}");
            assert_eq!(
                kept_totals(tx)?,
                totals(&days),
                "{step}: the whole book's counts"
            );
            Ok(())
        };
        // Either side of midnight, and of the epoch, where rounding toward zero would differ.
        let times = [
            86_399,
            86_400,
            86_401,
            0,
            -1,
            -86_400,
            -86_401,
            1_700_000_000,
        ];
        for (i, at) in times.into_iter().enumerate() {
            let status = if i % 3 == 0 { "delivered" } else { "pending" };
            order_in(tx, a, asha, (i as i64 + 1, 100, status, at));
        }
        agree("taken")?;
        let set = |sql: &str, number: i64| tx.execute(sql, params![a, number]).map(|_| ());
        set(
            "UPDATE orders SET status = 'confirmed' WHERE business_id = ?1 AND number = ?2",
            2,
        )?;
        agree("moved along")?;
        set(
            "UPDATE orders SET payment_status = 'paid' WHERE business_id = ?1 AND number = ?2",
            2,
        )?;
        agree("paid")?;
        set(
            "UPDATE orders SET payment_status = 'refunded', status = 'cancelled'
             WHERE business_id = ?1 AND number = ?2",
            2,
        )?;
        agree("cancelled and refunded at once")?;
        set(
            "UPDATE orders SET created_at = 86_399 + 86_400 WHERE business_id = ?1 AND number = ?2",
            1,
        )?;
        agree("re-dated to another day")?;
        set(
            "UPDATE orders SET created_at = created_at + 1 WHERE business_id = ?1 AND number = ?2",
            4,
        )?;
        agree("re-dated within its day")?;
        set(
            "UPDATE orders SET total_minor = 5 WHERE business_id = ?1 AND number = ?2",
            3,
        )?;
        agree("repriced")?;
        set(
            "UPDATE orders SET business_id = ?1 + 1 WHERE business_id = ?1 AND number = ?2",
            5,
        )?;
        assert_eq!(b, a + 1);
        agree("moved to another business")?;
        set(
            "DELETE FROM orders WHERE business_id = ?1 AND number = ?2",
            6,
        )?;
        agree("removed")?;
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
}

/// Orders taken in `[from, to)`, either end open.
type Range = (Option<i64>, Option<i64>);

/// The numbers of one page, as stepping over every newer order finds them, and how many
/// orders the filter matches in all.
fn stepped(c: &Connection, business: i64, f: &Filter, page: i64, per: i64) -> (Vec<i64>, i64) {
    let filter = "business_id = ?1 AND (?2 IS NULL OR status = ?2)
         AND created_at >= COALESCE(?3, -1e18) AND created_at < COALESCE(?4, 1e18)
         AND (?5 IS NULL OR payment_status = ?5)";
    let status = f.status.map(Status::as_str);
    let payment = f.payment.map(PaymentStatus::as_str);
    let mut s = c
        .prepare(&format!(
            "SELECT number FROM orders WHERE {filter}
             ORDER BY created_at DESC, number DESC LIMIT ?6 OFFSET ?7"
        ))
        .unwrap();
    let args = params![
        business,
        status,
        f.from,
        f.to,
        payment,
        per,
        (page - 1) * per
    ];
    let rows = s.query_map(args, |r| r.get(0));
    let numbers = rows.unwrap().collect::<Result<_, _>>().unwrap();
    let count = c.query_row(
        &format!("SELECT COUNT(*) FROM orders WHERE {filter}"),
        params![business, status, f.from, f.to, payment],
        |r| r.get(0),
    );
    (numbers, count.unwrap())
}

#[test]
fn every_page_is_the_one_stepping_over_newer_orders_finds() {
    let (_dir, db) = crate::db::scratch();
    db.with_tx(|tx| {
        let (a, b, asha) = two_shops(tx)?;
        let bala = upsert(tx, b, &Phone::parse("9811112222", "91").unwrap(), "Bala")?;
        // Days of none to forty orders, some taken in the same second, mixed statuses, and
        // another business's orders among them.
        let statuses = [
            "pending",
            "delivered",
            "cancelled",
            "delivered",
            "confirmed",
        ];
        let (mut at, mut seed) = (1_700_000_000_i64, 7_u64);
        for number in 1..=300 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            at += [0, 0, 40, 3_000, 86_400, 200_000][(seed >> 33) as usize % 6];
            let status = statuses[(seed >> 40) as usize % statuses.len()];
            order_in(tx, a, asha, (number, 100, status, at));
            order_in(tx, b, bala, (number, 100, status, at + 1));
        }
        // Money standing every way, changed after the orders were taken.
        tx.execute_batch(
            "UPDATE orders SET payment_status = CASE (number * 7) % 5 WHEN 0 THEN 'paid'
                 WHEN 1 THEN 'refunded' WHEN 2 THEN 'partly_paid' ELSE 'unpaid' END",
        )?;
        // The whole book; dates from or to mid-day, or exactly midnight; within one day;
        // none at all.
        let (day, start) = (86_400, 1_700_000_000 - 1_700_000_000 % 86_400);
        let ranges: [Range; 7] = [
            (None, None),
            (Some(start + 3 * day + 5_000), None),
            (None, Some(start + 20 * day + 700)),
            (Some(start + 2 * day), Some(start + 30 * day)),
            (Some(start + 4 * day + 10), Some(start + 41 * day + 80_000)),
            (Some(start + 5 * day + 100), Some(start + 5 * day + 90_000)),
            (Some(start + 9 * day), Some(start + 9 * day)),
        ];
        for (from, to) in ranges {
            let statuses = [None, Some(Status::Delivered), Some(Status::Confirmed)];
            let payments = [None, Some(PaymentStatus::Paid), Some(PaymentStatus::Unpaid)];
            let filters = statuses
                .into_iter()
                .flat_map(|s| payments.into_iter().map(move |p| (s, p)));
            for (status, payment) in filters {
                for per in [1, 7, 25] {
                    let f = Filter {
                        status,
                        payment,
                        from,
                        to,
                        ..Default::default()
                    };
                    for page in 1..=(300 / per + 2) {
                        let (listed, total) = list_with(tx, a, &f, (page, per), Detail::Row)?;
                        let numbers: Vec<i64> = listed.iter().map(|o| o.number).collect();
                        let (want, count) = stepped(tx, a, &f, page, per);
                        let what = format!(
                            "page {page} of {per}, {status:?} {payment:?}, {from:?}-{to:?}"
                        );
                        assert_eq!(numbers, want, "{what}");
                        assert_eq!((total.count, total.capped), (count, false), "{what}");
                    }
                }
            }
        }
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
}

#[test]
fn a_part_of_a_day_is_counted_alike_from_either_side() {
    let (_dir, db) = crate::db::scratch();
    db.with_tx(|tx| {
        let (a, _, asha) = two_shops(tx)?;
        // An order every 40 minutes over four days, every third one delivered.
        let start = 1_700_000_000 - 1_700_000_000 % 86_400;
        for number in 1..=144 {
            let status = if number % 3 == 0 {
                "delivered"
            } else {
                "pending"
            };
            order_in(
                tx,
                a,
                asha,
                (number, 100, status, start + number * 2_400 - 1_000),
            );
        }
        // Ends at a shop's midnight east and west of UTC, and near either edge of a day: each
        // part is the shorter or the longer side of its day.
        for (from_in, to_in) in [
            (66_600, 66_600),
            (18_000, 18_000),
            (1_000, 85_000),
            (85_000, 1_000),
            (43_199, 43_201),
        ] {
            let from = Some(start + from_in);
            let to = Some(start + 2 * 86_400 + to_in);
            for status in [None, Some(Status::Delivered)] {
                let f = Filter {
                    status,
                    from,
                    to,
                    ..Default::default()
                };
                let (listed, total) = list_with(tx, a, &f, (2, 7), Detail::Row)?;
                let numbers: Vec<i64> = listed.iter().map(|o| o.number).collect();
                let (want, count) = stepped(tx, a, &f, 2, 7);
                let what = format!("{status:?}, {from_in} to {to_in}");
                assert_eq!((numbers, total.count), (want, count), "{what}");
            }
        }
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
}

#[test]
fn orders_taken_before_v25_are_counted_on_their_days_after() {
    let (_dir, db) = old_shop(24);
    db.with_conn(|c| {
        for (number, at, status) in [
            (1, -1, "pending"),
            (2, 86_399, "pending"),
            (3, 86_400, "delivered"),
        ] {
            order_in(c, 1, 1, (number, 100, status, at));
        }
        Ok(())
    })
    .unwrap();
    db.migrate().unwrap();
    db.with_conn(|c| {
        let want: Days = [
            ((1, -1, "pending"), 1),
            ((1, 0, "pending"), 1),
            ((1, 1, "delivered"), 1),
        ]
        .into_iter()
        .map(|((b, d, s), n)| ((b, d, s.to_owned(), "unpaid".to_owned()), n))
        .collect();
        assert_eq!(kept(c)?, want);
        assert_eq!(kept(c)?, counted(c)?);
        Ok(())
    })
    .unwrap();
}

#[test]
fn orders_paid_before_v28_are_counted_by_payment_after() {
    let (_dir, db) = old_shop(27);
    db.with_conn(|c| {
        for (number, at, status) in [
            (1, 10, "pending"),
            (2, 20, "delivered"),
            (3, 30, "delivered"),
        ] {
            order_in(c, 1, 1, (number, 100, status, at));
        }
        c.execute_batch(
            "UPDATE orders SET payment_status = 'paid' WHERE number = 2;
             UPDATE orders SET payment_status = 'partly_refunded' WHERE number = 3;",
        )?;
        Ok(())
    })
    .unwrap();
    db.migrate().unwrap();
    db.with_conn(|c| {
        let want: Days = [
            ((1, 0, "delivered", "paid"), 1),
            ((1, 0, "delivered", "partly_refunded"), 1),
            ((1, 0, "pending", "unpaid"), 1),
        ]
        .into_iter()
        .map(|((b, d, s, p), n)| ((b, d, s.to_owned(), p.to_owned()), n))
        .collect();
        assert_eq!(kept(c)?, want);
        let paid = Filter {
            payment: Some(PaymentStatus::Paid),
            ..Default::default()
        };
        let (listed, total) = list_with(c, 1, &paid, (1, 25), Detail::Row)?;
        let numbers: Vec<i64> = listed.iter().map(|o| o.number).collect();
        assert_eq!((numbers, total.count, total.capped), (vec![2], 1, false));
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_filter_naming_another_shops_customer_finds_nothing() {
    let (_dir, db) = crate::db::scratch();
    db.with_tx(|tx| {
        let (a, b, asha) = two_shops(tx)?;
        for number in 1..=3 {
            order_in(
                tx,
                a,
                asha,
                (number, 100, "pending", 1_700_000_000 + number),
            );
        }
        let f = Filter {
            customer_id: Some(asha),
            ..Default::default()
        };
        let (theirs, total) = list_with(tx, a, &f, (1, 25), Detail::Row)?;
        assert_eq!((theirs.len(), total.count), (3, 3));
        let (elsewhere, total) = list_with(tx, b, &f, (1, 25), Detail::Row)?;
        assert_eq!((elsewhere.len(), total.count), (0, 0));
        assert!(super::store::all(tx, b, &f)?.is_empty());
        Ok::<_, crate::error::AppError>(())
    })
    .unwrap();
}
