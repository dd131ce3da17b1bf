//! Figures for a seeded shop with known orders against numbers worked out by hand, for each
//! period, with the day boundary on the shop's clock (India, UTC+5:30); the cache's staleness;
//! and the sales reports.

use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use rusqlite::{params, Connection, StatementStatus};

use super::figures::figures_on;
use super::period::{parse_day, Period, Span};
use super::sales::{sales, By};
use super::{figures, Cache};
use crate::accounts::businesses::{self, Business};
use crate::catalog::products;
use crate::db::Db;
use crate::domain::Money;
use crate::orders::model::Line;
use crate::orders::store::{insert_past, PastOrder};
use crate::orders::{service, Channel, Fulfilment, NewUnread, PaymentMode, PaymentStatus, Status};
use crate::{customers, domain::Phone};

fn ist(text: &str) -> i64 {
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    FixedOffset::east_opt(330 * 60)
        .unwrap()
        .from_local_datetime(&t)
        .unwrap()
        .timestamp()
}

fn day(s: &str) -> NaiveDate {
    parse_day(s, "test").unwrap()
}

fn line(conn: &Connection, b: &Business, sku: &str, qty: u32) -> Line {
    let p = products::by_sku(conn, b.id, sku).unwrap().unwrap();
    let per = if p.unit == crate::domain::Unit::Kg {
        1000
    } else {
        1
    };
    Line {
        product_id: p.id,
        sku: p.sku.clone(),
        name: p.name.clone(),
        unit: p.unit,
        variant: None,
        variant_count: None,
        qty,
        unit_price: p.price,
        total: Money::from_minor(p.price.minor() * i64::from(qty) / per),
        said: None,
    }
}

struct Spec<'a> {
    number: i64,
    customer: i64,
    channel: Channel,
    at: &'a str,
    lines: &'a [(&'a str, u32)],
    status: Status,
}

fn order(conn: &Connection, b: &Business, s: &Spec) -> i64 {
    let lines: Vec<Line> = s
        .lines
        .iter()
        .map(|(sku, q)| line(conn, b, sku, *q))
        .collect();
    let totals = service::totals(&lines, Money::from_minor(0)).unwrap();
    let at = ist(s.at);
    let moves = [(s.status, at + 60)];
    let o = PastOrder {
        number: s.number,
        channel: s.channel,
        customer_id: s.customer,
        lines: &lines,
        totals: &totals,
        currency: "INR",
        address: "",
        notes: "",
        payment_mode: PaymentMode::Cash,
        payment_status: if s.status == Status::Cancelled {
            PaymentStatus::Unpaid
        } else {
            PaymentStatus::Paid
        },
        fulfilment: Fulfilment::Pickup,
        deliver_on: None,
        created_at: at,
        moves: if s.status == Status::Pending {
            &[]
        } else {
            &moves
        },
        actor: "customer",
        staff: "owner",
        chat_ms: None,
    };
    let id = insert_past(conn, b.id, &o).unwrap();
    // Every order that stands was paid in cash when it was taken, so takings (money received)
    // are the totals of the orders that stand.
    if s.status != Status::Cancelled {
        conn.execute(
            "INSERT INTO payments (business_id, order_id, amount_minor, mode, kind, recorded_at)
             VALUES (?1, ?2, ?3, 'cash', 'payment', ?4)",
            params![b.id, id, totals.total.minor(), at],
        )
        .unwrap();
    }
    id
}

