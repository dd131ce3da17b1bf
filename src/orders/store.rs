//! The `orders`, `order_lines` and `order_events` tables.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};

use super::model::{
    Channel, CustomerRef, Event, Fulfilment, Line, NewOrder, Order, PaymentMode, PaymentStatus,
    Said, Sort,
};
use super::span::Span;
use super::status::Status;
use crate::customers::{self, phone_at};
use crate::db::now;
use crate::domain::Money;
use crate::error::AppResult;

/// How a day is written in the database: `YYYY-MM-DD`, which sorts by date as text.
const DAY: &str = "%Y-%m-%d";

const COLUMNS: &str = "o.id, o.number, o.channel, o.status, o.customer_id, c.name, c.phone,
        o.subtotal_minor, o.delivery_fee_minor, o.total_minor, o.currency, o.address, o.notes,
        o.payment_mode, o.payment_status, o.created_at, o.updated_at, o.fulfilment, o.deliver_on";

/// Where a list reads its orders from, unless a search's customers drive the reading.
const ORDERS: &str = "orders o";

/// The orders of `from` (naming them `o`), each with its customer's name and number.
fn select(from: &str) -> String {
    format!("SELECT {COLUMNS} FROM {from} JOIN customers c ON c.id = o.customer_id")
}

/// Reads a whole number of minor units; every money column is one.
fn money(row: &Row, i: usize) -> rusqlite::Result<Money> {
    row.get(i).map(Money::from_minor)
}

/// Reads a text column into one of our enums; the schema's CHECKs keep them valid.
pub(crate) fn parsed<T: std::str::FromStr>(row: &Row, i: usize) -> rusqlite::Result<T> {
    let text: String = row.get(i)?;
    text.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, text.into())
    })
}

/// Reads an optional `YYYY-MM-DD` column; the schema's CHECK keeps it in that shape.
fn day(row: &Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    let Some(text) = row.get::<_, Option<String>>(i)? else {
        return Ok(None);
    };
    NaiveDate::parse_from_str(&text, DAY)
        .map(Some)
        .map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, text.into())
        })
}

fn from_row(row: &Row) -> rusqlite::Result<Order> {
    Ok(Order {
        id: row.get(0)?,
        number: row.get(1)?,
        channel: parsed(row, 2)?,
        status: parsed(row, 3)?,
        customer: CustomerRef {
            id: row.get(4)?,
            name: row.get(5)?,
            phone: phone_at(row, 6)?,
        },
        subtotal: money(row, 7)?,
        delivery_fee: money(row, 8)?,
        total: money(row, 9)?,
        currency: row.get(10)?,
        address: row.get(11)?,
        notes: row.get(12)?,
        payment_mode: parsed(row, 13)?,
        payment_status: parsed(row, 14)?,
        created_at: row.get(15)?,
        updated_at: row.get(16)?,
        fulfilment: parsed(row, 17)?,
        deliver_on: day(row, 18)?,
        lines: Vec::new(),
        events: Vec::new(),
    })
}

const LINE_COLUMNS: &str = "product_id, sku, name, unit, variant, variant_count, qty,
    unit_price_minor, total_minor, said, read_as";
const EVENT_COLUMNS: &str = "kind, from_status, to_status, actor, note, created_at, id";

