//! The `stock_alerts` table: a product's stock crossing its low-stock level, raised once per
//! crossing by the stock move that makes it, and re-armed when stock goes back above the level.

use rusqlite::{params, Connection};

use crate::db::now;
use crate::domain::Unit;
use crate::error::AppResult;

/// An open alert (stock not yet back above the level), with the product as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAlert {
    pub id: i64,
    pub business_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    /// Grams or pieces left now.
    pub stock: i64,
    /// Grams or pieces left by the move that crossed the level.
    pub stock_after: i64,
    pub low_stock: i64,
    pub raised_at: i64,
}

/// A product's stock and its low-stock level, both in grams or pieces, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub stock: i64,
    pub low: i64,
}

impl Level {
    /// At or below the level: what an open alert says.
    pub fn is_low(self) -> bool {
        self.stock <= self.low
    }
}

/// Called in the transaction of every change to a product's stock or its low-stock level (a
/// stock move, the level edited by hand): going from above the level to at or below it raises
/// an alert; going back above it closes the open one, so the next crossing raises again.
/// Changes that stay on one side change nothing: an alert is per crossing, not per order.
pub fn on_change(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    before: Level,
    after: Level,
) -> AppResult<()> {
    // From nothing to some, still low: a product first stocked (none was ever raised for it),
    // or restocked short (one is open already, and stays the only one).
    let first_stock = before.stock == 0 && after.stock > 0;
    if (!before.is_low() || first_stock) && after.is_low() {
        raise(conn, business_id, product_id, after)?;
    } else if before.is_low() && !after.is_low() {
        conn.prepare_cached(
            "UPDATE stock_alerts SET cleared_at = ?3
             WHERE business_id = ?1 AND product_id = ?2 AND cleared_at IS NULL",
        )?
        .execute(params![business_id, product_id, now()])?;
    }
    Ok(())
}

/// Called once a new product has its opening stock: one that starts with some stock, but at or
/// below its level, raises an alert as a move down to it would have. One with none yet is not
/// stocked rather than running low (the product list shows it sold out).
pub fn on_new(conn: &Connection, business_id: i64, product_id: i64, now: Level) -> AppResult<()> {
    if now.stock > 0 && now.is_low() {
        raise(conn, business_id, product_id, now)?;
    }
    Ok(())
}

fn raise(conn: &Connection, business_id: i64, product_id: i64, at: Level) -> AppResult<()> {
    // Never a second open alert for one product, whatever led here.
    conn.prepare_cached(
        "INSERT INTO stock_alerts (business_id, product_id, stock_after, low_stock, raised_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM stock_alerts
           WHERE business_id = ?1 AND product_id = ?2 AND cleared_at IS NULL)",
    )?
    .execute(params![business_id, product_id, at.stock, at.low, now()])?;
    Ok(())
}

const SELECT: &str = "SELECT a.id, a.business_id, a.product_id, p.sku, p.name, p.unit, p.stock,
                             p.low_stock, a.raised_at, a.stock_after
                      FROM stock_alerts a JOIN products p ON p.id = a.product_id";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<StockAlert> {
    let unit: String = r.get(5)?;
    Ok(StockAlert {
        id: r.get(0)?,
        business_id: r.get(1)?,
        product_id: r.get(2)?,
        sku: r.get(3)?,
        name: r.get(4)?,
        unit: unit.parse().unwrap_or(Unit::Pc),
        stock: r.get(6)?,
        low_stock: r.get(7)?,
        raised_at: r.get(8)?,
        stock_after: r.get(9)?,
    })
}

