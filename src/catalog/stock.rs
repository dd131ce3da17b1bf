//! Stock: one figure per product in grams or pieces, changed only through moves that record
//! why (an adjustment by hand, an order, a cancellation), so the history explains the figure.

use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::db::now;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub delta: i64,
    pub stock_after: i64,
    pub reason: String,
    pub order_id: Option<i64>,
    pub actor: String,
    pub created_at: i64,
}

/// Why a move is being made and by whom.
pub struct Cause<'a> {
    pub reason: &'a str,
    pub order_id: Option<i64>,
    pub actor: &'a str,
}

/// How many stock moves this process has begun, undone ones too. A figure copied inside a write
/// transaction holds while this is unchanged: every move goes through [`adjust`], and the
/// transaction keeps other processes from moving stock meanwhile.
static MOVES: AtomicU64 = AtomicU64::new(0);

/// The count of stock moves begun so far (see [`MOVES`]).
pub fn moves() -> u64 {
    MOVES.load(Ordering::Acquire)
}

/// Adds `delta` (negative takes away) to a product's stock and records the move; returns the
/// new figure. Refuses, changing nothing, when the stock would go below zero. Call it inside
/// a write transaction (`BEGIN IMMEDIATE`) so no other writer sees the figure in between.
pub fn adjust(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    delta: i64,
    cause: &Cause,
) -> AppResult<i64> {
    // Counted before anything is written, so no copy outlives a move that fails half-way.
    MOVES.fetch_add(1, Ordering::AcqRel);
    let before =
        super::products::level(conn, business_id, product_id)?.ok_or(AppError::NotFound)?;
    let current = before.stock;
    let after = current
        .checked_add(delta)
        .filter(|a| *a >= 0)
        .ok_or_else(|| {
            AppError::Conflict(format!("stock cannot go below zero (it is {current})"))
        })?;
    conn.execute(
        "UPDATE products SET stock = ?3, updated_at = ?4 WHERE business_id = ?1 AND id = ?2",
        params![business_id, product_id, after, now()],
    )?;
    conn.execute(
        "INSERT INTO stock_moves (business_id, product_id, delta, stock_after, reason, order_id, actor, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![business_id, product_id, delta, after, cause.reason, cause.order_id, cause.actor, now()],
    )?;
    let moved = super::alerts::Level {
        stock: after,
        ..before
    };
    super::alerts::on_change(conn, business_id, product_id, before, moved)?;
    Ok(after)
}

/// Puts a product just created at its opening stock (a move with `cause`, none for zero), then
/// raises its low-stock alert if it starts at or below its level (`alerts::on_new`).
pub fn open(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    opening: i64,
    cause: &Cause,
) -> AppResult<()> {
    if opening != 0 {
        adjust(conn, business_id, product_id, opening, cause)?;
    }
    let now = super::products::level(conn, business_id, product_id)?.ok_or(AppError::NotFound)?;
    super::alerts::on_new(conn, business_id, product_id, now)
}

/// A product's most recent moves, newest first.
pub fn history(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    limit: i64,
) -> AppResult<Vec<Move>> {
    let mut stmt = conn.prepare(
        "SELECT delta, stock_after, reason, order_id, actor, created_at FROM stock_moves
         WHERE business_id = ?1 AND product_id = ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![business_id, product_id, limit], |r| {
        Ok(Move {
            delta: r.get(0)?,
            stock_after: r.get(1)?,
            reason: r.get(2)?,
            order_id: r.get(3)?,
            actor: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