fn lines(conn: &Connection, order_id: i64) -> AppResult<Vec<Line>> {
    let sql =
        format!("SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id = ?1 ORDER BY position");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([order_id], |r| line_from(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A line from `LINE_COLUMNS`, the first of them at column `at`.
fn line_from(r: &Row, at: usize) -> rusqlite::Result<Line> {
    let words: Option<String> = r.get(at + 9)?;
    Ok(Line {
        product_id: r.get(at)?,
        sku: r.get(at + 1)?,
        name: r.get(at + 2)?,
        unit: parsed(r, at + 3)?,
        variant: r.get(at + 4)?,
        variant_count: r.get(at + 5)?,
        qty: r.get(at + 6)?,
        unit_price: money(r, at + 7)?,
        total: money(r, at + 8)?,
        said: words
            .map(|words| {
                Ok::<_, rusqlite::Error>(Said {
                    words,
                    read_as: r.get(at + 10)?,
                })
            })
            .transpose()?,
    })
}

fn events(conn: &Connection, order_id: i64) -> AppResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM order_events WHERE order_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([order_id], |r| event_from(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An event from `EVENT_COLUMNS`, the first of them at column `at`.
fn event_from(r: &Row, at: usize) -> rusqlite::Result<Event> {
    let status = |i: usize| -> rusqlite::Result<Option<Status>> {
        Ok(r.get::<_, Option<String>>(at + i)?
            .and_then(|s| s.parse().ok()))
    };
    Ok(Event {
        kind: r.get(at)?,
        from_status: status(1)?,
        to_status: status(2)?,
        actor: r.get(at + 3)?,
        note: r.get(at + 4)?,
        created_at: r.get(at + 5)?,
        id: r.get(at + 6)?,
    })
}

fn complete(conn: &Connection, mut order: Order) -> AppResult<Order> {
    order.lines = lines(conn, order.id)?;
    order.events = events(conn, order.id)?;
    Ok(order)
}

/// Completes a page of orders with two statements in all, rather than two per order: a page of
/// 25 was 50 statements, each a search of its own.
fn complete_page(
    conn: &Connection,
    mut orders: Vec<Order>,
    detail: Detail,
) -> AppResult<Vec<Order>> {
    if detail == Detail::Row {
        return Ok(orders);
    }
    let at: HashMap<i64, usize> = orders.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let ids = crate::db::id_list(&orders.iter().map(|o| o.id).collect::<Vec<_>>());
    let of_page = "order_id IN (SELECT value FROM json_each(?1))";
    let sql = format!(
        "SELECT order_id, {LINE_COLUMNS} FROM order_lines WHERE {of_page} ORDER BY order_id, position"
    );
    each_row(conn, &sql, &ids, |r| {
        if let Some(&i) = at.get(&r.get(0)?) {
            orders[i].lines.push(line_from(r, 1)?);
        }
        Ok(())
    })?;
    if detail == Detail::Lines {
        return Ok(orders);
    }
    let sql = format!(
        "SELECT order_id, {EVENT_COLUMNS} FROM order_events WHERE {of_page} ORDER BY order_id, id"
    );
    each_row(conn, &sql, &ids, |r| {
        if let Some(&i) = at.get(&r.get(0)?) {
            orders[i].events.push(event_from(r, 1)?);
        }
        Ok(())
    })?;
    Ok(orders)
}

fn each_row(
    conn: &Connection,
    sql: &str,
    param: &str,
    mut each: impl FnMut(&Row) -> rusqlite::Result<()>,
) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([param])?;
    while let Some(r) = rows.next()? {
        each(r)?;
    }
    Ok(())
}

pub fn by_number(conn: &Connection, business_id: i64, number: i64) -> AppResult<Option<Order>> {
    one(
        conn,
        "o.business_id = ?1 AND o.number = ?2",
        params![business_id, number],
    )
}

/// The one order `filter` picks, with its lines and events. The statement is kept prepared:
/// an order page's lookup was an eighth of its reading when parsed each time.
fn one(conn: &Connection, filter: &str, params: impl rusqlite::Params) -> AppResult<Option<Order>> {
    let sql = format!("{} WHERE {filter}", select(ORDERS));
    let found = conn
        .prepare_cached(&sql)?
        .query_row(params, from_row)
        .optional()?;
    found.map(|o| complete(conn, o)).transpose()
}

/// The numbers of a customer's orders still being made (pending, confirmed or preparing),
/// newest first, but for order `except`: read by the customer's own index.
pub fn open_numbers(conn: &Connection, customer_id: i64, except: i64) -> AppResult<Vec<i64>> {
    let numbers = conn
        .prepare_cached(
            "SELECT number FROM orders
             WHERE customer_id = ?1 AND id <> ?2 AND status IN ('pending', 'confirmed', 'preparing')
             ORDER BY created_at DESC, number DESC LIMIT 3",
        )?
        .query_map(params![customer_id, except], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(numbers)
}

/// Order `order_id` of the business, by its id rather than its number (a payment provider
/// names Novi's own id).
pub fn by_id(conn: &Connection, business_id: i64, order_id: i64) -> AppResult<Option<Order>> {
    one(
        conn,
        "o.business_id = ?1 AND o.id = ?2",
        params![business_id, order_id],
    )
}

/// Narrows the order list (`None` and empty fields do not filter) and says how to sort it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    /// An order number (`1042` or `#1042`), or part of a customer's name or number.
    pub q: String,
    /// Unix seconds, inclusive start and exclusive end.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub customer_id: Option<i64>,
    /// Only orders whose money stands so (unpaid, paid, ...).
    pub payment: Option<PaymentStatus>,
    pub sort: Sort,
}

impl Sort {
    /// The `ORDER BY` of a list; undated orders after dated ones, each day first come first.
    /// Newest is by time taken, then number (the same order, as numbers are given as orders
    /// are taken): every index the list reads ends in these columns, so a page stops early.
    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => "o.created_at DESC, o.number DESC",
            Sort::DeliverOn => "o.deliver_on IS NULL, o.deliver_on, o.number",
        }
    }
}

/// Past this many matches a list says "10,000+" rather than count every one: a count over a
/// whole book would cost as much as reading it.
pub const COUNT_CAP: i64 = 10_000;

/// The cap for a name or phone search, whose matches are read row by row through the customer
/// index rather than counted in an index: "1,000+" is as useful, and ten times cheaper.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// How many orders match a filter: exactly, or at least `count` (past [`COUNT_CAP`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Total {
    pub count: i64,
    pub capped: bool,
}

impl Total {
    /// Pages of `per_page` the total fills (at least as many when capped).
    pub fn pages(self, per_page: i64) -> i64 {
        (self.count + per_page - 1) / per_page.max(1)
    }
}

/// A filter as SQL: only the conditions it sets, so each shape reads the index made for it.
struct Where {
    /// What the orders (`o`) are read from: [`ORDERS`], or a search's customers driving the
    /// reading of theirs (see [`Where::and_search`]).
    from: String,
    sql: String,
    args: Vec<Value>,
}

impl Where {
    /// `by_customer`: read the orders of the customers the filter names or finds, by the
    /// customer index (then sorted), rather than the whole book in order, checking each. The
    /// unary `+` keeps SQLite from reading the business's index instead.
    fn of(business_id: i64, f: &Filter, by_customer: bool, people: Option<&str>) -> Where {
        let business = if by_customer && (f.customer_id.is_some() || f.searches_people()) {
            // The customers a search found are the business's own, as is the one a filter names
            // (`list_with` checks), and so are their orders: the customer index answers alone,
            // where checking each order's business read its row (2-3 ms to count a thousand, 10
            // ms for a regular's page). The page's rows are checked when read.
            "1"
        } else if by_customer {
            "+o.business_id = ?1"
        } else {
            "o.business_id = ?1"
        };
        let mut w = Where {
            from: ORDERS.into(),
            sql: business.into(),
            args: vec![Value::Integer(business_id)],
        };
        if let Some(s) = f.status {
            w.and("o.status = ?", [s.as_str().to_owned().into()]);
        }
        if let Some(p) = f.payment {
            w.and("o.payment_status = ?", [p.as_str().to_owned().into()]);
        }
        if let Some(from) = f.from {
            w.and("o.created_at >= ?", [from.into()]);
        }
        if let Some(to) = f.to {
            w.and("o.created_at < ?", [to.into()]);
        }
        if let Some(c) = f.customer_id {
            w.and("o.customer_id = ?", [c.into()]);
        }
        let s = Search::of(&f.q);
        if s.number_only {
            w.and("o.number = ?", [s.number.into()]);
        } else if !s.q.is_empty() {
            w.and_search(&s, people.unwrap_or("[]"), by_customer);
        }
        w
    }

    /// A search for people: the orders of the customers it found (`people`, read once by
    /// [`people`]), by the customer index; and the order whose number is the text, if it is a
    /// number. Only the branches the text can match are written: with an order-number branch
    /// SQLite read every found order's row to join the branches, three times the work of a name
    /// alone.
    ///
    /// Read `by_customer`, a name alone drives the reading from the list itself (which holds
    /// each customer once, so no order is read twice). As `customer_id IN (the list)` SQLite
    /// first copied the list into a temporary index, in the count and again in the page: for a
    /// name 692 customers have, the count took 0.138 ms that way and 0.053 ms driven by the
    /// list (SQLite 3.51, on the 1,000,000-order book). The walk of the whole book newest first
    /// keeps the `IN`, which it checks each order against.
    fn and_search(&mut self, s: &Search, people: &str, by_customer: bool) {
        let found = "o.customer_id IN (SELECT value FROM json_each(?))";
        let list = Value::Text(people.to_owned());
        if by_customer && s.number < 0 {
            self.args.push(list);
            self.from = format!(
                "json_each(?{}) j CROSS JOIN orders o ON o.customer_id = j.value",
                self.args.len()
            );
        } else if s.number >= 0 {
            self.and(
                &format!("((o.business_id = ?1 AND o.number = ?) OR {found})"),
                [s.number.into(), list],
            );
        } else {
            self.and(found, [list]);
        }
    }

    /// Adds `cond`, its bare `?`s numbered for `args` in turn (`?1` stays the business).
    fn and(&mut self, cond: &str, args: impl IntoIterator<Item = Value>) {
        let mut args = args.into_iter();
        self.sql.push_str(" AND ");
        let mut rest = cond;
        while let Some(at) = rest.find('?') {
            self.sql.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            if let Some(arg) = args.next() {
                self.args.push(arg);
                self.sql.push_str(&self.args.len().to_string());
            }
        }
        self.sql.push_str(rest);
    }

    /// The parameters, and `extra` after them.
    fn params(&self, extra: &[i64]) -> Vec<Value> {
        let mut all = self.args.clone();
        all.extend(extra.iter().map(|&v| Value::Integer(v)));
        all
    }
}

impl Filter {
    /// Whether the filter names a customer or searches for some.
    fn by_customer(&self) -> bool {
        self.customer_id.is_some() || self.searches_people()
    }

    /// A search that reads customers' names and numbers (not `#12`, which is one order).
    fn searches_people(&self) -> bool {
        let s = Search::of(&self.q);
        !s.q.is_empty() && !s.number_only
    }

    /// The filter as a stretch of time, when it is by dates, status and payment alone.
    fn span(&self) -> Option<Span> {
        let by_span = self.q.trim().is_empty() && self.customer_id.is_none();
        by_span.then_some(Span {
            status: self.status,
            payment: self.payment,
            from: self.from,
            to: self.to,
        })
    }

    fn count_cap(&self) -> i64 {
        if self.searches_people() {
            SEARCH_COUNT_CAP
        } else {
            COUNT_CAP
        }
    }
}

/// The customers a name or phone search finds (a number needs four digits, so "2" is not
/// every number), as a JSON array of their ids to bind. Read once for both the count and the
/// page; written into each as a subquery, every customer's name was read twice.
fn people(conn: &Connection, business_id: i64, f: &Filter) -> AppResult<Option<String>> {
    if !f.searches_people() {
        return Ok(None);
    }
    let ids = customers::found(conn, business_id, &f.q, 4)?;
    Ok(Some(crate::db::id_list(&ids)))
}

/// How many orders match: from the kept counts by status and payment status when the filter is
/// by those or nothing, from the kept day counts when it is by dates (and those), else counted
/// up to [`COUNT_CAP`].
fn count(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    people: Option<&str>,
) -> AppResult<Total> {
    let plain = f.q.trim().is_empty() && f.from.is_none() && f.to.is_none();
    if plain && f.customer_id.is_none() {
        return Ok(Total {
            count: kept_count(conn, business_id, f.status, f.payment)?,
            capped: false,
        });
    }
    // A stretch of time, of a status and payment status or any: exact from the kept day counts.
    if let Some(span) = f.span() {
        return Ok(Total {
            count: span.count(conn, business_id)?,
            capped: false,
        });
    }
    // Only a count of the orders themselves needs the filter as SQL.
    let w = Where::of(business_id, f, f.by_customer(), people);
    let cap = f.count_cap();
    let n: i64 = conn
        .prepare_cached(&count_sql(&w, cap))?
        .query_row(params_from_iter(w.params(&[])), |r| r.get(0))?;
    Ok(Total {
        count: n.min(cap),
        capped: n > cap,
    })
}

/// The shop's orders of `status` and `payment` (each or any), from the kept counts: a few rows
/// a shop, so the conditions need not be written only when set.
fn kept_count(
    conn: &Connection,
    business_id: i64,
    status: Option<Status>,
    payment: Option<PaymentStatus>,
) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM order_counts WHERE business_id = ?1
               AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR payment_status = ?3)",
        )?
        .query_row(
            params![
                business_id,
                status.map(Status::as_str),
                payment.map(PaymentStatus::as_str)
            ],
            |r| r.get(0),
        )?)
}

