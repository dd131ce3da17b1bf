//! `/api/v1/orders`: take orders, list and read them, move them along.

use std::str::FromStr;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::ApiResult;
use super::{JsonBody, Page, Pagination};
use crate::api::auth::ApiBusiness;
use crate::conversation::notify;
use crate::domain::limits::{MAX_ADDRESS, MAX_LINE_GRAMS, MAX_LINE_PIECES};
use crate::domain::Phone;
use crate::error::AppError;
use crate::orders::export::{day_range, order_json, OrderOut};
use crate::orders::{
    once, parse_deliver_on, service, store, Channel, Fulfilment, LineRequest, NewOrder, OrderError,
    PaymentMode, Sort, Status,
};
use crate::payments;
use crate::AppState;

#[derive(Deserialize)]
pub struct CustomerIn {
    #[serde(default)]
    name: String,
    phone: String,
}

/// `{"sku","qty"}` or `{"sku","variant","count"}`. Numbers are read wide, so one too large
/// for a line is refused with the limit (422), not as malformed JSON.
#[derive(Deserialize)]
pub struct LineIn {
    sku: String,
    qty: Option<u64>,
    variant: Option<String>,
    count: Option<u64>,
}

/// Prices and totals a client sends are ignored (unknown fields are), and always worked out
/// here from the catalog.
#[derive(Deserialize)]
pub struct CreateIn {
    customer: CustomerIn,
    lines: Vec<LineIn>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    notes: String,
    payment_mode: Option<String>,
    /// `delivery` (the default) or `pickup`.
    fulfilment: Option<String>,
    /// `YYYY-MM-DD`, the shop-local day the order is wanted.
    deliver_on: Option<String>,
}

fn line_request(n: usize, l: LineIn) -> Result<LineRequest, AppError> {
    // Past a `u32` is past every line limit; the order book checks the limit for the unit.
    let fits = |field: &str, v: u64| {
        u32::try_from(v).map_err(|_| {
            AppError::Invalid(format!(
                "line {n}: {field} {v} is more than one order line can hold (at most {MAX_LINE_GRAMS} grams or {MAX_LINE_PIECES} pieces)"
            ))
        })
    };
    match (l.qty, l.variant, l.count) {
        (Some(qty), None, None) => Ok(LineRequest::Qty {
            sku: l.sku,
            qty: fits("qty", qty)?,
        }),
        (None, Some(variant), count) => Ok(LineRequest::Variant {
            sku: l.sku,
            variant,
            count: fits("count", count.unwrap_or(1))?,
        }),
        _ => Err(AppError::Invalid(format!(
            "line {n}: give either qty (grams or pieces) or variant with count"
        ))),
    }
}

fn new_order(
    business: &crate::accounts::businesses::Business,
    body: CreateIn,
) -> Result<NewOrder, AppError> {
    let phone = Phone::parse(&body.customer.phone, &business.country_code)
        .map_err(|e| AppError::Invalid(format!("customer phone: {e}")))?;
    let lines = body
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| line_request(i + 1, l))
        .collect::<Result<_, _>>()?;
    let payment_mode = match body.payment_mode.as_deref() {
        None => PaymentMode::Cash,
        Some(t) => PaymentMode::parse_lenient(t)
            .map_err(|e| AppError::Invalid(format!("payment_mode {e}")))?,
    };
    let fulfilment = word(
        body.fulfilment.as_deref(),
        "fulfilment",
        Fulfilment::Delivery,
    )?;
    let deliver_on = parse_deliver_on(body.deliver_on.as_deref().unwrap_or_default())
        .map_err(|e| AppError::Invalid(format!("deliver_on: {e}")))?;
    text("customer name", &body.customer.name, 100, false)?;
    text("address", &body.address, MAX_ADDRESS, true)?;
    text("notes", &body.notes, 2000, true)?;
    Ok(NewOrder {
        channel: Channel::Api,
        customer_phone: phone,
        customer_name: body.customer.name,
        lines,
        address: body.address,
        notes: body.notes,
        payment_mode,
        fulfilment,
        deliver_on,
        actor: "api".into(),
    })
}

/// A text field within the length the shop's own forms take (the storefront's name and
/// address, the customer page's notes), with no control character but line breaks where
/// `lines` (an address, notes): a 1 MiB note or a NUL in a name would reach every page,
/// bill and export that shows the order.
fn text(field: &str, value: &str, most: usize, lines: bool) -> Result<(), AppError> {
    if value.chars().count() > most {
        return Err(AppError::Invalid(format!(
            "{field} is longer than {most} characters"
        )));
    }
    let allowed = |c: char| lines && matches!(c, '\n' | '\r');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(AppError::Invalid(format!(
            "{field} holds a control character"
        )));
    }
    Ok(())
}

/// A field that is one of a few words (`payment_mode`, `fulfilment`, `sort`): `default` when
/// left out, else the word, else why not.
fn word<T: FromStr<Err = String>>(
    text: Option<&str>,
    field: &str,
    default: T,
) -> Result<T, AppError> {
    match text {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|e| AppError::Invalid(format!("{field} {e}"))),
    }
}