/// Sweets (India, UTC+5:30), today 10 March 2026:
/// #1 Asha, 1 Mar 10:00, manual, 500 g kaju katli = ₹600, delivered;
/// #2 Asha, 10 Mar 00:10 (9 Mar in UTC), WhatsApp, 12 gulab jamun = ₹240, delivered;
/// #3 Bala, 9 Mar 23:50, WhatsApp, 1 kg kaju katli = ₹1,200, confirmed, one line left unread;
/// #4 Bala, 10 Mar 12:00, group, 10 rasgulla = ₹180, cancelled;
/// #5 Chitra, 10 Mar 13:30, storefront, 250 g kaju katli + 2 gulab jamun = ₹340, pending.
/// Replies on 10 Mar of 1, 2, 3, 4 and 10 s; one on 9 Mar of 0.5 s.
fn shop() -> (tempfile::TempDir, Db, Business) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let b = db
        .with_tx(|tx| {
            let b = businesses::insert(tx, "Sweets", "sweets")?;
            crate::demo::import_catalog(tx, b.id)?;
            let c = |phone: &str, name: &str| {
                customers::upsert(tx, b.id, &Phone::parse(phone, "91").unwrap(), name)
            };
            let (asha, bala, chitra) = (c("9800000001", "Asha")?, c("9800000002", "Bala")?, c("9800000003", "Chitra")?);
            let specs = [
                Spec { number: 1, customer: asha, channel: Channel::Manual, at: "2026-03-01 10:00", lines: &[("kaju-katli", 500)], status: Status::Delivered },
                Spec { number: 2, customer: asha, channel: Channel::Whatsapp, at: "2026-03-10 00:10", lines: &[("gulab-jamun", 12)], status: Status::Delivered },
                Spec { number: 3, customer: bala, channel: Channel::Whatsapp, at: "2026-03-09 23:50", lines: &[("kaju-katli", 1000)], status: Status::Confirmed },
                Spec { number: 4, customer: bala, channel: Channel::Group, at: "2026-03-10 12:00", lines: &[("rasgulla", 10)], status: Status::Cancelled },
                Spec { number: 5, customer: chitra, channel: Channel::Storefront, at: "2026-03-10 13:30", lines: &[("kaju-katli", 250), ("gulab-jamun", 2)], status: Status::Pending },
            ];
            let ids: Vec<i64> = specs.iter().map(|s| order(tx, &b, s)).collect();
            let unread = NewUnread { text: "1 kg kesar peda".into(), words: "kesar peda".into(), reason: "unknown".into(), candidates: vec![] };
            crate::orders::unread::keep(tx, b.id, ids[2], &[unread])?;
            for (day, ms) in [("2026-03-10", 1000), ("2026-03-10", 2000), ("2026-03-10", 3000), ("2026-03-10", 4000), ("2026-03-10", 10_000), ("2026-03-09", 500)] {
                tx.execute("INSERT INTO bot_reply_times (business_id, day, waited_ms, n) VALUES (?1, ?2, ?3, 1)", params![b.id, day, ms])?;
            }
            tx.execute("INSERT INTO bot_metrics (business_id, day, messages_in, messages_out, up_seconds, linked_seconds) VALUES (?1, '2026-03-10', 7, 6, 86400, 43200), (?1, '2026-03-09', 2, 1, 0, 0)", [b.id])?;
            Ok::<_, crate::error::AppError>(b)
        })
        .unwrap();
    (dir, db, b)
}

const TODAY: &str = "2026-03-10";

fn of(db: &Db, b: &Business, p: &Period, cache: Option<&Cache>) -> super::Figures {
    db.with_conn(|c| figures(c, b, p, cache)).unwrap()
}

#[test]
fn today_counts_the_order_taken_ten_minutes_after_the_shops_midnight() {
    let (_dir, db, b) = shop();
    let f = of(&db, &b, &Period::of(Span::Today, day(TODAY)), None);
    assert_eq!((f.orders, f.takings_minor, f.cancelled), (2, 58_000, 1));
    assert_eq!(f.average_order_minor(), Some(29_000));
    assert_eq!((f.new_customers, f.returning_customers), (1, 1));
    assert_eq!(f.by_channel.get("whatsapp"), Some(&1));
    assert_eq!(f.by_channel.get("storefront"), Some(&1));
    assert_eq!(f.by_channel.get("group"), None);
    assert_eq!((f.read_alone, f.needed_person), (1, 0));
    assert_eq!(
        (f.by_hour[0], f.by_hour[13], f.by_hour.iter().sum::<i64>()),
        (1, 1, 2)
    );
    assert_eq!(f.by_status.get("cancelled"), Some(&1));
    assert_eq!((f.messages_in, f.messages_out), (7, 6));
    assert_eq!(
        (f.reply_median_ms, f.reply_p90_ms),
        (Some(3000), Some(10_000))
    );
}

