//! The periods the dashboard offers (today, yesterday, last 7 and 30 days, this month, a range),
//! as shop-local days, and the period before each one that its figures are compared with.

use chrono::{Datelike, Days, FixedOffset, NaiveDate, TimeZone};

use crate::error::{AppError, AppResult};

/// The longest range asked for at once: a year and a day, so a leap year fits.
pub const MAX_DAYS: u64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    Today,
    Yesterday,
    Last7,
    Last30,
    ThisMonth,
    Custom,
}

impl Span {
    pub const ALL: [Span; 6] = [
        Span::Today,
        Span::Yesterday,
        Span::Last7,
        Span::Last30,
        Span::ThisMonth,
        Span::Custom,
    ];

    /// The name in the page's address (`?period=7d`).
    pub fn key(self) -> &'static str {
        match self {
            Span::Today => "today",
            Span::Yesterday => "yesterday",
            Span::Last7 => "7d",
            Span::Last30 => "30d",
            Span::ThisMonth => "month",
            Span::Custom => "range",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Span::Today => "Today",
            Span::Yesterday => "Yesterday",
            Span::Last7 => "Last 7 days",
            Span::Last30 => "Last 30 days",
            Span::ThisMonth => "This month",
            Span::Custom => "Range",
        }
    }

    pub fn parse(key: &str) -> Option<Span> {
        Span::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Shop-local days `first ..= last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub span: Span,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

pub fn parse_day(text: &str, what: &str) -> AppResult<NaiveDate> {
    crate::domain::parse_day(text, what).map_err(AppError::Invalid)
}

impl Period {
    /// The span's days as seen on `today` (the shop's date).
    pub fn of(span: Span, today: NaiveDate) -> Period {
        let back = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
        let (first, last) = match span {
            Span::Today | Span::Custom => (today, today),
            Span::Yesterday => (back(1), back(1)),
            Span::Last7 => (back(6), today),
            Span::Last30 => (back(29), today),
            Span::ThisMonth => (today.with_day(1).unwrap_or(today), today),
        };
        Period { span, first, last }
    }

    /// A range typed by someone: both ends included, in order, at most [`MAX_DAYS`] long.
    pub fn range(first: NaiveDate, last: NaiveDate) -> AppResult<Period> {
        if first > last {
            return Err(AppError::Invalid(
                "the from date is after the to date".into(),
            ));
        }
        let p = Period {
            span: Span::Custom,
            first,
            last,
        };
        if p.day_count() > MAX_DAYS {
            return Err(AppError::Invalid(format!(
                "a range is at most {MAX_DAYS} days"
            )));
        }
        Ok(p)
    }

    pub fn day_count(&self) -> u64 {
        u64::try_from((self.last - self.first).num_days() + 1).unwrap_or(1)
    }

    /// The period just before, of as many days: yesterday for today, the 7 days before the
    /// last 7, the first days of last month (as many as have passed of this one) for this month.
    pub fn previous(&self) -> Period {
        let n = self.day_count();
        let first = match self.span {
            Span::ThisMonth => self
                .first
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(self.first),
            _ => self
                .first
                .checked_sub_days(Days::new(n))
                .unwrap_or(self.first),
        };
        let last = first
            .checked_add_days(Days::new(n - 1))
            .unwrap_or(first)
            .min(self.first.pred_opt().unwrap_or(self.first));
        Period {
            span: self.span,
            first,
            last,
        }
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.first.iter_days().take_while({
            let last = self.last;
            move |d| *d <= last
        })
    }
}

/// The Unix seconds a shop-local day starts at.
pub fn start_of(day: NaiveDate, offset: FixedOffset) -> i64 {
    offset
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map_or(0, |t| t.timestamp())
}

/// `[start, end)` of a shop-local day in Unix seconds.
pub fn bounds(day: NaiveDate, offset: FixedOffset) -> (i64, i64) {
    let next = day.succ_opt().unwrap_or(day);
    (start_of(day, offset), start_of(next, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_day(s, "test").unwrap()
    }

    #[test]
    fn each_span_and_the_period_before_it() {
        let today = d("2026-03-31");
        let p = Period::of(Span::Last7, today);
        assert_eq!((p.first, p.last), (d("2026-03-25"), today));
        assert_eq!(
            (p.previous().first, p.previous().last),
            (d("2026-03-18"), d("2026-03-24"))
        );
        let y = Period::of(Span::Yesterday, today);
        assert_eq!(
            (y.previous().first, y.previous().last),
            (d("2026-03-29"), d("2026-03-29"))
        );
        // March 1..31 is compared with February 1..28: no day of March is counted twice.
        let m = Period::of(Span::ThisMonth, today).previous();
        assert_eq!((m.first, m.last), (d("2026-02-01"), d("2026-02-28")));
        assert_eq!(Period::of(Span::Last30, today).day_count(), 30);
    }

    #[test]
    fn a_range_is_checked() {
        assert!(Period::range(d("2026-03-02"), d("2026-03-01")).is_err());
        assert!(Period::range(d("2025-01-01"), d("2026-03-01")).is_err());
        assert_eq!(
            Period::range(d("2026-03-01"), d("2026-03-01"))
                .unwrap()
                .day_count(),
            1
        );
    }

    #[test]
    fn a_day_starts_at_midnight_on_the_shops_clock() {
        let india = FixedOffset::east_opt(330 * 60).unwrap();
        // 1 March 00:00 in India is 28 February 18:30 UTC.
        assert_eq!(start_of(d("2026-03-01"), india), 1_772_303_400);
    }
}