/// The longest `Idempotency-Key` taken: a UUID is 36 characters.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The request's `Idempotency-Key`, if it sent one: printable ASCII, 1 to 255 characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    let fits =
        (1..=MAX_IDEMPOTENCY_KEY).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if !fits {
        return Err(AppError::Invalid(format!(
            "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"
        )));
    }
    Ok(Some(key.to_owned()))
}

/// Takes an order. With an `Idempotency-Key`, a retry (after a timeout, say) finds the order
/// its key made and answers it again (`200`, `Idempotent-Replayed: true`), rather than taking
/// a second order and its stock twice.
pub async fn create(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CreateIn>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let req = new_order(&business, body)?;
    let business_id = business.id;
    let (order, made) = state
        .db
        .write(move |tx| {
            // As the shop's own forms: nobody could pay it online without keys.
            if req.payment_mode == PaymentMode::Razorpay
                && crate::razorpay::settings::taking(tx, &business)?.is_none()
            {
                return Err(OrderError::Invalid(
                    "payment_mode razorpay: this shop does not take Razorpay (no keys in \
                     Settings → Payments)"
                        .into(),
                ));
            }
            let from = key.as_deref().map(once::Source::Api);
            let before = match from {
                Some(f) => once::placed(tx, business.id, f)?,
                None => None,
            };
            if let Some(number) = before {
                let order = store::by_number(tx, business.id, number)?;
                return Ok((order.ok_or(OrderError::NotFound)?, false));
            }
            let order = service::create(tx, &business, &req)?;
            if let Some(from) = from {
                once::mark(tx, order.id, from)?;
            }
            Ok::<_, OrderError>((order, true))
        })
        .await?;
    let body = Json(json!({ "order": order_json(&order) }));
    if !made {
        return Ok(([("idempotent-replayed", "true")], body).into_response());
    }
    state.bridge.live.order(business_id, order.number, true);
    Ok((StatusCode::CREATED, body).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    q: Option<String>,
    /// `unpaid`, `partly_paid`, `paid`, `refunded` or `partly_refunded`.
    payment_status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// `newest` (the default) or `deliver_on`.
    sort: Option<String>,
    /// A customer's phone number, as the customer API takes it: only their orders.
    customer: Option<String>,
    #[serde(flatten)]
    page: Pagination,
}

pub async fn index(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Page<OrderOut>>> {
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse::<Status>().map_err(AppError::Invalid)?),
        None => None,
    };
    let payment = query
        .payment_status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|e| AppError::Invalid(format!("payment_status {e}")))
        })
        .transpose()?;
    let (from, to) = day_range(&business, query.from.as_deref(), query.to.as_deref())?;
    let sort = word(
        query.sort.as_deref().filter(|s| !s.is_empty()),
        "sort",
        Sort::Newest,
    )?;
    let customer = match query.customer.as_deref().map(str::trim) {
        Some(phone) if !phone.is_empty() => Some(
            Phone::parse_lookup(phone, &business.country_code)
                .map_err(|e| AppError::Invalid(format!("customer: {e}")))?,
        ),
        _ => None,
    };
    let mut filter = store::Filter {
        status,
        q: query.q.unwrap_or_default(),
        from,
        to,
        customer_id: None,
        payment,
        sort,
    };
    let (page, per_page) = query.page.resolve()?;
    let (orders, total) = state
        .db
        .read(move |c| {
            if let Some(phone) = customer {
                match crate::customers::id_by_phone(c, business.id, &phone)? {
                    Some(id) => filter.customer_id = Some(id),
                    // Nobody with that number has ordered here: nothing to list.
                    None => return Ok((Vec::new(), store::Total::default())),
                }
            }
            store::list(c, business.id, &filter, page, per_page)
        })
        .await?;
    let rows = orders.into_iter().map(OrderOut::from).collect();
    let body = Pagination::page("orders", rows, (page, per_page), total.count);
    Ok(Json(body.capped(total.capped)))
}

pub async fn show(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Path(number): Path<String>,
) -> ApiResult<Json<Value>> {
    let number = parse_number(&number)?;
    let (order, money) = state
        .db
        .read(move |c| {
            let order = store::by_number(c, business.id, number)?.ok_or(AppError::NotFound)?;
            let money = payments::summary(c, &order)?;
            Ok((order, money))
        })
        .await?;
    let mut body = order_json(&order);
    body["payment"] = payments::summary_json(&money);
    Ok(Json(json!({ "order": body })))
}

#[derive(Deserialize)]
pub struct StatusIn {
    status: String,
}

pub async fn update_status(
    State(state): State<AppState>,
    ApiBusiness(business): ApiBusiness,
    Path(number): Path<String>,
    JsonBody(body): JsonBody<StatusIn>,
) -> ApiResult<Json<Value>> {
    let number = parse_number(&number)?;
    let to: Status = body.status.parse().map_err(AppError::Invalid)?;
    let business_id = business.id;
    let tracker = state.tracker.clone();
    let order = state
        .db
        .write(move |tx| notify::change_status(tx, &business, number, to, "api", Some(&tracker)))
        .await?;
    state.bridge.live.order(business_id, order.number, false);
    // The customer's status message is in the outbox now.
    state.bridge.wake_sender();
    Ok(Json(json!({ "order": order_json(&order) })))
}

/// Order numbers in paths: `1042`; anything else names no order.
pub(super) fn parse_number(text: &str) -> Result<i64, AppError> {
    text.trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::NotFound)
}
