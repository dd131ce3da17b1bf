//! A period's figures for the dashboard: summed from one entry per shop-local day (each read by
//! index, and kept in the cache until an order of that day changes), plus the bot's kept days.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::cache::{Cache, Day};
use super::period::{bounds, start_of, Period};
use crate::accounts::businesses::Business;
use crate::error::AppResult;
use crate::orders::figures::{FirstOrders, OrderDay, ProductSales};
use crate::whatsapp::metrics::{self, BotDay};

/// Money received in `[from, to)`: payments less refunds recorded then, whichever day their
/// orders were taken.
pub fn takings(conn: &Connection, b: &Business, (from, to): (i64, i64)) -> AppResult<i64> {
    crate::payments::store::received_between(conn, b.id, from, to)
}

/// Whether [`takings`] is order totals rather than money received, for the page's wording.
pub const TAKINGS_ARE_ORDER_TOTALS: bool = false;

/// One day's point on the charts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayPoint {
    pub day: NaiveDate,
    pub orders: i64,
    pub takings_minor: i64,
    pub reply_median_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub orders: i64,
    pub takings_minor: i64,
    pub order_totals_minor: i64,
    pub new_customers: i64,
    pub returning_customers: i64,
    pub cancelled: i64,
    pub by_channel: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
    pub by_hour: [i64; 24],
    pub products: BTreeMap<String, ProductSales>,
    pub read_alone: i64,
    pub needed_person: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub reply_median_ms: Option<i64>,
    pub reply_p90_ms: Option<i64>,
    pub per_day: Vec<DayPoint>,
    /// The bot's kept days in the period (days without a row left out).
    pub bot_days: Vec<BotDay>,
    /// Which summing of the period's days these figures come from: two figures with the same
    /// id hold the same sums, so what is drawn from one (the dashboard's charts) fits the other.
    /// Never reused in a process; 0 for figures not summed here.
    pub sums_id: u64,
}

/// The next `sums_id`.
static NEXT_SUMS: AtomicU64 = AtomicU64::new(1);

impl Figures {
    /// Order totals over orders, rounded to the nearest minor unit (half up: ₹2,360 over three
    /// orders is ₹786.67); none without orders.
    pub fn average_order_minor(&self) -> Option<i64> {
        // Quotient and remainder: doubling the totals could overflow for a book that large.
        (self.orders > 0).then(|| {
            let (n, t) = (self.orders, self.order_totals_minor);
            let (q, r) = (t.div_euclid(n), t.rem_euclid(n));
            if r >= n - r {
                q + 1
            } else {
                q
            }
        })
    }
}

/// The shop's date now.
pub fn today(b: &Business) -> NaiveDate {
    chrono::Utc::now().with_timezone(&b.offset()).date_naive()
}

/// One day's entry, from the cache while its orders have not changed since; `firsts` is
/// shared by the days read in one snapshot.
fn day_entry(
    conn: &Connection,
    b: &Business,
    (day, stamp): (NaiveDate, i64),
    cache: Option<&Cache>,
    firsts: &mut FirstOrders,
) -> AppResult<Arc<Day>> {
    let complete = day < today(b);
    if let Some(hit) = cache.and_then(|c| c.get(b, day, stamp)) {
        return Ok(hit);
    }
    let span = bounds(day, b.offset());
    let replies = metrics::reply_times(conn, b.id, &key(day))?;
    let entry = Arc::new(Day::new(
        (stamp, complete),
        crate::orders::figures::day(conn, b.id, span, b.utc_offset_minutes, firsts)?,
        takings(conn, b, span)?,
        replies,
    ));
    if let Some(c) = cache {
        c.put(b, day, entry.clone());
    }
    Ok(entry)
}

type Stamps = BTreeMap<String, i64>;

fn key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn read_stamps(conn: &Connection, b: &Business, p: &Period) -> AppResult<Stamps> {
    crate::orders::figures::stamps(conn, b.id, &key(p.first), &key(p.last))
}

fn entries(
    conn: &Connection,
    b: &Business,
    p: &Period,
    stamps: &Stamps,
    cache: Option<&Cache>,
) -> AppResult<Vec<(NaiveDate, Arc<Day>)>> {
    let mut firsts = FirstOrders::default();
    p.days()
        .map(|d| {
            let stamp = stamps.get(&key(d)).copied().unwrap_or(0);
            Ok((d, day_entry(conn, b, (d, stamp), cache, &mut firsts)?))
        })
        .collect()
}

