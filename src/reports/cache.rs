//! Day entries kept in memory (moka) per business, shop clock and day, and a period's sums
//! per business and period, kept while the stamps of all its days read the same. An entry is used while
//! the day's order stamp reads what it read, so any change to an order of that day (taken,
//! moved, edited, in this process or another) makes it stale at once. Today's entry also goes
//! stale after a few seconds, as today's reply times still grow without any order changing;
//! a day read once it had ended is stale only when its stamp moves. The sums of the days of a
//! period that had ended are kept apart too, while their stamps read the same, so that a period
//! running to today adds today to them rather than summing every day again.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use super::figures::Figures;
use super::period::Period;
use super::sums::Sums;
use crate::accounts::businesses::Business;
use crate::orders::figures::{OrderDay, ProductSales};

/// How long today's reply times may lag behind.
const TODAY_FRESH: Duration = Duration::from_secs(10);

/// About how many bytes the kept days may hold together. A day of the 1,000,000-order book
/// (about 740 customers and 18 products) weighs about 21 KB, so this keeps six years of it,
/// or seven months of ten such shops. Counted in days (20,000, before), ten such shops' days
/// could have held over 400 MB.
const DAY_BYTES: u64 = 48 << 20;

/// About how many bytes the kept figures of periods and sums of ended days may hold together:
/// a year's figures weigh about 43 KB with their stamps, a year's sums of the 1,000,000-order
/// book (18,755 customers) about 0.5 MB.
const PERIOD_BYTES: u64 = 24 << 20;

/// Periods not viewed for this long are dropped: sums ending yesterday are never asked for
/// again once the day has turned, and any period's are summed again from the kept days.
const PERIOD_IDLE: Duration = Duration::from_secs(3600);

/// One shop-local day, summed.
#[derive(Debug)]
pub struct Day {
    /// The day's order stamp when it was read.
    stamp: i64,
    made: Instant,
    /// Read after the day had ended, so only a change to its orders can make it stale.
    complete: bool,
    pub orders: OrderDay,
    pub takings_minor: i64,
    /// Reply times of replies sent that day: (ms, how many took it), shortest first.
    pub replies: Vec<(i64, i64)>,
}

impl Day {
    pub fn new(
        (stamp, complete): (i64, bool),
        orders: OrderDay,
        takings_minor: i64,
        replies: Vec<(i64, i64)>,
    ) -> Day {
        Day {
            stamp,
            made: Instant::now(),
            complete,
            orders,
            takings_minor,
            replies,
        }
    }

    /// Read after the day had ended.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// About how many bytes the entry holds, for the cache's budget: each entry of its maps
    /// with its share of the map.
    fn bytes(&self) -> usize {
        let o = &self.orders;
        256 + 24 * o.customers.len()
            + 64 * (o.by_channel.len() + o.by_status.len())
            + products_bytes(&o.products)
            + 16 * self.replies.len()
    }
}

/// A size in bytes as moka weighs entries.
fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// About how many bytes a map of products' sales holds.
pub fn products_bytes(products: &BTreeMap<String, ProductSales>) -> usize {
    (products.iter())
        .map(|(sku, p)| 96 + sku.len() + p.name.len() + p.category.len() + p.unit.len())
        .sum()
}

/// About how many bytes a kept stamp holds: its day's text and count, and its share of the map.
const STAMP_BYTES: usize = 64;

type Key = (i64, i32, NaiveDate);

/// The change stamps of some shop-local days, by day (`YYYY-MM-DD`).
pub type Stamps = BTreeMap<String, i64>;

/// The sums of days that had ended, with the stamps of those days when they were added.
struct Ended {
    stamps: Stamps,
    sums: Arc<Sums>,
}

impl Ended {
    fn bytes(&self) -> usize {
        STAMP_BYTES * self.stamps.len() + self.sums.bytes()
    }
}

/// A period's sums, with the stamps of its days when they were summed.
struct Summed {
    stamps: Stamps,
    made: Instant,
    complete: bool,
    figures: Arc<Figures>,
}

impl Summed {
    fn bytes(&self) -> usize {
        let f = &self.figures;
        512 + STAMP_BYTES * self.stamps.len()
            + 48 * f.per_day.len()
            + 64 * (f.by_channel.len() + f.by_status.len())
            + products_bytes(&f.products)
    }
}

/// What is kept for a period: its figures, or the sums of its days (all ended).
enum Kept {
    Figures(Summed),
    Ended(Ended),
}

impl Kept {
    fn bytes(&self) -> usize {
        match self {
            Kept::Figures(s) => s.bytes(),
            Kept::Ended(e) => e.bytes(),
        }
    }
}