#[test]
fn yesterday_keeps_the_order_at_ten_to_midnight_and_its_unread_line() {
    let (_dir, db, b) = shop();
    let y = Period::of(Span::Yesterday, day(TODAY));
    let f = of(&db, &b, &y, None);
    assert_eq!((f.orders, f.takings_minor, f.cancelled), (1, 120_000, 0));
    assert_eq!((f.new_customers, f.returning_customers), (1, 0));
    assert_eq!((f.read_alone, f.needed_person), (0, 1));
    assert_eq!((f.messages_in, f.messages_out), (2, 1));
    assert_eq!((f.reply_median_ms, f.reply_p90_ms), (Some(500), Some(500)));
    assert_eq!(f.by_hour[23], 1);
}

#[test]
fn last_seven_days_this_month_and_a_range_against_the_period_before() {
    let (_dir, db, b) = shop();
    let week = Period::of(Span::Last7, day(TODAY));
    let f = of(&db, &b, &week, None);
    assert_eq!(
        (f.orders, f.takings_minor, f.average_order_minor()),
        (3, 178_000, Some(59_333))
    );
    assert_eq!((f.new_customers, f.returning_customers), (2, 1));
    let kaju = &f.products["kaju-katli"];
    assert_eq!(
        (kaju.qty, kaju.takings_minor, kaju.orders),
        (1250, 150_000, 2)
    );
    assert_eq!(f.products["gulab-jamun"].qty, 14);
    assert!(
        !f.products.contains_key("rasgulla"),
        "cancelled orders sell nothing"
    );
    assert_eq!(f.per_day.len(), 7);
    assert_eq!(f.per_day[6].takings_minor, 58_000);
    assert_eq!(f.per_day[6].reply_median_ms, Some(3000));
    let before = of(&db, &b, &week.previous(), None);
    assert_eq!((before.orders, before.takings_minor), (1, 60_000));
    let month = of(&db, &b, &Period::of(Span::ThisMonth, day(TODAY)), None);
    assert_eq!((month.orders, month.takings_minor), (4, 238_000));
    assert_eq!((month.new_customers, month.returning_customers), (3, 0));
    let first = of(
        &db,
        &b,
        &Period::range(day("2026-03-01"), day("2026-03-01")).unwrap(),
        None,
    );
    assert_eq!((first.orders, first.takings_minor), (1, 60_000));
}

#[test]
fn a_cached_day_is_used_until_one_of_its_orders_changes() {
    let (_dir, db, b) = shop();
    let cache = Cache::default();
    let week = Period::of(Span::Last7, day(TODAY));
    let entries = |db: &Db| {
        db.with_conn(|c| super::figures::day_entries(c, &b, &week, Some(&cache)))
            .unwrap()
    };
    let before = entries(&db);
    assert_eq!(of(&db, &b, &week, Some(&cache)).orders, 3);
    db.with_tx(|tx| service::change_status(tx, &b, 5, Status::Cancelled, "owner"))
        .unwrap();
    let after = entries(&db);
    // Only 10 March, the day of order #5, was read again.
    for ((d, old), (_, new)) in before.iter().zip(&after) {
        assert_eq!(Arc::ptr_eq(old, new), *d != day(TODAY), "{d}");
    }
    let f = of(&db, &b, &week, Some(&cache));
    // Cancelling gives no money back: takings (money received) stay until a refund is recorded.
    assert_eq!((f.orders, f.takings_minor, f.cancelled), (2, 178_000, 2));
}

