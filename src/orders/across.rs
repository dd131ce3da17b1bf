//! Orders across every business, for the platform console: filtered by business, status and
//! time, newest first, paged by keyset `(created_at, id)` so a page deep into a large book
//! costs what the first one does. Reads `orders` with the business's code and the customer's
//! name beside each.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use super::status::Status;
use crate::error::AppResult;

/// What to show; times are Unix seconds, `to` exclusive.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub business_id: Option<i64>,
    pub status: Option<Status>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// The last row of the previous page: only older rows follow.
    pub after: Option<(i64, i64)>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub business_code: String,
    pub number: i64,
    pub customer: String,
    pub status: String,
    pub channel: String,
    pub total_minor: i64,
    pub currency: String,
    pub created_at: i64,
}

/// One page of at most `limit` orders matching `f`, newest first.
pub fn page(conn: &Connection, f: &Filter, limit: i64) -> AppResult<Vec<Row>> {
    let mut conds: Vec<&str> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(b) = f.business_id {
        conds.push("o.business_id = ?");
        args.push(b.into());
    }
    if let Some(s) = f.status {
        conds.push("o.status = ?");
        args.push(s.as_str().to_owned().into());
    }
    if let Some(from) = f.from {
        conds.push("o.created_at >= ?");
        args.push(from.into());
    }
    if let Some(to) = f.to {
        conds.push("o.created_at < ?");
        args.push(to.into());
    }
    if let Some((at, id)) = f.after {
        conds.push("(o.created_at, o.id) < (?, ?)");
        args.push(at.into());
        args.push(id.into());
    }
    let cond = if conds.is_empty() {
        "1".to_owned()
    } else {
        conds.join(" AND ")
    };
    args.push(limit.into());
    let sql = format!(
        "SELECT o.id, b.short_code, o.number, c.name, o.status, o.channel, o.total_minor,
                o.currency, o.created_at
         FROM orders o JOIN businesses b ON b.id = o.business_id
              JOIN customers c ON c.id = o.customer_id
         WHERE {cond} ORDER BY o.created_at DESC, o.id DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(Row {
            id: r.get(0)?,
            business_code: r.get(1)?,
            number: r.get(2)?,
            customer: r.get(3)?,
            status: r.get(4)?,
            channel: r.get(5)?,
            total_minor: r.get(6)?,
            currency: r.get(7)?,
            created_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