/// A business's open alerts, newest first: what the dashboard and the daily summary list.
pub fn open(conn: &Connection, business_id: i64) -> AppResult<Vec<StockAlert>> {
    let sql = format!(
        "{SELECT} WHERE a.business_id = ?1 AND a.cleared_at IS NULL ORDER BY a.id DESC LIMIT 200"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([business_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Alerts of every business whose owner has not been told yet, oldest first.
pub fn unnotified(conn: &Connection, limit: i64) -> AppResult<Vec<StockAlert>> {
    let sql = format!("{SELECT} WHERE a.notified_at IS NULL ORDER BY a.id LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that the owner was told of alert `id` (or that there was no one to tell).
pub fn mark_notified(conn: &Connection, id: i64) -> AppResult<()> {
    conn.prepare_cached("UPDATE stock_alerts SET notified_at = ?2 WHERE id = ?1")?
        .execute(params![id, now()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::products::{self, ProductInput};
    use crate::catalog::stock::{self, Cause};
    use crate::db::Db;
    use crate::domain::{Money, Sku};

    /// A shop with one product sold by the piece: 50 in stock, low at `low`.
    fn shop(low: i64) -> (tempfile::TempDir, Db, i64, ProductInput, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let b = crate::accounts::create_business(&db, "Shop", "shop").unwrap();
        let input = ProductInput {
            sku: Sku::parse("samosa").unwrap(),
            name: "Samosa".into(),
            category: String::new(),
            unit: Unit::Pc,
            price: Money::from_minor(1500),
            aliases: Vec::new(),
            active: true,
            low_stock: low,
            variants: Vec::new(),
        };
        let id = db
            .with_tx(|tx| {
                let id = products::insert(tx, b.id, &input)?;
                let cause = Cause {
                    reason: "opening stock",
                    order_id: None,
                    actor: "test",
                };
                stock::adjust(tx, b.id, id, 50, &cause)?;
                Ok::<_, crate::error::AppError>(id)
            })
            .unwrap();
        (dir, db, b.id, input, id)
    }

    fn set_low(db: &Db, b: i64, id: i64, input: &ProductInput, low: i64) {
        let input = ProductInput {
            low_stock: low,
            ..input.clone()
        };
        db.with_tx(|tx| products::update(tx, b, id, &input))
            .unwrap();
    }

    /// Every alert of the product, oldest first: (stock after, level, cleared).
    fn all(db: &Db, b: i64) -> Vec<(i64, i64, bool)> {
        db.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT stock_after, low_stock, cleared_at IS NOT NULL FROM stock_alerts
                 WHERE business_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([b], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok::<_, crate::error::AppError>(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
    }

    #[test]
    fn a_new_product_that_starts_low_raises_one_alert_and_one_not_stocked_yet_none() {
        let (_dir, db, b, input, _) = shop(10);
        let cause = Cause {
            reason: "opening stock",
            order_id: None,
            actor: "test",
        };
        for (sku, opening) in [("kachori", 4), ("dhokla", 0), ("jalebi", 30)] {
            let input = ProductInput {
                sku: Sku::parse(sku).unwrap(),
                ..input.clone()
            };
            db.with_tx(|tx| {
                let id = products::insert(tx, b, &input)?;
                stock::open(tx, b, id, opening, &cause)
            })
            .unwrap();
        }
        assert_eq!(all(&db, b), [(4, 10, false)], "only the kachori starts low");

        // The dhokla, first stocked short of its level, raises; more of it, still short, not.
        let dhokla = db
            .with_conn(|c| products::by_sku(c, b, "dhokla"))
            .unwrap()
            .unwrap()
            .id;
        for delta in [6, 2] {
            db.with_tx(|tx| stock::adjust(tx, b, dhokla, delta, &cause))
                .unwrap();
        }
        assert_eq!(all(&db, b), [(4, 10, false), (6, 10, false)]);
    }

    #[test]
    fn a_level_raised_above_the_stock_raises_once_and_lowered_below_it_clears() {
        let (_dir, db, b, input, id) = shop(10);
        set_low(&db, b, id, &input, 60);
        assert_eq!(all(&db, b), [(50, 60, false)], "crossed by the level");
        set_low(&db, b, id, &input, 70);
        assert_eq!(all(&db, b), [(50, 60, false)], "still low: no second alert");
        set_low(&db, b, id, &input, 20);
        assert_eq!(all(&db, b), [(50, 60, true)], "back above: cleared");
        set_low(&db, b, id, &input, 30);
        assert_eq!(all(&db, b), [(50, 60, true)], "still above: nothing");
        set_low(&db, b, id, &input, 50);
        assert_eq!(
            all(&db, b).len(),
            2,
            "at the level is low: the next crossing"
        );
        assert_eq!(db.with_conn(|c| open(c, b)).unwrap().len(), 1);
    }

    #[test]
    fn an_open_alert_is_never_doubled() {
        let (_dir, db, b, _, id) = shop(10);
        let above = Level { stock: 50, low: 10 };
        let below = Level { stock: 5, low: 10 };
        db.with_tx(|tx| {
            on_change(tx, b, id, above, below)?;
            on_change(tx, b, id, above, below)
        })
        .unwrap();
        assert_eq!(all(&db, b), [(5, 10, false)]);
    }
}