/// The day entries of `p`, oldest first, each as of one snapshot of the database.
pub fn day_entries(
    conn: &Connection,
    b: &Business,
    p: &Period,
    cache: Option<&Cache>,
) -> AppResult<Vec<(NaiveDate, Arc<Day>)>> {
    // One read transaction: a stamp read with the figures it stands for.
    let _snapshot = conn.unchecked_transaction()?;
    entries(conn, b, p, &read_stamps(conn, b, p)?, cache)
}

/// The figures of `p`: the sums over its days from the cache while none of its days has
/// changed (one read of the stamps), else summed again; the bot's days read fresh.
pub fn figures(
    conn: &Connection,
    b: &Business,
    p: &Period,
    cache: Option<&Cache>,
) -> AppResult<Figures> {
    let _snapshot = conn.unchecked_transaction()?;
    let stamps = read_stamps(conn, b, p)?;
    let kept = cache.and_then(|c| c.period(b, p, &stamps));
    let mut f = match kept {
        Some(hit) => (*hit).clone(),
        None => {
            let f = summed(b, p, &entries(conn, b, p, &stamps, cache)?);
            if let Some(c) = cache {
                c.put_period(b, p, stamps, p.last < today(b), Arc::new(f.clone()));
            }
            f
        }
    };
    f.bot_days = metrics::days(conn, b.id, &key(p.first), &key(p.last))?;
    f.messages_in = f.bot_days.iter().map(|d| d.messages_in).sum();
    f.messages_out = f.bot_days.iter().map(|d| d.messages_out).sum();
    Ok(f)
}

fn summed(b: &Business, p: &Period, days: &[(NaiveDate, Arc<Day>)]) -> Figures {
    let mut f = Figures {
        sums_id: NEXT_SUMS.fetch_add(1, Ordering::Relaxed),
        ..Figures::default()
    };
    let mut customers: BTreeMap<i64, i64> = BTreeMap::new();
    let mut replies: BTreeMap<i64, i64> = BTreeMap::new();
    for (day, e) in days {
        add_orders(&mut f, &e.orders);
        f.takings_minor = f.takings_minor.saturating_add(e.takings_minor);
        customers.extend(e.orders.customers.iter().map(|(k, v)| (*k, *v)));
        for &(ms, n) in &e.replies {
            *replies.entry(ms).or_default() += n;
        }
        f.per_day.push(DayPoint {
            day: *day,
            orders: e.orders.orders,
            takings_minor: e.takings_minor,
            reply_median_ms: percentile(&e.replies, 50),
        });
    }
    let start = start_of(p.first, b.offset());
    f.new_customers = i64::try_from(customers.values().filter(|&&first| first >= start).count())
        .unwrap_or(i64::MAX);
    f.returning_customers = i64::try_from(customers.len()).unwrap_or(i64::MAX) - f.new_customers;
    let replies: Vec<(i64, i64)> = replies.into_iter().collect();
    f.reply_median_ms = percentile(&replies, 50);
    f.reply_p90_ms = percentile(&replies, 90);
    f
}

fn add_orders(f: &mut Figures, d: &OrderDay) {
    f.orders += d.orders;
    f.order_totals_minor = f.order_totals_minor.saturating_add(d.order_totals_minor);
    f.cancelled += d.cancelled;
    f.read_alone += d.read_alone;
    f.needed_person += d.needed_person;
    for (k, n) in &d.by_channel {
        *f.by_channel.entry(k.clone()).or_default() += n;
    }
    for (k, n) in &d.by_status {
        *f.by_status.entry(k.clone()).or_default() += n;
    }
    for (h, n) in d.by_hour.iter().enumerate() {
        f.by_hour[h] += n;
    }
    add_products(&mut f.products, &d.products);
}

pub fn add_products(
    into: &mut BTreeMap<String, ProductSales>,
    from: &BTreeMap<String, ProductSales>,
) {
    for (sku, s) in from {
        let e = into.entry(sku.clone()).or_insert_with(|| ProductSales {
            name: s.name.clone(),
            category: s.category.clone(),
            unit: s.unit.clone(),
            ..ProductSales::default()
        });
        e.qty = e.qty.saturating_add(s.qty);
        e.takings_minor = e.takings_minor.saturating_add(s.takings_minor);
        e.orders += s.orders;
    }
}

/// The nearest-rank percentile of counted values ((value, how many), smallest value first): the
/// smallest value at least `pct`% of all are at or below. None of nothing.
pub fn percentile(counted: &[(i64, i64)], pct: usize) -> Option<i64> {
    let total: i64 = counted.iter().map(|&(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    let pct = i64::try_from(pct).unwrap_or(100);
    let rank = (total.saturating_mul(pct).saturating_add(99) / 100).max(1);
    let mut seen = 0_i64;
    counted.iter().find_map(|&(value, n)| {
        seen = seen.saturating_add(n);
        (seen >= rank).then_some(value)
    })
}