/// Counts the orders `w` matches, up to one past `cap`.
fn count_sql(w: &Where, cap: i64) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} LIMIT {})",
        w.from,
        w.sql,
        cap + 1
    )
}

/// Orders taken in `[from, to)` (unix seconds) that were not cancelled: how many, and their
/// total in minor units. `TOTAL` never fails the way `SUM` does on overflow: it adds in floating
/// point, exact to 2^53 paise (₹90 lakh crore), and the cast holds anything past `i64` at its
/// largest, so a page that shows the sum always renders.
pub fn taken_between(
    conn: &Connection,
    business_id: i64,
    from: i64,
    to: i64,
) -> AppResult<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), CAST(TOTAL(total_minor) AS INTEGER) FROM orders
         WHERE business_id = ?1 AND status != 'cancelled' AND created_at >= ?2 AND created_at < ?3",
        )?
        .query_row(params![business_id, from, to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

/// How much of each order a list reads besides its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The row alone: number, customer, totals, status, times.
    Row,
    /// And its lines, for a summary of its items.
    Lines,
    /// And its timeline: the whole order, as the API and export show it.
    Full,
}

/// One page of orders in the filter's order, whole, and how many match in all.
pub fn list(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    page: i64,
    per_page: i64,
) -> AppResult<(Vec<Order>, Total)> {
    list_with(conn, business_id, f, (page, per_page), Detail::Full)
}

/// [`list`], reading only `detail` of each order: a page that shows no timeline reads none.
pub fn list_with(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    (page, per_page): (i64, i64),
    detail: Detail,
) -> AppResult<(Vec<Order>, Total)> {
    if !customer_is_theirs(conn, business_id, f)? {
        return Ok((
            Vec::new(),
            Total {
                count: 0,
                capped: false,
            },
        ));
    }
    let people = people(conn, business_id, f)?;
    let total = count(conn, business_id, f, people.as_deref())?;
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    let by_customer = f.by_customer()
        && (!total.capped
            || by_customer_anyway(conn, business_id, f, people.as_deref(), offset + per_page)?);
    let w = Where::of(business_id, f, by_customer, people.as_deref());
    // Past the last order there is nothing to step over the whole book to find.
    if !total.capped && offset >= total.count {
        return Ok((Vec::new(), total));
    }
    crate::db::savepoint(conn, || {
        let found = page_rows(conn, business_id, f, w, (offset, per_page))?;
        Ok((complete_page(conn, found, detail)?, total))
    })
}

/// How many of a search's customers' kept figures are read to estimate their orders: reading
/// all of a broad search's 700 cost as much as walking the book for its page.
const SAMPLED: i64 = 64;

/// Whether orders past the count's cap are still read faster by their customers than by walking
/// the shop's orders newest first. Few matches (up to the cap) always are. One customer's orders
/// newest first come in order from the customer index. Otherwise reading by customer reads
/// every match and sorts them, while the walk steps over about `book / matches` orders for each
/// of the `wanted` it keeps; on the 1,000,000-order book a row cost about the same either way
/// (0.08-0.19 µs), so the fewer rows win: by customer while matches² < wanted × book. A search
/// finding 1,300 orders read its first page in 0.1 ms by customer where the walk took 3.8 ms;
/// one finding 35,000, 0.6 ms by the walk and 2.8 ms by customer. Matches are estimated from the
/// kept figures of about [`SAMPLED`] of the customers (figures leave out cancelled orders: near
/// enough to choose by).
pub(super) fn by_customer_anyway(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    people: Option<&str>,
    wanted: i64,
) -> AppResult<bool> {
    let one;
    let ids = match (people, f.customer_id) {
        (Some(found), _) => found,
        (None, Some(_)) if f.sort == Sort::Newest => return Ok(true),
        (None, Some(id)) => {
            one = crate::db::id_list(&[id]);
            &one
        }
        (None, None) => return Ok(false),
    };
    // Every n-th of the customers, so the sample spans the list whatever order it is in (the
    // first 64 of one broad search had a fifteenth of the orders their share would be).
    let (sampled, of, customers): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(f.orders), 0), COUNT(*), json_array_length(?1)
             FROM json_each(?1) j LEFT JOIN customer_figures f ON f.customer_id = j.value
             WHERE j.key % ((json_array_length(?1) + ?2 - 1) / ?2) = 0",
        )?
        .query_row(params![ids, SAMPLED], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let book = kept_count(conn, business_id, None, None)?;
    let matches = sampled.saturating_mul(customers) / of.max(1);
    Ok(matches.saturating_mul(matches) < wanted.saturating_mul(book))
}

