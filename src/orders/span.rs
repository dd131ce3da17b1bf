//! Orders of a stretch of time (an optional status and payment status, from and to), counted
//! and paged through the kept day counts (`order_days`, migrations V25 and V28): whole UTC days
//! from the counts, and only the part-days at either end from the orders' index, each on its
//! shorter side. A range's count costs at most half a day's orders at either end, and the
//! start of any of its pages at most a day's more, however many the range holds.

use rusqlite::{params, Connection};

use super::{PaymentStatus, Status};
use crate::error::AppResult;

/// The length of the days the kept day counts are counted in.
const DAY_SECS: i64 = 86_400;

/// Orders taken in `[from, to)` (Unix seconds; `None` is open), of `status` or any, and of
/// `payment` or any.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub status: Option<Status>,
    pub payment: Option<PaymentStatus>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Span {
    /// The whole days inside the span, `[first, end)` by day number; `None` when there are
    /// none, and the span is at most a part of one day or two.
    fn whole_days(self) -> Option<(Option<i64>, Option<i64>)> {
        let first = self
            .from
            .map(|f| f.div_euclid(DAY_SECS) + i64::from(f.rem_euclid(DAY_SECS) != 0));
        let end = self.to.map(|t| t.div_euclid(DAY_SECS));
        match (first, end) {
            (Some(f), Some(e)) if f >= e => None,
            _ => Some((first, end)),
        }
    }

    /// How many orders the span holds, exactly.
    pub fn count(self, conn: &Connection, business_id: i64) -> AppResult<i64> {
        let Some((first, end)) = self.whole_days() else {
            return self.rows(conn, business_id, self.from, self.to);
        };
        let head = self.newest_part(conn, business_id, end)?;
        let tail = match (self.from, first) {
            (Some(from), Some(f)) => self.part(conn, business_id, from, f * DAY_SECS)?,
            _ => 0,
        };
        Ok(head + self.kept(conn, business_id, first, end)? + tail)
    }

    /// The kept day counts' sum for the whole days from `first` to before `end`.
    fn kept(
        self,
        conn: &Connection,
        business_id: i64,
        first: Option<i64>,
        end: Option<i64>,
    ) -> AppResult<i64> {
        let sql = format!("SELECT COALESCE(SUM(n), 0) {}", self.days(first, end));
        Ok(conn.prepare_cached(&sql)?.query_row(
            params![business_id, self.status(), first, end, self.payment()],
            |r| r.get(0),
        )?)
    }

    /// Orders taken in `[from, to)`, part of one day with one end on its edge. A shop's dates
    /// start at its own midnight, so a range of them cuts a day at either end, and the two cuts
    /// hold a whole day's orders between them. Each is counted on its shorter side, at most half
    /// a day: the larger share of a day is its kept count less the rest of it. For a shop at
    /// UTC+5:30 both shorter sides are its night hours.
    fn part(self, conn: &Connection, business_id: i64, from: i64, to: i64) -> AppResult<i64> {
        if to - from <= DAY_SECS / 2 {
            return self.rows(conn, business_id, Some(from), Some(to));
        }
        let day = from.div_euclid(DAY_SECS);
        let (start, next) = (day * DAY_SECS, (day + 1) * DAY_SECS);
        let mut n = self.kept(conn, business_id, Some(day), Some(day + 1))?;
        if start < from {
            n -= self.rows(conn, business_id, Some(start), Some(from))?;
        }
        if to < next {
            n -= self.rows(conn, business_id, Some(to), Some(next))?;
        }
        Ok(n)
    }

    /// Where a page `offset` orders into the span, newest first, starts: the end (exclusive)
    /// of the stretch its first order is in, and how many of that stretch's orders come before
    /// it. `None` when the page starts in the newest part-day (stepping over it is cheap), when
    /// the span has no whole days, or past its end.
    pub fn page_start(
        self,
        conn: &Connection,
        business_id: i64,
        offset: i64,
    ) -> AppResult<Option<(i64, i64)>> {
        let Some((first, end)) = self.whole_days() else {
            return Ok(None);
        };
        let mut newer = self.newest_part(conn, business_id, end)?;
        if offset < newer {
            return Ok(None);
        }
        let mut days = conn.prepare_cached(&format!(
            "SELECT day, SUM(n) {} GROUP BY day ORDER BY day DESC",
            self.days(first, end)
        ))?;
        let mut rows = days.query(params![
            business_id,
            self.status(),
            first,
            end,
            self.payment()
        ])?;
        while let Some(r) = rows.next()? {
            let (day, n): (i64, i64) = (r.get(0)?, r.get(1)?);
            if newer + n > offset {
                return Ok(Some(((day + 1) * DAY_SECS, offset - newer)));
            }
            newer += n;
        }
        // Into the oldest part-day, if the span has one.
        Ok(first.map(|f| (f * DAY_SECS, offset - newer)))
    }

    /// Orders in the part-day after the span's last whole day (`end`), up to `to`.
    fn newest_part(self, conn: &Connection, business_id: i64, end: Option<i64>) -> AppResult<i64> {
        match (end, self.to) {
            (Some(e), Some(to)) => self.part(conn, business_id, e * DAY_SECS, to),
            _ => Ok(0),
        }
    }

    /// The kept day counts of a business (`?1`), of the span's status (`?2`) and payment status
    /// (`?5`), for the whole days from `first` (`?3`) to before `end` (`?4`), day numbers.
    /// Only the conditions set are written: with `?3 IS NULL OR day >= ?3` SQLite could not
    /// use the key's days, and read every day the shop has for a week's count (0.24 ms on the
    /// 1,000,000-order book, 5 µs by the key).
    fn days(self, first: Option<i64>, end: Option<i64>) -> String {
        format!(
            "FROM order_days WHERE business_id = ?1 AND {} AND {} AND {} AND {}",
            self.status_is(),
            when(first.is_some(), "day >= ?3", 3),
            when(end.is_some(), "day < ?4", 4),
            self.payment_is(),
        )
    }

    fn status_is(self) -> String {
        when(self.status.is_some(), "status = ?2", 2)
    }

    fn payment_is(self) -> String {
        when(self.payment.is_some(), "payment_status = ?5", 5)
    }

    fn status(self) -> Option<&'static str> {
        self.status.map(Status::as_str)
    }

    fn payment(self) -> Option<&'static str> {
        self.payment.map(PaymentStatus::as_str)
    }

    /// Orders of the span's statuses taken in `[from, to)`, counted in an index that leads with
    /// one of them: at most a day of them. Only the conditions the span sets are written, so
    /// SQLite can use the index for each.
    fn rows(
        self,
        conn: &Connection,
        business_id: i64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> AppResult<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM orders WHERE business_id = ?1 AND {} AND {}
               AND created_at >= COALESCE(?3, -9223372036854775808)
               AND created_at < COALESCE(?4, 9223372036854775807)",
            self.status_is(),
            self.payment_is(),
        );
        Ok(conn.prepare_cached(&sql)?.query_row(
            params![business_id, self.status(), from, to, self.payment()],
            |r| r.get(0),
        )?)
    }
}

