//! A run of days added up: what a period's figures sum from its days, and what they must still
//! count once over the whole period (each customer, each reply time). The cache keeps the sums
//! of a period's days that have ended, so a period that runs to today adds only today to them
//! when today changes. Adding a year's 366 kept days again took 24–31 ms on the
//! 1,000,000-order book, on every view after any order of the day changed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;

use super::cache::{products_bytes, Day};
use super::figures::{add_products, percentile, DayPoint, Figures};
use crate::hashed::HashMap;
use crate::orders::figures::{bump, OrderDay};

/// The next `Figures::sums_id`.
static NEXT_SUMS: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Default)]
pub struct Sums {
    /// Everything but the customer counts and the reply percentiles.
    f: Figures,
    /// Each customer who ordered, with when they first ordered at all.
    customers: HashMap<i64, i64>,
    /// Reply times: milliseconds, and how many replies took that long.
    replies: BTreeMap<i64, i64>,
    /// Some day was read before it had ended, so a reply time may still join it.
    partial: bool,
}

impl Sums {
    /// Adds `day`, the day after the last one added.
    pub fn add(&mut self, day: NaiveDate, e: &Day) {
        let f = &mut self.f;
        add_orders(f, &e.orders);
        f.takings_minor = f.takings_minor.saturating_add(e.takings_minor);
        self.customers
            .extend(e.orders.customers.iter().map(|(k, v)| (*k, *v)));
        for &(ms, n) in &e.replies {
            *self.replies.entry(ms).or_default() += n;
        }
        f.per_day.push(DayPoint {
            day,
            orders: e.orders.orders,
            takings_minor: e.takings_minor,
            reply_median_ms: percentile(&e.replies, 50),
        });
        self.partial |= !e.complete();
    }

    /// Whether every day was read after it had ended: nothing but a change to its orders or
    /// payments (which moves its stamp) can change these sums.
    pub fn complete(&self) -> bool {
        !self.partial
    }

    /// About how many bytes these sums hold, for the cache's budget: each entry with its
    /// share of the map it sits in.
    pub fn bytes(&self) -> usize {
        24 * self.customers.len()
            + 40 * self.replies.len()
            + 48 * self.f.per_day.len()
            + products_bytes(&self.f.products)
    }

    /// The period's figures, for a period that starts at `start` (Unix seconds): a customer
    /// whose first order is from then on is new.
    pub fn finish(self, start: i64) -> Figures {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let new = self.customers.values().filter(|&&first| first >= start);
        let new = count(new.count());
        let replies: Vec<(i64, i64)> = self.replies.into_iter().collect();
        Figures {
            sums_id: NEXT_SUMS.fetch_add(1, Ordering::Relaxed),
            new_customers: new,
            returning_customers: count(self.customers.len()) - new,
            reply_median_ms: percentile(&replies, 50),
            reply_p90_ms: percentile(&replies, 90),
            ..self.f
        }
    }
}

fn add_orders(f: &mut Figures, d: &OrderDay) {
    f.orders += d.orders;
    f.order_totals_minor = f.order_totals_minor.saturating_add(d.order_totals_minor);
    f.cancelled += d.cancelled;
    f.read_alone += d.read_alone;
    f.needed_person += d.needed_person;
    for (k, n) in &d.by_channel {
        bump(&mut f.by_channel, k, *n);
    }
    for (k, n) in &d.by_status {
        bump(&mut f.by_status, k, *n);
    }
    for (h, n) in d.by_hour.iter().enumerate() {
        f.by_hour[h] += n;
    }
    add_products(&mut f.products, &d.products);
}
