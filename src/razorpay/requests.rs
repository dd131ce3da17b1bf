//! The `razorpay_requests` table: each Razorpay order (Checkout) or Payment Link (a chat) Novi
//! made for one of its orders, so a webhook or callback naming Razorpay's id finds the order it
//! pays, and what it was for (amount, currency). Its status only moves forward.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::now;
use crate::domain::Money;
use crate::error::AppResult;

/// What Novi asked Razorpay for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Razorpay order (`order_…`), paid through Checkout on the storefront.
    Order,
    /// A Payment Link (`plink_…`), sent in a chat.
    Link,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Order => "order",
            Kind::Link => "link",
        }
    }

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "order" => Some(Kind::Order),
            "link" => Some(Kind::Link),
            _ => None,
        }
    }
}

/// Where a request stands. The order is the order they may follow: a failed attempt can still be
/// followed by a payment, an expired link can still have been paid just before, but a paid
/// request never goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Created,
    Failed,
    Expired,
    Paid,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Paid => "paid",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        [
            Status::Created,
            Status::Failed,
            Status::Expired,
            Status::Paid,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Its place in the order above, for SQL to compare.
    fn rank(self) -> i64 {
        self as i64
    }
}

/// One request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub business_id: i64,
    pub order_id: i64,
    pub kind: Kind,
    pub razorpay_id: String,
    pub amount: Money,
    pub currency: String,
    pub status: Status,
    pub created_at: i64,
}

const SELECT: &str = "SELECT id, business_id, order_id, kind, razorpay_id, amount_minor, currency,
                             status, created_at FROM razorpay_requests";

fn from_row(r: &Row) -> rusqlite::Result<Request> {
    let bad = |i: usize, t: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, t.into())
    };
    let kind: String = r.get(3)?;
    let status: String = r.get(7)?;
    Ok(Request {
        id: r.get(0)?,
        business_id: r.get(1)?,
        order_id: r.get(2)?,
        kind: Kind::parse(&kind).ok_or_else(|| bad(3, kind))?,
        razorpay_id: r.get(4)?,
        amount: Money::from_minor(r.get(5)?),
        currency: r.get(6)?,
        status: Status::parse(&status).ok_or_else(|| bad(7, status))?,
        created_at: r.get(8)?,
    })
}

/// Records that Novi made Razorpay order or link `razorpay_id` for order `order_id` (the id,
/// not the number), for `amount` in `currency`. Returns the row's id.
pub fn add(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
    kind: Kind,
    razorpay_id: &str,
    amount: Money,
    currency: &str,
) -> AppResult<i64> {
    conn.prepare_cached(
        "INSERT INTO razorpay_requests (business_id, order_id, kind, razorpay_id, amount_minor,
                                        currency, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'created', ?7)",
    )?
    .execute(params![
        business_id,
        order_id,
        kind.as_str(),
        razorpay_id,
        amount.minor(),
        currency,
        now()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The business's request with Razorpay id `razorpay_id`: another shop's id finds nothing.
pub fn find(conn: &Connection, business_id: i64, razorpay_id: &str) -> AppResult<Option<Request>> {
    let sql = format!("{SELECT} WHERE razorpay_id = ?1 AND business_id = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![razorpay_id, business_id], from_row)
        .optional()?)
}

/// The newest request made for order `order_id`, of either kind.
pub fn latest_for_order(
    conn: &Connection,
    business_id: i64,
    order_id: i64,
) -> AppResult<Option<Request>> {
    let sql = format!("{SELECT} WHERE order_id = ?1 AND business_id = ?2 ORDER BY id DESC LIMIT 1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![order_id, business_id], from_row)
        .optional()?)
}

/// Moves request `id` to `status` if that is forward of where it stands (see [`Status`]);
/// returns whether it moved. A late "expired" after "paid" changes nothing.
pub fn set_status(conn: &Connection, business_id: i64, id: i64, status: Status) -> AppResult<bool> {
    let moved = conn
        .prepare_cached(
            "UPDATE razorpay_requests SET status = ?3
             WHERE id = ?1 AND business_id = ?2
               AND (CASE status WHEN 'created' THEN 0 WHEN 'failed' THEN 1
                                WHEN 'expired' THEN 2 ELSE 3 END) < ?4",
        )?
        .execute(params![id, business_id, status.as_str(), status.rank()])?;
    Ok(moved == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with one shop, one customer and order 1 (id 1).
    fn with_order() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(dir.path()).unwrap();
        db.with_conn(|c| {
            c.execute_batch(
                "INSERT INTO businesses (id, short_code, name, created_at) VALUES (1, 'a', 'A', 1);
                 INSERT INTO businesses (id, short_code, name, created_at) VALUES (2, 'b', 'B', 1);
                 INSERT INTO customers (id, business_id, phone, name, created_at, updated_at)
                     VALUES (1, 1, '919812345678', 'Asha', 1, 1);
                 INSERT INTO orders (id, business_id, number, channel, customer_id, subtotal_minor,
                         delivery_fee_minor, total_minor, currency, status, payment_mode,
                         payment_status, created_at, updated_at)
                     VALUES (1, 1, 1, 'storefront', 1, 64000, 0, 64000, 'INR', 'pending',
                         'razorpay', 'unpaid', 1, 1);",
            )?;
            Ok(())
        })
        .unwrap();
        (dir, db)
    }

    #[test]
    fn a_request_is_found_by_its_razorpay_id_in_its_own_shop_only() {
        let (_dir, db) = with_order();
        db.with_conn(|c| {
            let amount = Money::from_minor(64000);
            add(c, 1, 1, Kind::Order, "order_1", amount, "INR")?;
            add(c, 1, 1, Kind::Link, "plink_1", amount, "INR")?;
            let found = find(c, 1, "order_1")?.expect("found");
            assert_eq!((found.order_id, found.kind), (1, Kind::Order));
            assert_eq!((found.amount, found.status), (amount, Status::Created));
            assert_eq!(
                find(c, 2, "order_1")?,
                None,
                "another shop's id finds nothing"
            );
            let latest = latest_for_order(c, 1, 1)?.expect("latest");
            assert_eq!(latest.razorpay_id, "plink_1");
            assert!(
                add(c, 1, 1, Kind::Order, "order_1", amount, "INR").is_err(),
                "once"
            );
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn the_status_only_moves_forward() {
        let (_dir, db) = with_order();
        db.with_conn(|c| {
            let id = add(c, 1, 1, Kind::Link, "plink_1", Money::from_minor(1), "INR")?;
            let status = |c: &Connection| -> AppResult<Status> {
                Ok(find(c, 1, "plink_1")?.expect("found").status)
            };
            assert!(!set_status(c, 2, id, Status::Failed)?, "not another shop's");
            assert!(set_status(c, 1, id, Status::Failed)?);
            assert!(
                !set_status(c, 1, id, Status::Created)?,
                "not back to created"
            );
            assert!(
                set_status(c, 1, id, Status::Paid)?,
                "paid after a failed try"
            );
            assert!(!set_status(c, 1, id, Status::Expired)?, "a late expiry");
            assert!(!set_status(c, 1, id, Status::Failed)?, "a late failure");
            assert_eq!(status(c)?, Status::Paid);
            Ok(())
        })
        .unwrap();
    }
}