/// `cond` when its parameter `?n` is set, else `?n IS NULL`: it holds, and keeps the parameter
/// bound by number. SQLite uses an index for a condition written plainly, not behind an `OR`.
fn when(set: bool, cond: &str, n: u8) -> String {
    if set {
        cond.to_owned()
    } else {
        format!("?{n} IS NULL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of summing the kept day counts for `span`'s whole days.
    fn plan(span: Span) -> String {
        let (_dir, db) = crate::db::scratch();
        let (first, end) = span.whole_days().expect("whole days");
        let sql = format!("SELECT SUM(n) {}", span.days(first, end));
        db.with_conn(|c| {
            let args = params![1, span.status(), first, end, span.payment()];
            Ok::<_, crate::error::AppError>(crate::db::query_plan(c, &sql, args))
        })
        .unwrap()
    }

    #[test]
    fn a_stretch_of_days_reads_only_its_own_days_counts() {
        let week = Span {
            status: Some(Status::Delivered),
            payment: None,
            from: Some(20_000 * DAY_SECS),
            to: Some(20_007 * DAY_SECS),
        };
        assert!(
            plan(week).contains("(business_id=? AND day>? AND day<?)"),
            "{}",
            plan(week)
        );
        let since = Span { to: None, ..week };
        assert!(
            plan(since).contains("(business_id=? AND day>?)"),
            "{}",
            plan(since)
        );
        let all = Span {
            from: None,
            ..since
        };
        assert!(plan(all).contains("(business_id=?)"), "{}", plan(all));
    }
}
