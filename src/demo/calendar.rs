//! When a filled book's orders were taken: how many on each day of the years filled (a shop
//! that grows, busier at weekends and before festivals) and at what time of day.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::Rng;

/// Orders by hour of the shop's day: quiet at night, busy at lunch and in the evening.
const HOURLY: [f64; 24] = [
    0.05, 0.02, 0.02, 0.02, 0.05, 0.1, 0.3, 0.6, 1.0, 1.4, 1.8, 2.1, 2.0, 1.6, 1.1, 1.0, 1.2, 1.6,
    2.2, 2.5, 2.2, 1.4, 0.6, 0.2,
];

/// How busy a day is against an ordinary one.
fn day_weight(day: NaiveDate, progress: f64, rng: &mut impl Rng) -> f64 {
    // The shop grows: its last day sells about two and a half times its first.
    let trend = 0.6 + 0.9 * progress;
    let week = match day.weekday() {
        Weekday::Mon => 0.9,
        Weekday::Tue => 0.85,
        Weekday::Wed => 0.9,
        Weekday::Thu => 0.95,
        Weekday::Fri => 1.1,
        Weekday::Sat => 1.35,
        Weekday::Sun => 1.3,
    };
    trend * week * festival(day) * rng.gen_range(0.85..1.15)
}

/// Sweet shops sell most before Diwali (late October to mid November), Raksha Bandhan
/// (August) and Holi (March); the dates move each year, so the weeks are approximate.
fn festival(day: NaiveDate) -> f64 {
    match (day.month(), day.day()) {
        (10, 20..) | (11, ..=12) => 2.5,
        (8, 5..=20) => 1.8,
        (3, 5..=20) => 1.4,
        (12, 24..) | (1, 1) => 1.3,
        _ => 1.0,
    }
}

/// How many of `total` orders fall on each of the `days` days ending `today`, oldest first.
/// Today's share is cut to the part of the day gone by (`today_done`, 0 to 1). The counts add
/// up to `total` exactly.
pub fn orders_per_day(
    total: u64,
    days: u32,
    today: NaiveDate,
    today_done: f64,
    rng: &mut impl Rng,
) -> Vec<(NaiveDate, u64)> {
    let first = today - Duration::days(i64::from(days) - 1);
    let weights: Vec<(NaiveDate, f64)> = (0..days)
        .map(|d| {
            let day = first + Duration::days(i64::from(d));
            let progress = f64::from(d) / f64::from(days.max(2) - 1);
            let w = day_weight(day, progress, rng);
            (
                day,
                if day == today {
                    w * today_done.max(0.01)
                } else {
                    w
                },
            )
        })
        .collect();
    let sum: f64 = weights.iter().map(|(_, w)| w).sum();
    // Cumulative rounding: each day gets the orders its running share adds, so none are lost.
    let (mut seen, mut given) = (0.0, 0u64);
    weights
        .into_iter()
        .map(|(day, w)| {
            seen += w;
            let upto = ((seen / sum) * total as f64).round() as u64;
            let n = upto.min(total) - given;
            given += n;
            (day, n)
        })
        .collect()
}

/// `n` times of day (seconds after the shop's midnight), earliest first, from the hourly
/// rhythm; squeezed into the first `span` seconds (all 86,400 but today's).
pub fn times_of_day(n: u64, span: i64, rng: &mut impl Rng) -> Vec<i64> {
    let hours = rand::distributions::WeightedIndex::new(HOURLY).expect("weights are positive");
    let mut times: Vec<i64> = (0..n)
        .map(|_| {
            let hour = rng.sample(&hours) as i64;
            let second = hour * 3600 + rng.gen_range(0..3600);
            second * span.clamp(1, 86_400) / 86_400
        })
        .collect();
    times.sort_unstable();
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_order_falls_on_a_day_and_weekends_are_busier() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let today = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let days = orders_per_day(100_000, 364, today, 0.5, &mut rng);
        assert_eq!(days.len(), 364);
        assert_eq!(days.iter().map(|(_, n)| n).sum::<u64>(), 100_000);
        assert_eq!(days.last().unwrap().0, today);
        let on = |wd: Weekday| -> u64 {
            days.iter()
                .filter(|(d, _)| d.weekday() == wd)
                .map(|(_, n)| n)
                .sum()
        };
        assert!(on(Weekday::Sat) > on(Weekday::Tue));
    }

    #[test]
    fn times_stay_inside_the_span_in_order() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let times = times_of_day(500, 3_600, &mut rng);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times.iter().all(|t| (0..3_600).contains(t)));
    }
}
