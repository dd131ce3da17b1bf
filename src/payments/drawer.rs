//! The day's money on the shop's clock: takings (received less refunded), and the end-of-day
//! drawer, cash and UPI collected per staff member, so the drawer can be counted.

use chrono::NaiveDate;
use rusqlite::Connection;

use super::store;
use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::error::AppResult;
use crate::orders::export::day_range;

/// Start and end (Unix seconds) of the shop-local `day`.
fn bounds(b: &Business, day: NaiveDate) -> AppResult<(i64, i64)> {
    let text = day.format("%Y-%m-%d").to_string();
    let (from, to) = day_range(b, Some(&text), Some(&text))?;
    Ok((from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)))
}

/// Today on the shop's clock.
pub fn today(b: &Business) -> NaiveDate {
    chrono::Utc::now().with_timezone(&b.offset()).date_naive()
}

/// Money received on the shop-local `day`: payments less refunds recorded that day, whatever
/// day the orders were taken. What the dashboard calls takings.
pub fn takings(conn: &Connection, b: &Business, day: NaiveDate) -> AppResult<Money> {
    let (from, to) = bounds(b, day)?;
    Ok(Money::from_minor(store::received_between(
        conn, b.id, from, to,
    )?))
}

/// What one person (or Novi, for payments no person recorded) took in and gave back in a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// A username; None for Novi (API clients, gateways).
    pub who: Option<String>,
    pub cash: Money,
    pub upi: Money,
    pub razorpay: Money,
    /// Refunds of every mode, and those of them paid out in cash.
    pub refunds: Money,
    pub cash_refunds: Money,
    /// How many payments and refunds.
    pub count: i64,
}

impl Line {
    /// Cash collected less cash given back: what this person should have put in the drawer.
    pub fn cash_in_drawer(&self) -> Money {
        Money::from_minor(self.cash.minor().saturating_sub(self.cash_refunds.minor()))
    }

    fn add(&mut self, t: &store::Tally) {
        let add = |m: &mut Money| *m = Money::from_minor(m.minor().saturating_add(t.amount_minor));
        match (t.kind.as_str(), t.mode.as_str()) {
            ("refund", "cash") => {
                add(&mut self.refunds);
                add(&mut self.cash_refunds);
            }
            ("refund", _) => add(&mut self.refunds),
            (_, "cash") => add(&mut self.cash),
            (_, "upi") => add(&mut self.upi),
            _ => add(&mut self.razorpay),
        }
        self.count += t.count;
    }
}

/// The drawer of one day: a line per person, and the day's totals.
#[derive(Debug, Clone, Default)]
pub struct Drawer {
    pub day: Option<NaiveDate>,
    pub lines: Vec<Line>,
    pub total: Line,
}

/// The payments and refunds recorded on the shop-local `day`, per person, in name order.
pub fn drawer(conn: &Connection, b: &Business, day: NaiveDate) -> AppResult<Drawer> {
    let (from, to) = bounds(b, day)?;
    let mut lines: Vec<Line> = Vec::new();
    let mut total = Line::default();
    for t in store::tallies(conn, b.id, from, to)? {
        match lines.iter_mut().find(|l| l.who == t.who) {
            Some(line) => line.add(&t),
            None => {
                let mut line = Line {
                    who: t.who.clone(),
                    ..Line::default()
                };
                line.add(&t);
                lines.push(line);
            }
        }
        total.add(&t);
    }
    Ok(Drawer {
        day: Some(day),
        lines,
        total,
    })
}