/// The sums of the days that have ended are kept apart from today's: each view adds today to
/// them, and a change to an ended day sums them again. Each view through the cache is checked
/// against the same view summed afresh, and against figures worked out by hand.
#[test]
fn a_period_to_today_adds_today_to_the_kept_sums_of_the_days_before() {
    let (_dir, db, b) = shop();
    let cache = Cache::default();
    let view = |p: &Period| {
        let on = |cache| {
            let f = db.with_conn(|c| figures_on(c, &b, p, cache, day(TODAY)));
            super::Figures {
                sums_id: 0,
                ..f.unwrap()
            }
        };
        let kept = on(Some(&cache));
        assert_eq!(kept, on(None), "{p:?}");
        kept
    };
    // The 1st to the 9th, kept as summed while their stamps read as they do now.
    let ended = Period::range(day("2026-03-01"), day("2026-03-09")).unwrap();
    let ended_kept = || {
        let stamps =
            db.with_conn(|c| crate::orders::figures::stamps(c, b.id, "2026-03-01", "2026-03-09"));
        cache.ended(&b, &ended, &stamps.unwrap()).is_some()
    };
    let (week, month) = (
        Period::of(Span::Last7, day(TODAY)),
        Period::of(Span::ThisMonth, day(TODAY)),
    );
    let f = view(&month);
    assert_eq!(
        (f.orders, f.new_customers, f.returning_customers),
        (4, 3, 0),
        "Asha once"
    );
    assert_eq!(
        (f.reply_median_ms, f.reply_p90_ms),
        (Some(2000), Some(10_000))
    );
    assert!(ended_kept());
    assert_eq!(view(&week).orders, 3);
    let cancel = |number| {
        db.with_tx(|tx| service::change_status(tx, &b, number, Status::Cancelled, "owner"))
            .unwrap()
    };
    cancel(5);
    assert_eq!(
        (view(&week).orders, view(&month).orders),
        (2, 3),
        "#5 of today"
    );
    assert!(
        ended_kept(),
        "a change today leaves the ended days' sums as they were"
    );
    // ₹100 paid today for #3 of the 9th: today's takings, not the 9th's.
    db.with_conn(|c| {
        let sql = "INSERT INTO payments (business_id, order_id, amount_minor, mode, kind, recorded_at)
                   VALUES (?1, (SELECT id FROM orders WHERE number = 3), 10000, 'upi', 'payment', ?2)";
        Ok(c.execute(sql, params![b.id, ist("2026-03-10 15:00")])?)
    })
    .unwrap();
    let f = view(&week);
    assert_eq!(
        (f.takings_minor, f.per_day[6].takings_minor),
        (188_000, 68_000)
    );
    assert!(ended_kept());
    cancel(3);
    assert!(!ended_kept(), "the 9th changed");
    let f = view(&week);
    assert_eq!((f.orders, f.cancelled), (1, 3), "#3 of the 9th");
    assert_eq!((f.per_day.len(), f.per_day[5].orders), (7, 0));
    assert_eq!(view(&month).orders, 2);
    assert_eq!(view(&Period::of(Span::Yesterday, day(TODAY))).cancelled, 1);
    let beyond = Period::range(day("2026-03-08"), day("2026-03-12")).unwrap();
    let f = view(&beyond);
    assert_eq!(
        (f.orders, f.per_day.len()),
        (1, 5),
        "days after today are empty"
    );
}

#[test]
fn sales_by_day_product_and_category_as_csv_and_json() {
    let (_dir, db, b) = shop();
    let week = Period::of(Span::Last7, day(TODAY));
    let csv_of = |by| {
        let s = db.with_conn(|c| sales(c, &b, &week, by, None)).unwrap();
        let mut out = Vec::new();
        s.write_csv(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), s.json())
    };
    let (by_day, _) = csv_of(By::Day);
    assert!(
        by_day.starts_with("day,orders,cancelled,sales\n2026-03-04,0,0,0\n"),
        "{by_day}"
    );
    assert!(
        by_day.ends_with("2026-03-09,1,0,1200\n2026-03-10,2,1,580\n"),
        "{by_day}"
    );
    let (by_product, json) = csv_of(By::Product);
    assert_eq!(
        by_product,
        "sku,product,category,unit,quantity,orders,sales\n\
         kaju-katli,Kaju Katli,Sweets,g,1250,2,1500\n\
         gulab-jamun,Gulab Jamun,Sweets,pc,14,2,280\n"
    );
    assert_eq!(json[0]["sales_minor"], 150_000);
    assert_eq!(json[1]["quantity"], 14);
    let (by_category, _) = csv_of(By::Category);
    assert_eq!(
        by_category,
        "category,products,grams,pieces,sales\nSweets,2,1250,14,1780\n"
    );
}