/// A period by business, shop clock, first and last day, and whether it is the sums of its
/// ended days that are kept. One cache holds both: another would carry its own copy of moka's
/// code (111 KB of the binary).
type PeriodKey = (i64, i32, NaiveDate, NaiveDate, bool);

fn period_key(b: &Business, p: &Period, ended: bool) -> PeriodKey {
    (b.id, b.utc_offset_minutes, p.first, p.last, ended)
}

#[derive(Clone)]
pub struct Cache {
    days: moka::sync::Cache<Key, Arc<Day>>,
    periods: moka::sync::Cache<PeriodKey, Arc<Kept>>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache::holding(DAY_BYTES)
    }
}

impl Cache {
    /// A cache whose days hold about `day_bytes` together.
    fn holding(day_bytes: u64) -> Cache {
        Cache {
            days: moka::sync::Cache::builder()
                .max_capacity(day_bytes)
                .weigher(|_, d: &Arc<Day>| weight(d.bytes()))
                .build(),
            periods: moka::sync::Cache::builder()
                .max_capacity(PERIOD_BYTES)
                .weigher(|_, k: &Arc<Kept>| weight(k.bytes()))
                .time_to_idle(PERIOD_IDLE)
                .build(),
        }
    }
}

impl Cache {
    /// The kept entry for `day`, if the day's orders still stand at `stamp`.
    pub fn get(&self, b: &Business, day: NaiveDate, stamp: i64) -> Option<Arc<Day>> {
        let hit = self.days.get(&(b.id, b.utc_offset_minutes, day))?;
        let fresh = hit.stamp == stamp && (hit.complete || hit.made.elapsed() < TODAY_FRESH);
        fresh.then_some(hit)
    }

    pub fn put(&self, b: &Business, day: NaiveDate, entry: Arc<Day>) {
        self.days.insert((b.id, b.utc_offset_minutes, day), entry);
    }

    /// The kept sums of `p`, if none of its days' stamps has moved since.
    pub fn period(&self, b: &Business, p: &Period, stamps: &Stamps) -> Option<Arc<Figures>> {
        let kept = self.periods.get(&period_key(b, p, false))?;
        let Kept::Figures(hit) = &*kept else {
            return None;
        };
        let fresh = hit.stamps == *stamps && (hit.complete || hit.made.elapsed() < TODAY_FRESH);
        fresh.then(|| hit.figures.clone())
    }

    /// Keeps the sums of `p` as read with `stamps`; `complete` once its last day has ended.
    pub fn put_period(
        &self,
        b: &Business,
        p: &Period,
        stamps: Stamps,
        complete: bool,
        figures: Arc<Figures>,
    ) {
        let summed = Summed {
            stamps,
            made: Instant::now(),
            complete,
            figures,
        };
        let kept = Arc::new(Kept::Figures(summed));
        self.periods.insert(period_key(b, p, false), kept);
    }

    /// The kept sums of the days of `p`, all ended, if none of their stamps has moved since.
    pub fn ended(&self, b: &Business, p: &Period, stamps: &Stamps) -> Option<Arc<Sums>> {
        let kept = self.periods.get(&period_key(b, p, true))?;
        match &*kept {
            Kept::Ended(hit) if hit.stamps == *stamps => Some(hit.sums.clone()),
            _ => None,
        }
    }

    /// Keeps the sums of the days of `p`, all read after they had ended, as of `stamps`.
    pub fn put_ended(&self, b: &Business, p: &Period, stamps: Stamps, sums: Arc<Sums>) {
        let kept = Arc::new(Kept::Ended(Ended { stamps, sums }));
        self.periods.insert(period_key(b, p, true), kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::figures::OrderDay;

    /// A shop whose days each had 1,000 customers: kept by weight, not by count.
    #[test]
    fn the_kept_days_stay_within_their_bytes() {
        let orders = OrderDay {
            customers: (0..1000).map(|c| (c, 0)).collect(),
            ..OrderDay::default()
        };
        let weight = u64::from(weight(
            Day::new((1, true), orders.clone(), 0, vec![]).bytes(),
        ));
        let cache = Cache::holding(10 * weight);
        for d in NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .iter_days()
            .take(100)
        {
            let day = Arc::new(Day::new((1, true), orders.clone(), 0, vec![]));
            cache.days.insert((1, 330, d), day);
        }
        cache.days.run_pending_tasks();
        assert!(
            cache.days.entry_count() <= 10,
            "{}",
            cache.days.entry_count()
        );
        assert!(cache.days.weighted_size() <= 10 * weight);
    }
}