/// The rows of one page of `w`'s orders, `per_page` of them after the first `offset`.
fn page_rows(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    w: Where,
    (offset, per_page): (i64, i64),
) -> AppResult<Vec<Order>> {
    // A deep page of the plain list, or of dates, status and payment, starts on the day its
    // first order was taken, found from the kept day counts; only that day's newer orders are
    // stepped over. Read in the same snapshot as the page (the savepoint above), the counts are
    // the orders'.
    let (w, offset) = match day_of(conn, business_id, f, offset)? {
        Some((before, rest)) => {
            let cut = Filter {
                to: Some(before),
                ..f.clone()
            };
            (Where::of(business_id, &cut, false, None), rest)
        }
        None => (w, offset),
    };
    // The page's ids are found first, stepping over the pages before it in the index alone;
    // only its own rows are then read and joined to their customers. Joining first cost a
    // table and customer read for every order stepped over: 100 ms for page 2,000.
    let sql = format!(
        "{} WHERE +o.business_id = ?1 AND o.id IN ({}) ORDER BY {}",
        select(ORDERS),
        page_ids(&w, f.sort),
        f.sort.order_by()
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(w.params(&[per_page, offset])), from_row)?
        .collect::<Result<_, _>>()?;
    Ok(found)
}

/// For a page `offset` orders into the newest-first list of a stretch of time (any status, or
/// one; any payment status, or one; the whole book, or dates): where to start stepping (see
/// [`Span::page_start`]). `None` for the first page, any other filter or sort, and past the end.
fn day_of(
    conn: &Connection,
    business_id: i64,
    f: &Filter,
    offset: i64,
) -> AppResult<Option<(i64, i64)>> {
    match f.span() {
        Some(span) if offset > 0 && f.sort == Sort::Newest => {
            span.page_start(conn, business_id, offset)
        }
        _ => Ok(None),
    }
}

