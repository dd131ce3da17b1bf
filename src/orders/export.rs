//! Orders leaving Novi: the JSON shape the API and `novi export` share, the CSV export (one
//! row per line, with the order's fields), and the shop-local date ranges both are asked for.

use chrono::{NaiveDate, TimeZone};
use rusqlite::Connection;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::model::{Channel, Event, Fulfilment, Line, Order, PaymentMode, PaymentStatus, Sort};
use super::status::Status;
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
///
/// Written straight from the order, without a JSON tree in between: building that tree for a
/// page of orders cost more than reading them. The fields are in alphabetical order, the order
/// Novi has always written them in.
#[derive(Serialize)]
pub struct OrderJson<'a> {
    address: &'a str,
    channel: Channel,
    created_at: At,
    currency: &'a str,
    customer: CustomerJson<'a>,
    deliver_on: Option<NaiveDate>,
    delivery_fee_minor: i64,
    events: Vec<EventJson<'a>>,
    fulfilment: Fulfilment,
    lines: Vec<LineJson<'a>>,
    notes: &'a str,
    number: i64,
    /// What was paid and refunded, where the caller has read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    payment: Option<Value>,
    payment_mode: PaymentMode,
    payment_status: PaymentStatus,
    status: Status,
    subtotal_minor: i64,
    total_minor: i64,
    updated_at: At,
}

#[derive(Serialize)]
struct CustomerJson<'a> {
    name: &'a str,
    phone: &'a str,
}

#[derive(Serialize)]
struct LineJson<'a> {
    name: &'a str,
    qty: u32,
    sku: &'a str,
    total_minor: i64,
    unit: Unit,
    unit_price_minor: i64,
    variant: Option<&'a str>,
    variant_count: Option<u32>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    actor: &'a str,
    at: At,
    from: Option<Status>,
    kind: &'a str,
    note: &'a str,
    to: Option<Status>,
}

/// A moment as RFC 3339 in UTC, to the second.
struct At(i64);

impl Serialize for At {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

impl<'a> OrderJson<'a> {
    pub fn new(o: &'a Order) -> Self {
        let line = |l: &'a Line| LineJson {
            name: &l.name,
            qty: l.qty,
            sku: &l.sku,
            total_minor: l.total.minor(),
            unit: l.unit,
            unit_price_minor: l.unit_price.minor(),
            variant: l.variant.as_deref(),
            variant_count: l.variant_count,
        };
        let event = |e: &'a Event| EventJson {
            actor: &e.actor,
            at: At(e.created_at),
            from: e.from_status,
            kind: &e.kind,
            note: &e.note,
            to: e.to_status,
        };
        OrderJson {
            address: &o.address,
            channel: o.channel,
            created_at: At(o.created_at),
            currency: &o.currency,
            customer: CustomerJson {
                name: &o.customer.name,
                phone: o.customer.phone.as_str(),
            },
            deliver_on: o.deliver_on,
            delivery_fee_minor: o.delivery_fee.minor(),
            events: o.events.iter().map(event).collect(),
            fulfilment: o.fulfilment,
            lines: o.lines.iter().map(line).collect(),
            notes: &o.notes,
            number: o.number,
            payment: None,
            payment_mode: o.payment_mode,
            payment_status: o.payment_status,
            status: o.status,
            subtotal_minor: o.subtotal.minor(),
            total_minor: o.total.minor(),
            updated_at: At(o.updated_at),
        }
    }

    /// The order with what was paid and refunded for it, as one order's call and the export
    /// show it.
    pub fn with_payment(o: &'a Order, payment: Value) -> Self {
        OrderJson {
            payment: Some(payment),
            ..Self::new(o)
        }
    }
}

/// An order that a response owns, written as [`OrderJson`].
pub struct OrderOut(Order);

impl From<Order> for OrderOut {
    fn from(o: Order) -> Self {
        OrderOut(o)
    }
}

impl Serialize for OrderOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OrderJson::new(&self.0).serialize(s)
    }
}

/// The order's JSON as a value, for callers that hold it among other values.
pub fn order_json(o: &Order) -> Value {
    serde_json::to_value(OrderJson::new(o)).unwrap_or_default()
}

/// Start (inclusive) and end (exclusive) in Unix seconds of the shop-local days `from` ..= `to`
/// (`YYYY-MM-DD`). A missing end leaves that side open.
pub fn day_range(
    b: &Business,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let day =
        |text: &str, what: &str| crate::domain::parse_day(text, what).map_err(AppError::Invalid);
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

pub use crate::domain::sheet::cell;

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
