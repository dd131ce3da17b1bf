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

/// Called by every stock move, in its transaction: going from above `low` to at or below it
/// raises an alert; going above it closes the open one, so the next crossing raises again.
/// Moves that stay on one side change nothing: an alert is per crossing, not per order.
pub fn on_move(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    (before, after): (i64, i64),
    low: i64,
) -> AppResult<()> {
    if before > low && after <= low {
        conn.prepare_cached(
            "INSERT INTO stock_alerts (business_id, product_id, stock_after, low_stock, raised_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![business_id, product_id, after, low, now()])?;
    } else if after > low && before <= low {
        conn.prepare_cached(
            "UPDATE stock_alerts SET cleared_at = ?3
             WHERE business_id = ?1 AND product_id = ?2 AND cleared_at IS NULL",
        )?
        .execute(params![business_id, product_id, now()])?;
    }
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