/// The ids of one page of a filter's orders, its size and offset the last two parameters.
fn page_ids(w: &Where, sort: Sort) -> String {
    let n = w.args.len();
    format!(
        "SELECT o.id FROM {} WHERE {} ORDER BY {} LIMIT ?{} OFFSET ?{}",
        w.from,
        w.sql,
        sort.order_by(),
        n + 1,
        n + 2
    )
}

/// Whether the customer the filter names, if any, is the business's: their orders are then
/// found by the customer index alone.
fn customer_is_theirs(conn: &Connection, business_id: i64, f: &Filter) -> AppResult<bool> {
    let Some(id) = f.customer_id else {
        return Ok(true);
    };
    Ok(conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1 AND business_id = ?2")?
        .exists(params![id, business_id])?)
}

/// Every order the filter matches, in its order, read in one pass (for exports).
pub fn all(conn: &Connection, business_id: i64, f: &Filter) -> AppResult<Vec<Order>> {
    if !customer_is_theirs(conn, business_id, f)? {
        return Ok(Vec::new());
    }
    let people = people(conn, business_id, f)?;
    let w = Where::of(business_id, f, f.customer_id.is_some(), people.as_deref());
    let sql = format!(
        "{} WHERE {} ORDER BY {}",
        select(&w.from),
        w.sql,
        f.sort.order_by()
    );
    let found: Vec<Order> = conn
        .prepare(&sql)?
        .query_map(params_from_iter(w.params(&[])), from_row)?
        .collect::<Result<_, _>>()?;
    // A page at a time: the whole book's ids would make one very long parameter.
    let mut done = Vec::with_capacity(found.len());
    let mut found = found.into_iter();
    loop {
        let page: Vec<Order> = found.by_ref().take(500).collect();
        if page.is_empty() {
            return Ok(done);
        }
        done.extend(complete_page(conn, page, Detail::Full)?);
    }
}

/// The ways one search box matches an order: its number ("#12"), a name or note containing the
/// text, or a phone number containing its digits (at least four, so "2" is not every number).
struct Search {
    q: String,
    number: i64,
    /// `#12`: that order alone, found by its number's index.
    number_only: bool,
}

impl Search {
    fn of(text: &str) -> Self {
        let q = text.trim();
        let number = q.trim_start_matches('#').parse().unwrap_or(-1);
        Self {
            q: q.to_owned(),
            number,
            number_only: q.starts_with('#') && number >= 0,
        }
    }
}

pub fn next_number(conn: &Connection, business_id: i64) -> AppResult<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM orders WHERE business_id = ?1",
        [business_id],
        |r| r.get(0),
    )?)
}

/// The money columns of an order, worked out by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    pub delivery_fee: Money,
    pub total: Money,
}

pub struct Header<'a> {
    pub number: i64,
    pub customer_id: i64,
    pub currency: &'a str,
    pub totals: &'a Totals,
    pub status: Status,
}

