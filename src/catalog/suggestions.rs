//! The `alias_suggestions` table: words customers wrote for a product, learnt each time staff
//! correct a line read from a message, offered as an alias until the shop adds or dismisses it.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::products;
use crate::db::now;
use crate::error::{AppError, AppResult};

/// Words customers wrote for one product, and how often staff said they meant it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub words: String,
    pub count: i64,
    /// Unix seconds of the last correction.
    pub last_seen: i64,
}

const SELECT: &str = "SELECT s.id, s.product_id, p.sku, p.name, s.words, s.count, s.last_seen
    FROM alias_suggestions s JOIN products p ON p.id = s.product_id";

fn from_row(r: &Row) -> rusqlite::Result<Suggestion> {
    Ok(Suggestion {
        id: r.get(0)?,
        product_id: r.get(1)?,
        sku: r.get(2)?,
        product_name: r.get(3)?,
        words: r.get(4)?,
        count: r.get(5)?,
        last_seen: r.get(6)?,
    })
}

/// Staff said `words` (already normalised, see `reader::alias_words`) meant this product:
/// counted, unless they are empty or already a name or alias of any product. Words that name
/// another product are left alone too: as an alias here they would make the reader ask.
pub fn record(conn: &Connection, business_id: i64, product_id: i64, words: &str) -> AppResult<()> {
    let words = words.trim();
    if words.is_empty() || products::named_by(conn, business_id, words)?.is_some() {
        return Ok(());
    }
    let t = now();
    conn.execute(
        "INSERT INTO alias_suggestions (business_id, product_id, words, count, first_seen, last_seen)
         VALUES (?1, ?2, ?3, 1, ?4, ?4)
         ON CONFLICT (product_id, words) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen",
        params![business_id, product_id, words, t],
    )?;
    Ok(())
}

/// Takes back one count of `words` for a product: staff had moved a line to it by mistake.
pub fn unrecord(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
    words: &str,
) -> AppResult<()> {
    let key = params![business_id, product_id, words.trim()];
    conn.execute(
        "DELETE FROM alias_suggestions
         WHERE business_id = ?1 AND product_id = ?2 AND words = ?3 AND count <= 1",
        key,
    )?;
    conn.execute(
        "UPDATE alias_suggestions SET count = count - 1
         WHERE business_id = ?1 AND product_id = ?2 AND words = ?3",
        key,
    )?;
    Ok(())
}

/// The business's suggestions still on offer, most said first.
pub fn list(conn: &Connection, business_id: i64) -> AppResult<Vec<Suggestion>> {
    let sql = format!(
        "{SELECT} WHERE s.business_id = ?1 AND s.dismissed = 0
         ORDER BY s.count DESC, s.last_seen DESC, s.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([business_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One product's suggestions still on offer, most said first.
pub fn for_product(
    conn: &Connection,
    business_id: i64,
    product_id: i64,
) -> AppResult<Vec<Suggestion>> {
    Ok(list(conn, business_id)?
        .into_iter()
        .filter(|s| s.product_id == product_id)
        .collect())
}

fn find(conn: &Connection, business_id: i64, product_id: i64, id: i64) -> AppResult<Suggestion> {
    let sql = format!(
        "{SELECT} WHERE s.business_id = ?1 AND s.product_id = ?2 AND s.id = ?3 AND s.dismissed = 0"
    );
    conn.query_row(&sql, params![business_id, product_id, id], from_row)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Adds the suggestion's words to the product's aliases and takes them off offer, here and for
/// every other product (an alias names one product). Refused when the words have meanwhile
/// become another product's name or alias. Returns the words added.
pub fn accept(conn: &Connection, business_id: i64, product_id: i64, id: i64) -> AppResult<String> {
    let s = find(conn, business_id, product_id, id)?;
    if let Some((other, name)) = products::named_by(conn, business_id, &s.words)? {
        if other != product_id {
            return Err(AppError::Invalid(format!(
                "\"{}\" is already a name or alias of {name}",
                s.words
            )));
        }
    }
    products::add_alias(conn, business_id, product_id, &s.words)?;
    conn.execute(
        "DELETE FROM alias_suggestions WHERE business_id = ?1 AND words = ?2",
        params![business_id, s.words],
    )?;
    Ok(s.words)
}

/// The shop does not want these words as an alias: never offered again, though still counted.
pub fn dismiss(conn: &Connection, business_id: i64, product_id: i64, id: i64) -> AppResult<()> {
    find(conn, business_id, product_id, id)?;
    conn.execute(
        "UPDATE alias_suggestions SET dismissed = 1 WHERE business_id = ?1 AND id = ?2",
        params![business_id, id],
    )?;
    Ok(())
}
