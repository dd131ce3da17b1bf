//! Orders leaving Novi: the JSON shape the API and `novi export` share, the CSV export (one
//! row per line, with the order's fields), and the shop-local date ranges both are asked for.

use chrono::{NaiveDate, TimeZone};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::model::{Order, Sort};
use super::store::{self, Filter};
use crate::accounts::businesses::Business;
use crate::domain::Unit;
use crate::error::{AppError, AppResult};

pub fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// An order as the API and JSON export show it. Integrations rely on these names and shapes:
/// money is whole minor units under `*_minor` keys, a phone is its digits as a string.
pub fn order_json(o: &Order) -> Value {
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "sku": l.sku, "name": l.name, "variant": l.variant, "variant_count": l.variant_count,
                "qty": l.qty, "unit": l.unit, "unit_price_minor": l.unit_price.minor(), "total_minor": l.total.minor(),
            })
        })
        .collect();
    let events: Vec<Value> = o
        .events
        .iter()
        .map(|e| {
            json!({
                "kind": e.kind, "from": e.from_status, "to": e.to_status,
                "actor": e.actor, "note": e.note, "at": rfc3339(e.created_at),
            })
        })
        .collect();
    json!({
        "number": o.number,
        "status": o.status,
        "channel": o.channel,
        "customer": {"name": o.customer.name, "phone": o.customer.phone.as_str()},
        "lines": lines,
        "subtotal_minor": o.subtotal.minor(),
        "delivery_fee_minor": o.delivery_fee.minor(),
        "total_minor": o.total.minor(),
        "currency": o.currency,
        "payment_mode": o.payment_mode,
        "payment_status": o.payment_status,
        "fulfilment": o.fulfilment,
        "deliver_on": o.deliver_on,
        "address": o.address,
        "notes": o.notes,
        "events": events,
        "created_at": rfc3339(o.created_at),
        "updated_at": rfc3339(o.updated_at),
    })
}

/// Start (inclusive) and end (exclusive) in Unix seconds of the shop-local days `from` ..= `to`
/// (`YYYY-MM-DD`). A missing end leaves that side open.
pub fn day_range(
    b: &Business,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let day = |text: &str, what: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::Invalid(format!(
                "{what} date \"{}\" is not of the form YYYY-MM-DD",
                text.trim()
            ))
        })
    };
    let start_of = |d: NaiveDate| {
        b.offset()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t.timestamp())
    };
    let from_ts = match from.filter(|s| !s.trim().is_empty()) {
        Some(text) => start_of(day(text, "from")?),
        None => None,
    };
    let to_ts = match to.filter(|s| !s.trim().is_empty()) {
        Some(text) => day(text, "to")?.succ_opt().and_then(start_of),
        None => None,
    };
    if let (Some(f), Some(t)) = (from_ts, to_ts) {
        if f >= t {
            return Err(AppError::Invalid(
                "the from date is after the to date".into(),
            ));
        }
    }
    Ok((from_ts, to_ts))
}

/// Every order matching `f`, oldest first (or, sorted by delivery day, soonest first), as of one
/// moment: read in one pass inside one transaction, so an order taken meanwhile cannot shift it.
pub fn all(conn: &Connection, business_id: i64, f: &Filter) -> AppResult<Vec<Order>> {
    let _snapshot = conn.unchecked_transaction()?;
    let mut out = store::all(conn, business_id, f)?;
    if f.sort == Sort::Newest {
        out.reverse();
    }
    Ok(out)
}

/// The columns of the CSV export. Integrations read them by position: new columns go at the end.
pub const CSV_HEADER: [&str; 22] = [
    "order_number",
    "created_at",
    "status",
    "channel",
    "customer_name",
    "customer_phone",
    "address",
    "notes",
    "payment_mode",
    "payment_status",
    "delivery_fee",
    "order_total",
    "currency",
    "sku",
    "name",
    "variant",
    "qty",
    "unit",
    "unit_price",
    "line_total",
    "fulfilment",
    "deliver_on",
];

/// A cell a spreadsheet would run as a formula (a customer can type `=HYPERLINK(...)` as their
/// name) gets a leading `'`, which spreadsheets show as text.
pub fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Writes one row per order line; money in major units (rupees), quantities in grams or pieces.
pub fn write_csv(orders: &[Order], b: &Business, out: impl std::io::Write) -> AppResult<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(AppError::internal)?;
    for o in orders {
        let created = chrono::DateTime::from_timestamp(o.created_at, 0)
            .map(|t| t.with_timezone(&b.offset()).to_rfc3339())
            .unwrap_or_default();
        for l in &o.lines {
            let unit = match l.unit {
                Unit::Kg => "g",
                Unit::Pc => "pc",
            };
            w.write_record([
                o.number.to_string(),
                created.clone(),
                o.status.to_string(),
                o.channel.to_string(),
                cell(&o.customer.name),
                o.customer.phone.as_str().to_owned(),
                cell(&o.address),
                cell(&o.notes),
                o.payment_mode.to_string(),
                o.payment_status.to_string(),
                o.delivery_fee.to_major_string(),
                o.total.to_major_string(),
                o.currency.clone(),
                l.sku.clone(),
                cell(&l.name),
                cell(l.variant.as_deref().unwrap_or_default()),
                l.qty.to_string(),
                unit.to_owned(),
                l.unit_price.to_major_string(),
                l.total.to_major_string(),
                o.fulfilment.to_string(),
                o.deliver_on.map(|d| d.to_string()).unwrap_or_default(),
            ])
            .map_err(AppError::internal)?;
        }
    }
    w.flush().map_err(AppError::internal)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_shown_as_text() {
        assert_eq!(super::cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::cell("12 MG Road"), "12 MG Road");
    }
}
