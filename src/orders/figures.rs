//! One shop-local day of orders summed up for the dashboard and the sales reports, read by the
//! `(business_id, created_at)` index; and the `order_stamps` table that says when a day changed.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::model::Fulfilment;
use super::store::parsed;
use super::Status;
use crate::error::AppResult;
use crate::hashed::{HashMap, HashSet};

/// What one product sold in a day (orders not cancelled).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductSales {
    pub name: String,
    /// The product's category now (lines keep no category of their own).
    pub category: String,
    /// `kg` (quantity in grams) or `pc` (pieces).
    pub unit: String,
    pub qty: i64,
    pub takings_minor: i64,
    /// Orders with this product.
    pub orders: i64,
}

/// The orders taken in one day, summed. Cancelled orders count only in `cancelled` and
/// `by_status`; everything else is about the orders that stand.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderDay {
    pub orders: i64,
    /// The sum of their totals: what was ordered, not what was received.
    pub order_totals_minor: i64,
    pub cancelled: i64,
    pub by_channel: BTreeMap<String, i64>,
    pub by_status: BTreeMap<String, i64>,
    /// Orders by hour of the shop's clock, 0..24.
    pub by_hour: [i64; 24],
    /// Chat orders (WhatsApp and groups) read whole, and those with a line left for a person.
    pub read_alone: i64,
    pub needed_person: i64,
    /// Each customer who ordered, with when they first ordered at all (Unix seconds).
    pub customers: BTreeMap<i64, i64>,
    /// By SKU.
    pub products: BTreeMap<String, ProductSales>,
}

/// A day's orders (`?2` to before `?3`), by the `(business_id, created_at)` index, with whether
/// each has a line left for a person.
pub const DAY_ORDERS: &str =
    "SELECT o.status, o.channel, o.total_minor, o.customer_id, o.created_at,
            EXISTS (SELECT 1 FROM order_unread u WHERE u.order_id = o.id)
     FROM orders o WHERE o.business_id = ?1 AND o.created_at >= ?2 AND o.created_at < ?3";

/// The lines of a day's orders that stand, each order's by the lines' own index.
pub const DAY_LINES: &str =
    "SELECT l.order_id, l.sku, l.name, l.unit, l.qty, l.total_minor, l.product_id
     FROM orders o JOIN order_lines l ON l.order_id = o.id
     WHERE o.business_id = ?1 AND o.created_at >= ?2 AND o.created_at < ?3
       AND o.status != 'cancelled'";

/// A customer's first order, from the top of the customer's own index.
pub const FIRST_ORDER: &str = "SELECT MIN(created_at) FROM orders WHERE customer_id = ?1";

/// The orders taken in `[from, to)` (Unix seconds), with hours on a clock `offset_minutes` east
/// of UTC. Sums of money stop at the largest `i64` (as `store::taken_between`'s do) rather
/// than fail. Reads the day's orders by index, each order's lines by index, and each customer's
/// first order by the customer's index unless `firsts` has it: nothing outside the day is
/// scanned. `firsts` may be shared only by days read in one read transaction, whose book
/// cannot change between them.
pub fn day(
    conn: &Connection,
    business_id: i64,
    (from, to): (i64, i64),
    offset_minutes: i32,
    firsts: &mut FirstOrders,
) -> AppResult<OrderDay> {
    let mut d = OrderDay::default();
    let mut stmt = conn.prepare_cached(DAY_ORDERS)?;
    let mut rows = stmt.query(params![business_id, from, to])?;
    while let Some(r) = rows.next()? {
        // Read in place: a String for each order's status and channel was an allocation or
        // two per order, for keys a day holds a handful of.
        let text = |i| r.get_ref(i).and_then(|v| Ok(v.as_str()?));
        let status = text(0)?;
        bump(&mut d.by_status, status, 1);
        if status == "cancelled" {
            d.cancelled += 1;
            continue;
        }
        let channel = text(1)?;
        d.orders += 1;
        d.order_totals_minor = d.order_totals_minor.saturating_add(r.get(2)?);
        d.customers.insert(r.get(3)?, 0);
        let at: i64 = r.get(4)?;
        let hour = (at + i64::from(offset_minutes) * 60).rem_euclid(86_400) / 3600;
        d.by_hour[usize::try_from(hour).unwrap_or(0)] += 1;
        if channel == "whatsapp" || channel == "group" {
            if r.get::<_, bool>(5)? {
                d.needed_person += 1;
            } else {
                d.read_alone += 1;
            }
        }
        bump(&mut d.by_channel, channel, 1);
    }
    for (&id, first) in d.customers.iter_mut() {
        *first = firsts.of(conn, id)?;
    }
    d.products = products(conn, business_id, from, to)?;
    Ok(d)
}

/// Adds `n` to `key`'s count, copying the key only the first time it is counted.
pub fn bump(counts: &mut BTreeMap<String, i64>, key: &str, n: i64) {
    match counts.get_mut(key) {
        Some(count) => *count += n,
        None => {
            counts.insert(key.to_owned(), n);
        }
    }
}

