//! A period's figures for the dashboard: summed from one entry per shop-local day (each read by
//! index, and kept in the cache until an order of that day changes), plus the bot's kept days.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::cache::{Cache, Day, Stamps};
use super::period::{bounds, start_of, Period};
use super::sums::Sums;
use crate::accounts::businesses::Business;
use crate::error::AppResult;
use crate::orders::figures::{FirstOrders, ProductSales};
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

/// What the days of one period are read with: one snapshot of the database (`conn` inside a
/// read transaction), the stamps of the period's days as of that snapshot, and the shop's date.
struct Reading<'a> {
    conn: &'a Connection,
    b: &'a Business,
    stamps: Stamps,
    cache: Option<&'a Cache>,
    today: NaiveDate,
}

impl Reading<'_> {
    /// One day's entry, from the cache while its orders have not changed since; `firsts` is
    /// shared by the days read in one snapshot.
    fn day(&self, day: NaiveDate, firsts: &mut FirstOrders) -> AppResult<Arc<Day>> {
        let (conn, b) = (self.conn, self.b);
        let stamp = self.stamps.get(&key(day)).copied().unwrap_or(0);
        if let Some(hit) = self.cache.and_then(|c| c.get(b, day, stamp)) {
            return Ok(hit);
        }
        let span = bounds(day, b.offset());
        let replies = metrics::reply_times(conn, b.id, &key(day))?;
        let entry = Arc::new(Day::new(
            (stamp, day < self.today),
            crate::orders::figures::day(conn, b.id, span, b.utc_offset_minutes, firsts)?,
            takings(conn, b, span)?,
            replies,
        ));
        if let Some(c) = self.cache {
            c.put(b, day, entry.clone());
        }
        Ok(entry)
    }

    /// Adds the days of `p` to `sums`, oldest first.
    fn add(&self, sums: &mut Sums, p: &Period, firsts: &mut FirstOrders) -> AppResult<()> {
        for d in p.days() {
            sums.add(d, &*self.day(d, firsts)?);
        }
        Ok(())
    }

    /// The sums of `p`'s days: of those that had ended by today, from the cache while their
    /// stamps hold; then each day from today on added to them.
    fn summed(&self, p: &Period) -> AppResult<Sums> {
        let mut firsts = FirstOrders::default();
        let ended = (self.today.pred_opt())
            .filter(|y| p.first <= *y)
            .map(|y| Period {
                last: p.last.min(y),
                ..*p
            });
        let Some(ended) = ended else {
            let mut sums = Sums::default();
            self.add(&mut sums, p, &mut firsts)?;
            return Ok(sums);
        };
        let mut sums = self.ended(&ended, &mut firsts)?;
        if let Some(first) = ended.last.succ_opt().filter(|d| *d <= p.last) {
            self.add(&mut sums, &Period { first, ..*p }, &mut firsts)?;
        }
        Ok(sums)
    }

    /// The sums of the days of `e`, all ended: kept while the stamps of its days read the same.
    fn ended(&self, e: &Period, firsts: &mut FirstOrders) -> AppResult<Sums> {
        let own: Stamps = (self.stamps.range(key(e.first)..=key(e.last)))
            .map(|(d, n)| (d.clone(), *n))
            .collect();
        if let Some(hit) = self.cache.and_then(|c| c.ended(self.b, e, &own)) {
            return Ok((*hit).clone());
        }
        let mut sums = Sums::default();
        self.add(&mut sums, e, firsts)?;
        if let Some(c) = self.cache.filter(|_| sums.complete()) {
            c.put_ended(self.b, e, own, Arc::new(sums.clone()));
        }
        Ok(sums)
    }
}

fn key(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Starts reading `p` in a read transaction (held by the returned guard): a stamp is read with
/// the figures it stands for.
fn read<'a>(
    conn: &'a Connection,
    b: &'a Business,
    p: &Period,
    (cache, today): (Option<&'a Cache>, NaiveDate),
) -> AppResult<(rusqlite::Transaction<'a>, Reading<'a>)> {
    let snapshot = conn.unchecked_transaction()?;
    let stamps = crate::orders::figures::stamps(conn, b.id, &key(p.first), &key(p.last))?;
    let reading = Reading {
        conn,
        b,
        stamps,
        cache,
        today,
    };
    Ok((snapshot, reading))
}

/// The day entries of `p`, oldest first, each as of one snapshot of the database.
pub fn day_entries(
    conn: &Connection,
    b: &Business,
    p: &Period,
    cache: Option<&Cache>,
) -> AppResult<Vec<(NaiveDate, Arc<Day>)>> {
    let (_snapshot, r) = read(conn, b, p, (cache, today(b)))?;
    let mut firsts = FirstOrders::default();
    p.days().map(|d| Ok((d, r.day(d, &mut firsts)?))).collect()
}

/// The figures of `p`: the sums over its days from the cache while none of its days has
/// changed (one read of the stamps), else summed again; the bot's days read fresh.
pub fn figures(
    conn: &Connection,
    b: &Business,
    p: &Period,
    cache: Option<&Cache>,
) -> AppResult<Figures> {
    figures_on(conn, b, p, cache, today(b))
}

/// [`figures`] on the shop's date `today`.
pub(super) fn figures_on(
    conn: &Connection,
    b: &Business,
    p: &Period,
    cache: Option<&Cache>,
    today: NaiveDate,
) -> AppResult<Figures> {
    let (_snapshot, r) = read(conn, b, p, (cache, today))?;
    let kept = cache.and_then(|c| c.period(b, p, &r.stamps));
    let mut f = match kept {
        Some(hit) => (*hit).clone(),
        None => {
            let sums = r.summed(p)?;
            // Kept for good only once every day of it was read after it had ended.
            let complete = p.last < today && sums.complete();
            let f = sums.finish(start_of(p.first, b.offset()));
            if let Some(c) = cache {
                c.put_period(b, p, r.stamps.clone(), complete, Arc::new(f.clone()));
            }
            f
        }
    };
    f.bot_days = metrics::days(conn, b.id, &key(p.first), &key(p.last))?;
    f.messages_in = f.bot_days.iter().map(|d| d.messages_in).sum();
    f.messages_out = f.bot_days.iter().map(|d| d.messages_out).sum();
    Ok(f)
}

pub fn add_products(
    into: &mut BTreeMap<String, ProductSales>,
    from: &BTreeMap<String, ProductSales>,
) {
    let add = |e: &mut ProductSales, s: &ProductSales| {
        e.qty = e.qty.saturating_add(s.qty);
        e.takings_minor = e.takings_minor.saturating_add(s.takings_minor);
        e.orders += s.orders;
    };
    for (sku, s) in from {
        // The SKU is copied only for a product not met yet: a year adds the same few each day.
        if let Some(e) = into.get_mut(sku) {
            add(e, s);
            continue;
        }
        let mut e = ProductSales {
            name: s.name.clone(),
            category: s.category.clone(),
            unit: s.unit.clone(),
            ..ProductSales::default()
        };
        add(&mut e, s);
        into.insert(sku.clone(), e);
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