#[test]
fn a_days_figures_read_orders_by_index_and_never_scan_the_book() {
    let (_dir, db, b) = shop();
    let plans = db
        .with_conn(|c| {
            let mut out = String::new();
            // The statements the day's figures run, as they run them.
            for sql in [
                crate::orders::figures::DAY_ORDERS,
                crate::orders::figures::DAY_LINES,
                crate::orders::figures::FIRST_ORDER,
                crate::whatsapp::metrics::REPLY_TIMES,
            ] {
                let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let n = stmt.parameter_count();
                let args: Vec<i64> = (0..n).map(|_| b.id).collect();
                let rows =
                    stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))?;
                for r in rows {
                    out.push_str(&r?);
                    out.push('\n');
                }
            }
            Ok(out)
        })
        .unwrap();
    assert!(
        !plans.contains("SCAN o\n") && !plans.contains("SCAN orders"),
        "{plans}"
    );
    assert!(
        !plans.contains("SCAN l") && !plans.contains("SCAN bot_reply_times"),
        "{plans}"
    );
    assert!(plans.contains("orders_business_created_number"), "{plans}");
    assert!(
        plans.contains("SEARCH bot_reply_times USING PRIMARY KEY (business_id=? AND day=?)"),
        "{plans}"
    );
}

#[test]
fn percentiles_of_counted_times_rank_every_reply() {
    let counted = [(100, 3), (200, 1), (900, 1)];
    assert_eq!(super::figures::percentile(&counted, 50), Some(100));
    assert_eq!(super::figures::percentile(&counted, 80), Some(200));
    assert_eq!(super::figures::percentile(&counted, 90), Some(900));
    assert_eq!(super::figures::percentile(&counted, 0), Some(100));
    assert_eq!(super::figures::percentile(&[], 50), None);
    assert_eq!(super::figures::percentile(&[(100, 0)], 50), None);
}

#[test]
fn the_average_order_is_rounded_to_the_nearest_paisa() {
    let f = |totals: i64, orders: i64| {
        super::Figures {
            order_totals_minor: totals,
            orders,
            ..Default::default()
        }
        .average_order_minor()
    };
    assert_eq!(f(236_000, 3), Some(78_667), "786.666… is 786.67");
    assert_eq!(f(178_000, 3), Some(59_333), "593.333… is 593.33");
    assert_eq!(f(3, 2), Some(2), "a half goes up");
    assert_eq!(f(0, 0), None);
    assert_eq!(f(i64::MAX, 1), Some(i64::MAX), "no overflow");
}

/// Counted on the connection's own prepared statement: how often `figures` ran it.
#[test]
fn a_customer_who_orders_on_several_days_is_looked_up_once() {
    let (_dir, db, b) = shop();
    let (f, looked_up) = db
        .with_conn(|c| {
            let month = Period::of(Span::ThisMonth, day(TODAY));
            // On 10 March: the 1st to the 9th summed as ended days, then the 10th added.
            let f = figures_on(c, &b, &month, None, day(TODAY))?;
            let first_order = c.prepare_cached(crate::orders::figures::FIRST_ORDER)?;
            Ok((f, first_order.get_status(StatementStatus::Run)))
        })
        .unwrap();
    assert_eq!((f.new_customers, f.returning_customers), (3, 0));
    assert_eq!(
        looked_up, 3,
        "Asha ordered on the 1st and the 10th, Bala on the 9th, Chitra on the 10th: three customers"
    );
}

#[test]
fn a_product_on_two_lines_of_one_order_counts_that_order_once() {
    let (_dir, db, b) = shop();
    let kaju = db
        .with_tx(|tx| {
            let asha = customers::by_phone(tx, b.id, &Phone::parse("9800000001", "91").unwrap())?
                .unwrap()
                .id;
            let spec = Spec {
                number: 6,
                customer: asha,
                channel: Channel::Manual,
                at: "2026-03-05 11:00",
                lines: &[("kaju-katli", 250), ("gulab-jamun", 4), ("kaju-katli", 500)],
                status: Status::Delivered,
            };
            order(tx, &b, &spec);
            Ok::<_, crate::error::AppError>(products::by_sku(tx, b.id, "kaju-katli")?.unwrap())
        })
        .unwrap();
    let the_5th = Period::range(day("2026-03-05"), day("2026-03-05")).unwrap();
    let sold = &of(&db, &b, &the_5th, None).products["kaju-katli"];
    assert_eq!((sold.qty, sold.orders), (750, 1));
    assert_eq!(sold.takings_minor, 90_000, "₹300 and ₹600");
    assert_eq!(
        (sold.name.as_str(), sold.category.as_str()),
        (kaju.name.as_str(), kaju.category.as_str())
    );
    assert_eq!(sold.unit, "kg");
}