/// Each customer's first order ever, read once for all the days summed in one read
/// transaction: a customer who orders most days was read again for every day, and on the
/// 1,000,000-order book a year's days read 308,518 first orders of 20,000 customers (2 of
/// the 3.7 s the dashboard took to sum the year the first time).
#[derive(Debug, Default)]
pub struct FirstOrders {
    known: HashMap<i64, i64>,
}

impl FirstOrders {
    /// When `customer` first ordered (Unix seconds; 0 with no order), from the top of the
    /// customer's own index the first time.
    fn of(&mut self, conn: &Connection, customer: i64) -> AppResult<i64> {
        if let Some(&at) = self.known.get(&customer) {
            return Ok(at);
        }
        let at = conn
            .prepare_cached(FIRST_ORDER)?
            .query_row([customer], |r| r.get::<_, Option<i64>>(0))?
            .unwrap_or(0);
        self.known.insert(customer, at);
        Ok(at)
    }
}

/// What the day's orders that stand sold, by SKU, summed here from their lines. Grouped in
/// SQL, the lines were sorted by SKU and each SKU's orders again for `COUNT(DISTINCT)`: over a
/// year of the 1,000,000-order book's days, 0.82 s in SQLite alone against 0.22 s to read the
/// same lines. A product's category is its category now, the greatest of the SKU's products'
/// (none for a product since deleted).
fn products(
    conn: &Connection,
    business_id: i64,
    from: i64,
    to: i64,
) -> AppResult<BTreeMap<String, ProductSales>> {
    let mut stmt = conn.prepare_cached(DAY_LINES)?;
    // Each SKU's sums in `sold`, at its index in `at`; the orders and products each SKU was
    // seen with, once each, for its order count and its category.
    let (mut at, mut sold): (HashMap<String, usize>, Vec<ProductSales>) = Default::default();
    let (mut orders, mut made_by): (HashSet<_>, HashSet<_>) = Default::default();
    let mut rows = stmt.query(params![business_id, from, to])?;
    while let Some(r) = rows.next()? {
        let text = |i| r.get_ref(i).and_then(|v| Ok(v.as_str()?));
        let sku = text(1)?;
        let i = match at.get(sku) {
            Some(&i) => i,
            None => {
                at.insert(sku.to_owned(), sold.len());
                sold.push(ProductSales::default());
                sold.len() - 1
            }
        };
        let s = &mut sold[i];
        greatest(&mut s.name, text(2)?);
        greatest(&mut s.unit, text(3)?);
        s.qty = s.qty.saturating_add(r.get(4)?);
        s.takings_minor = s.takings_minor.saturating_add(r.get(5)?);
        made_by.insert((i, r.get::<_, i64>(6)?));
        if orders.insert((i, r.get::<_, i64>(0)?)) {
            s.orders += 1;
        }
    }
    let mut category = conn.prepare_cached("SELECT category FROM products WHERE id = ?1")?;
    for (i, product) in made_by {
        let now: Option<String> = category.query_row([product], |r| r.get(0)).optional()?;
        if let Some(now) = now {
            greatest(&mut sold[i].category, &now);
        }
    }
    Ok(at
        .into_iter()
        .map(|(sku, i)| (sku, std::mem::take(&mut sold[i])))
        .collect())
}

/// Keeps the greater of `kept` and `seen` in `kept`, as SQL's `MAX` compares text.
fn greatest(kept: &mut String, seen: &str) {
    if seen > kept.as_str() {
        seen.clone_into(kept);
    }
}

/// The change stamps of the shop-local days `first ..= last` (`YYYY-MM-DD`); a day with no
/// order yet has none (reads as 0).
pub fn stamps(
    conn: &Connection,
    business_id: i64,
    first: &str,
    last: &str,
) -> AppResult<BTreeMap<String, i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT day, n FROM order_stamps WHERE business_id = ?1 AND day >= ?2 AND day <= ?3",
    )?;
    let rows = stmt.query_map(params![business_id, first, last], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An order as the dashboard's "recent orders" lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    pub number: i64,
    pub created_at: i64,
    pub customer: String,
    pub channel: String,
    pub status: Status,
    pub fulfilment: Fulfilment,
    pub total_minor: i64,
}

/// The `n` newest orders, read from the end of the `(business_id, created_at, number)` index.
pub fn recent(conn: &Connection, business_id: i64, n: i64) -> AppResult<Vec<Recent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.number, o.created_at, c.name, o.channel, o.status, o.total_minor, o.fulfilment
         FROM orders o JOIN customers c ON c.id = o.customer_id
         WHERE o.business_id = ?1 ORDER BY o.created_at DESC, o.number DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![business_id, n], |r| {
        Ok(Recent {
            number: r.get(0)?,
            created_at: r.get(1)?,
            customer: r.get(2)?,
            channel: r.get(3)?,
            status: parsed(r, 4)?,
            fulfilment: parsed(r, 6)?,
            total_minor: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