pub fn insert(conn: &Connection, business_id: i64, req: &NewOrder, h: &Header) -> AppResult<i64> {
    let t = now();
    conn.execute(
        "INSERT INTO orders (business_id, number, channel, customer_id, subtotal_minor, delivery_fee_minor,
                             total_minor, currency, address, notes, status, payment_mode, payment_status,
                             created_at, updated_at, fulfilment, deliver_on)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'unpaid', ?13, ?13, ?14, ?15)",
        params![
            business_id,
            h.number,
            req.channel.as_str(),
            h.customer_id,
            h.totals.subtotal.minor(),
            h.totals.delivery_fee.minor(),
            h.totals.total.minor(),
            h.currency,
            req.address.trim(),
            req.notes.trim(),
            h.status.as_str(),
            req.payment_mode.as_str(),
            t,
            req.fulfilment.as_str(),
            req.deliver_on.map(|d| d.format(DAY).to_string())
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn replace_lines(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    lines: &[Line],
) -> AppResult<()> {
    conn.execute("DELETE FROM order_lines WHERE order_id = ?1", [order_id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO order_lines (business_id, order_id, position, product_id, sku, name, unit, variant,
                                  variant_count, qty, unit_price_minor, total_minor, said, read_as)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for (i, l) in lines.iter().enumerate() {
        stmt.execute(params![
            business_id,
            order_id,
            // rusqlite 0.39 binds no `usize`.
            i64::try_from(i).unwrap_or(i64::MAX),
            l.product_id,
            l.sku,
            l.name,
            l.unit.as_str(),
            l.variant,
            l.variant_count,
            l.qty,
            l.unit_price.minor(),
            l.total.minor(),
            l.said.as_ref().map(|s| &s.words),
            l.said.as_ref().and_then(|s| s.read_as.as_ref())
        ])?;
    }
    Ok(())
}

/// Marks the lines of a new order with the customer's words they were read from: `said` is
/// `(sku, words)`, the words as an alias holds them. A line read from no words is left as it is.
pub fn keep_said(conn: &Connection, order_id: i64, said: &[(String, String)]) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE order_lines SET said = ?3, read_as = ?2
         WHERE order_id = ?1 AND sku = ?2 AND said IS NULL",
    )?;
    for (sku, words) in said.iter().filter(|(_, w)| !w.is_empty()) {
        stmt.execute(params![order_id, sku, words])?;
    }
    Ok(())
}

pub fn set_totals(conn: &Connection, order_id: i64, t: &Totals) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET subtotal_minor = ?2, delivery_fee_minor = ?3, total_minor = ?4, updated_at = ?5
         WHERE id = ?1",
        params![
            order_id,
            t.subtotal.minor(),
            t.delivery_fee.minor(),
            t.total.minor(),
            now()
        ],
    )?;
    Ok(())
}

/// Sets where and how an order goes: address, notes, delivery or pickup.
pub fn set_terms(
    conn: &Connection,
    order_id: i64,
    address: &str,
    notes: &str,
    fulfilment: Fulfilment,
) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET address = ?2, notes = ?3, fulfilment = ?4, updated_at = ?5 WHERE id = ?1",
        params![order_id, address.trim(), notes.trim(), fulfilment.as_str(), now()],
    )?;
    Ok(())
}

pub fn save_status(conn: &Connection, order_id: i64, status: Status) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![order_id, status.as_str(), now()],
    )?;
    Ok(())
}

/// The newest timeline entry's id (0 for none): a mark to find what changes after it.
pub fn last_event_id(conn: &Connection) -> AppResult<i64> {
    let id = conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM order_events")?
        .query_row([], |r| r.get(0))?;
    Ok(id)
}

/// An order that was taken (`new`) or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub business_id: i64,
    pub number: i64,
    pub new: bool,
}

/// Runs in the conversation worker's write transaction after every batch, so it must read only
/// the events after `mark`. Left to itself SQLite walks every event of the book through
/// `order_events_order` to group them, which on a large book held the write lock (and every
/// webhook waiting on it) for a good part of a second per batch; `NOT INDEXED` leaves it the
/// rowid range.
const MOVED_SINCE: &str = "SELECT o.business_id, o.number, max(e.kind = 'created')
     FROM order_events e NOT INDEXED JOIN orders o ON o.id = e.order_id
     WHERE e.id > ?1 GROUP BY e.order_id ORDER BY min(e.id)";

/// The orders with timeline entries after `mark` (from [`last_event_id`]).
pub fn moved_since(conn: &Connection, mark: i64) -> AppResult<Vec<Moved>> {
    let mut stmt = conn.prepare_cached(MOVED_SINCE)?;
    let rows = stmt.query_map([mark], |r| {
        Ok(Moved {
            business_id: r.get(0)?,
            number: r.get(1)?,
            new: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records where an order's money stands, as `payments` worked it out from its rows, and the
/// mode it was last paid by; in the transaction that added the payment.
pub fn set_payment(
    conn: &Connection,
    order_id: i64,
    mode: PaymentMode,
    status: PaymentStatus,
) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET payment_mode = ?2, payment_status = ?3, updated_at = ?4 WHERE id = ?1",
        params![order_id, mode.as_str(), status.as_str(), now()],
    )?;
    Ok(())
}

/// A timeline entry.
pub struct NewEvent<'a> {
    pub kind: &'a str,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub actor: &'a str,
    pub note: &'a str,
}

/// Adds `e` to the order's timeline and returns the entry's id.
pub fn add_event(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    e: &NewEvent,
) -> AppResult<i64> {
    conn.execute(
        "INSERT INTO order_events (business_id, order_id, kind, from_status, to_status, actor, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            business_id,
            order_id,
            e.kind,
            e.from.map(Status::as_str),
            e.to.map(Status::as_str),
            e.actor,
            e.note,
            now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Stamps a WhatsApp order with when the conversation began, was first answered, and confirmed.
pub fn save_times(
    conn: &Connection,
    order_id: i64,
    first_message_ms: i64,
    first_reply_ms: Option<i64>,
) -> AppResult<()> {
    conn.execute(
        "UPDATE orders SET first_message_ms = ?2, first_reply_ms = ?3, confirmed_ms = ?4 WHERE id = ?1",
        params![order_id, first_message_ms, first_reply_ms, crate::whatsapp::outbox::now_ms()],
    )?;
    Ok(())
}

/// An order's response times, for its page.
#[derive(Debug, Clone, Default)]
pub struct OrderTimes {
    pub first_message_ms: Option<i64>,
    pub first_reply_ms: Option<i64>,
    pub confirmed_ms: Option<i64>,
}

pub fn times(conn: &Connection, order_id: i64) -> AppResult<OrderTimes> {
    Ok(conn
        .prepare_cached(
            "SELECT first_message_ms, first_reply_ms, confirmed_ms FROM orders WHERE id = ?1",
        )?
        .query_row([order_id], |r| {
            Ok(OrderTimes {
                first_message_ms: r.get(0)?,
                first_reply_ms: r.get(1)?,
                confirmed_ms: r.get(2)?,
            })
        })?)
}

/// An order from the shop's past, written as it went: for filling a book with years of orders
/// (`novi demo fill`). Its totals are the caller's, worked out from `lines` with
/// `service::totals`, so they are the sum of its lines exactly.
pub struct PastOrder<'a> {
    pub number: i64,
    pub channel: Channel,
    pub customer_id: i64,
    pub lines: &'a [Line],
    pub totals: &'a Totals,
    pub currency: &'a str,
    pub address: &'a str,
    pub notes: &'a str,
    pub payment_mode: PaymentMode,
    /// Where its money stands, as the payments its caller records for it say.
    pub payment_status: PaymentStatus,
    pub fulfilment: Fulfilment,
    pub deliver_on: Option<NaiveDate>,
    pub created_at: i64,
    /// The moves it made after it was taken, each with when; the last is where it is now.
    pub moves: &'a [(Status, i64)],
    /// Who took the order, and who moved it along.
    pub actor: &'a str,
    pub staff: &'a str,
    /// A WhatsApp order's first message and first reply (milliseconds).
    pub chat_ms: Option<(i64, i64)>,
}

/// Writes a past order with its lines and its timeline: `created`, then one `status` event a
/// move. Statements are cached, so a caller writing many in one transaction prepares each once.
pub fn insert_past(conn: &Connection, business_id: i64, o: &PastOrder) -> AppResult<i64> {
    let (status, updated_at) = o
        .moves
        .last()
        .copied()
        .unwrap_or((Status::Pending, o.created_at));
    let (first_message_ms, first_reply_ms) = o.chat_ms.unzip();
    let id = conn
        .prepare_cached(
            "INSERT INTO orders (business_id, number, channel, customer_id, subtotal_minor, delivery_fee_minor,
                                 total_minor, currency, address, notes, status, payment_mode, payment_status,
                                 created_at, updated_at, fulfilment, deliver_on,
                                 first_message_ms, first_reply_ms, confirmed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?19, ?13, ?14, ?15, ?16,
                     ?17, ?18, CASE WHEN ?17 IS NULL THEN NULL ELSE ?13 * 1000 END)
             RETURNING id",
        )?
        .query_row(
            params![
                business_id,
                o.number,
                o.channel.as_str(),
                o.customer_id,
                o.totals.subtotal.minor(),
                o.totals.delivery_fee.minor(),
                o.totals.total.minor(),
                o.currency,
                o.address,
                o.notes,
                status.as_str(),
                o.payment_mode.as_str(),
                o.created_at,
                updated_at,
                o.fulfilment.as_str(),
                o.deliver_on.map(|d| d.format(DAY).to_string()),
                first_message_ms,
                first_reply_ms,
                o.payment_status.as_str()
            ],
            |r| r.get(0),
        )?;
    replace_lines(conn, business_id, id, o.lines)?;
    past_events(conn, business_id, id, o)?;
    Ok(id)
}

fn past_events(conn: &Connection, business_id: i64, order_id: i64, o: &PastOrder) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO order_events (business_id, order_id, kind, from_status, to_status, actor, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let note = format!("via {}", o.channel);
    stmt.execute(params![
        business_id,
        order_id,
        "created",
        None::<&str>,
        Status::Pending.as_str(),
        o.actor,
        note,
        o.created_at
    ])?;
    let mut from = Status::Pending;
    for &(to, at) in o.moves {
        stmt.execute(params![
            business_id,
            order_id,
            "status",
            from.as_str(),
            to.as_str(),
            o.staff,
            "",
            at
        ])?;
        from = to;
    }
    Ok(())
}

/// Orders taken since `since` (Unix seconds), by channel, over every business. Each business's
/// orders are read by its `(business_id, created_at)` index from `since` on (CROSS JOIN keeps
/// businesses outside), so a scrape reads only the recent orders, however large the book.
const CHANNELS_SINCE: &str = "SELECT o.channel, COUNT(*) FROM businesses b CROSS JOIN orders o
     ON o.business_id = b.id AND o.created_at >= ?1 GROUP BY o.channel ORDER BY o.channel";

pub fn channels_since(conn: &Connection, since: i64) -> AppResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(CHANNELS_SINCE)?;
    let rows = stmt.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod plans {
    //! Each shape of the order list reads an index that ends in the list's order, so a page
    //! reads its 25 entries and stops, however large the book: checked on SQLite's own plan.

    use super::*;
    use crate::db::Db;
    use crate::error::AppError;

    /// The plan of the step that finds a page's orders (the rest reads those 25 by id).
    fn plan(db: &Db, f: &Filter, by_customer: bool) -> String {
        let people = db.with_conn(|c| people(c, 1, f)).unwrap();
        let w = Where::of(1, f, by_customer, people.as_deref());
        let sql = page_ids(&w, f.sort);
        let args = params_from_iter(w.params(&[25, 0]));
        db.with_conn(|c| Ok::<_, AppError>(crate::db::query_plan(c, &sql, args)))
            .unwrap()
    }

    /// The plan of counting what `f` matches, read by customer.
    fn count_plan(db: &Db, f: &Filter) -> String {
        db.with_conn(|c| {
            let people = people(c, 1, f)?;
            let w = Where::of(1, f, true, people.as_deref());
            let sql = count_sql(&w, f.count_cap());
            let args = params_from_iter(w.params(&[]));
            Ok::<_, AppError>(crate::db::query_plan(c, &sql, args))
        })
        .unwrap()
    }

    #[test]
    fn every_list_shape_reads_an_index_in_its_order() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let shapes = [
            (Filter::default(), "orders_business_created_number"),
            (
                Filter {
                    status: Some(Status::Pending),
                    from: Some(1),
                    ..Filter::default()
                },
                "orders_business_status_created",
            ),
            (
                Filter {
                    from: Some(1),
                    to: Some(2),
                    ..Filter::default()
                },
                "orders_business_created_number",
            ),
            (
                Filter {
                    customer_id: Some(7),
                    ..Filter::default()
                },
                "orders_customer_book",
            ),
            (
                Filter {
                    payment: Some(PaymentStatus::Unpaid),
                    ..Filter::default()
                },
                "orders_business_payment_created",
            ),
            (
                Filter {
                    sort: Sort::DeliverOn,
                    ..Filter::default()
                },
                "orders_business_wanted",
            ),
        ];
        for (f, index) in shapes {
            let plan = plan(&db, &f, f.by_customer());
            assert!(plan.contains(index), "{f:?}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{f:?}: {plan}");
            assert!(!plan.contains("SCAN o"), "{f:?}: {plan}");
        }
        let recent = db
            .with_conn(|c| Ok::<_, AppError>(crate::db::query_plan(c, CHANNELS_SINCE, [0])))
            .unwrap();
        assert!(
            recent.contains("SEARCH o USING") && recent.contains("created_at>?"),
            "{recent}"
        );
        // What the worker asks after each batch reads only the events after its mark.
        let moved = db
            .with_conn(|c| Ok::<_, AppError>(crate::db::query_plan(c, MOVED_SINCE, [0])))
            .unwrap();
        assert!(
            moved.contains("SEARCH e USING INTEGER PRIMARY KEY (rowid>?)"),
            "{moved}"
        );
        // A search reads the customers it finds, then their orders by index.
        let search = Filter {
            q: "Asha".into(),
            ..Filter::default()
        };
        let found = plan(&db, &search, true);
        assert!(
            found.contains("orders_customer_book") && !found.contains("SCAN o"),
            "{found}"
        );
        // Its count reads that index alone, no order's row.
        let counted = count_plan(&db, &search);
        assert!(
            counted.contains("COVERING INDEX orders_customer_book"),
            "{counted}"
        );
        // The customers found drive both, each looked up in turn: the list is not first copied
        // into a temporary index (SQLite's "LIST SUBQUERY") for either.
        for driven in [&found, &counted] {
            assert!(
                driven.contains("SCAN j") && !driven.contains("LIST SUBQUERY"),
                "{driven}"
            );
        }
        // A customer's orders are counted in the customer index alone too.
        let theirs = Filter {
            customer_id: Some(7),
            ..Filter::default()
        };
        let counted = count_plan(&db, &theirs);
        assert!(
            counted.contains("COVERING INDEX orders_customer_book"),
            "{counted}"
        );
        // Past the count's cap, a search walks the shop's orders newest first, its customers
        // checked in the index alone (migration V24), reading no order's row.
        let walked = plan(&db, &search, false);
        assert!(
            walked.contains("COVERING INDEX orders_business_created_number"),
            "{walked}"
        );
        // A page is found in the index alone: stepping over earlier pages reads no rows.
        let newest = plan(&db, &Filter::default(), false);
        assert!(newest.contains("COVERING INDEX"), "{newest}");
        // `#12` is one order, found by its number.
        let number = Filter {
            q: "#12".into(),
            ..Filter::default()
        };
        assert!(!number.by_customer());
        let one = plan(&db, &number, number.by_customer());
        assert!(
            one.contains("(business_id=? AND number=?)") && !one.contains("customers"),
            "{one}"
        );
    }
}
