//! Payments in the owner UI: on the order page, what is paid and due, "Cash collected" and
//! "UPI received" with the amount due filled in, a refund form, the UPI QR code; on the order
//! list, one tap for "paid in full" in cash.

pub mod drawer;
pub mod razorpay;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::{Order, PaymentMode, PaymentStatus, Status};
use crate::payments::{self, upi, Kind, NewPayment, Payment};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, error_box, field_with_error, MONEY};
use crate::web::orders::{load, money, order_page, Shown};
use crate::web::qr;
use crate::AppState;

/// A payment or refund as posted. `full=1` (the list's button) takes whatever is due.
#[derive(Deserialize, Default)]
pub struct PayForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    full: String,
    /// The list's button: the order's total as the list showed it (minor units). "Paid in
    /// full" is that total; an order changed since is not paid at a figure no one saw.
    #[serde(default)]
    total: String,
    /// The list's button: the payment status the list showed ("unpaid"): a part payment
    /// recorded meanwhile means the rest is not what was collected.
    #[serde(default)]
    status: String,
    /// The list's button: what the row said was due (minor units), which is what was collected.
    #[serde(default)]
    due: String,
    /// The order list's query, to go back to it after a tap there.
    #[serde(default)]
    back: Option<String>,
}

/// A payment or refund form that was refused: why, and what was typed, to show it again as
/// it was (a field filled back with the amount due would be recorded by a second tap).
pub struct Refused {
    pub kind: Kind,
    pub message: String,
    pub amount: String,
    pub reference: String,
    pub mode: String,
}

/// The money card of an order's page.
pub fn section(shop: &ShopPage, s: &Shown) -> Markup {
    let (o, m) = (&s.order, &s.money);
    let refused = |kind: Kind| s.pay_wrong.as_ref().filter(|r| r.kind == kind);
    let wrong = |kind: Kind| refused(kind).map(|r| r.message.as_str());
    let link = upi::order_link(&shop.business, o.number, m.due);
    html! {
        section.cards #payment {
            div.card {
                h2 { "Payment" }
                dl {
                    dt { "Status" } dd { span class={ "pay pay-" (m.status.as_str()) } { (m.status.label()) } " · " (m.mode.label()) }
                    dt { "Received" } dd { (money(shop, m.paid)) " of " (money(shop, o.total)) }
                    @if m.refunded.minor() > 0 { dt { "Refunded" } dd { (money(shop, m.refunded)) } }
                    dt { "Due" } dd { (money(shop, m.due)) }
                    @if m.pending_refunds.minor() > 0 { dt { "On its way back" } dd { (money(shop, m.pending_refunds)) " (Razorpay refund, not processed yet)" } }
                    @if m.owed_back.minor() > 0 { dt { "To give back" } dd { strong { (money(shop, m.owed_back)) } } }
                }
                @if m.due.minor() > 0 && o.status != Status::Cancelled {
                    (pay_form(shop, o, m.due, refused(Kind::Payment)))
                } @else {
                    // A tap on the list when nothing was due (or on a cancelled order) says why here.
                    (error_box(wrong(Kind::Payment)))
                }
                @if shop.role.can_refund() && m.paid > m.pending_refunds { (refund_form(shop, o, refused(Kind::Refund))) }
                (history(shop, &m.payments))
            }
            @if let Some(svg) = link.as_deref().and_then(qr::svg) {
                div.card.qr {
                    h2 { "Pay by UPI" }
                    (PreEscaped(svg))
                    p.muted { (money(shop, m.due)) " to " code { (shop.business.upi_id) } " · the amount is fixed" }
                }
            }
        }
    }
}

/// The forms post to the payment card (`#payment`): a refused one comes back there, in view,
/// not at the top of a long page on a phone.
fn pay_form(shop: &ShopPage, o: &Order, due: Money, refused: Option<&Refused>) -> Markup {
    let action = shop.url(&format!("/orders/{}/payments#pay", o.number));
    let due = due.to_major_string();
    let amount = refused.map_or(due.as_str(), |r| r.amount.as_str());
    let reference = refused.map_or("", |r| r.reference.as_str());
    let error = refused.map(|r| r.message.as_str());
    html! {
        form.stack #pay method="post" action=(action) {
            (csrf_field(&shop.csrf))
            (field_with_error("Amount received", "amount", MONEY, amount, error))
            label { span { "UPI reference (optional)" } input type="text" name="reference" value=(reference) autocomplete="off"; }
            div.actions {
                button type="submit" name="mode" value="cash" { "Cash collected" }
                " "
                button type="submit" name="mode" value="upi" { "UPI received" }
            }
        }
    }
}

fn refund_form(shop: &ShopPage, o: &Order, refused: Option<&Refused>) -> Markup {
    let action = shop.url(&format!("/orders/{}/refunds#refund", o.number));
    let typed = |f: fn(&Refused) -> &str| refused.map_or("", f);
    let error = refused.map(|r| r.message.as_str());
    html! {
        details open[error.is_some()] {
            summary { "Refund" }
            form.stack #refund method="post" action=(action) {
                (csrf_field(&shop.csrf))
                (field_with_error("Amount to give back", "amount", MONEY, typed(|r| &r.amount), error))
                label { span { "Given back as" }
                    select name="mode" {
                        option value="cash" { "Cash" }
                        option value="upi" selected[typed(|r| &r.mode) == "upi"] { "UPI" }
                    }
                }
                label { span { "Reference (optional)" } input type="text" name="reference" value=(typed(|r| &r.reference)) autocomplete="off"; }
                button.danger type="submit" { "Record refund" }
            }
        }
    }
}

fn history(shop: &ShopPage, rows: &[Payment]) -> Markup {
    html! {
        @if !rows.is_empty() {
            table.lines {
                thead { tr { th { "When" } th { "What" } th { "By" } th.num { "Amount" } } }
                tbody {
                    @for p in rows {
                        tr {
                            td { (shop.business.local_time(p.recorded_at)) }
                            td { (p.mode.label()) @if p.kind == Kind::Refund { " refund" }
                                 @if !p.reference.is_empty() { br; span.muted { "ref " (p.reference) } } }
                            td { (p.recorded_by_name.as_deref().unwrap_or("Novi")) }
                            td.num { @if p.kind == Kind::Refund { "−" } (money(shop, p.amount)) }
                        }
                    }
                }
            }
        }
    }
}

/// The list's word after a *Paid in full* tap on order `number`: what was received, read from
/// the order itself, so an address naming another order (or none) says nothing.
pub fn paid_notice(
    conn: &rusqlite::Connection,
    b: &crate::accounts::businesses::Business,
    number: i64,
) -> AppResult<Option<String>> {
    let Some(o) = crate::orders::store::by_number(conn, b.id, number)? else {
        return Ok(None);
    };
    if o.payment_status != PaymentStatus::Paid {
        return Ok(None);
    }
    let last = payments::store::of_order(conn, o.id)?.pop();
    Ok(last.filter(|p| p.kind == Kind::Payment).map(|p| {
        format!(
            "Order #{number}: {} received in {}, paid in full.",
            p.amount.format(&b.currency),
            p.mode.label().to_lowercase()
        )
    }))
}

/// Whether the list offers *Paid in full* for `o`: something is due and it takes payments.
fn open(o: &Order) -> bool {
    matches!(
        o.payment_status,
        PaymentStatus::Unpaid | PaymentStatus::PartlyPaid
    ) && o.status != Status::Cancelled
}

/// What is due on each order of a list page that offers *Paid in full*, by order id: what the
/// button records, which is not the total once part is paid.
pub fn dues(
    conn: &rusqlite::Connection,
    orders: &[Order],
) -> AppResult<std::collections::HashMap<i64, Money>> {
    let mut dues = std::collections::HashMap::new();
    for o in orders.iter().filter(|o| open(o)) {
        let sums = payments::store::sums(conn, o.id)?;
        dues.insert(o.id, payments::due_of(o.total, &sums));
    }
    Ok(dues)
}

/// The order list's payment cell: the order's payment status, and where something is due and
/// the order still takes payments, what is due (when it is not the total beside it) and one
/// tap for all of it, collected in cash.
pub fn list_cell(shop: &ShopPage, o: &Order, due: Option<Money>, back: &str) -> Markup {
    let part = due.filter(|d| *d != o.total);
    html! {
        td.pay {
            span class={ "pay pay-" (o.payment_status.as_str()) } { (o.payment_status.label()) }
            @if let Some(d) = part { " · " strong.due { (money(shop, d)) " due" } }
            @if open(o) { " " (list_button(shop, o, due, back)) }
        }
    }
}

fn list_button(shop: &ShopPage, o: &Order, due: Option<Money>, back: &str) -> Markup {
    let label = match due {
        Some(d) => format!(
            "Order #{}: {} received in cash, paid in full",
            o.number,
            money(shop, d)
        ),
        None => format!("Order #{} paid in full, cash", o.number),
    };
    html! {
        // A refused tap (the order changed) answers with the order's page, at its payment card.
        form.inline method="post" action=(shop.url(&format!("/orders/{}/payments#payment", o.number))) {
            (csrf_field(&shop.csrf))
            input type="hidden" name="mode" value="cash";
            input type="hidden" name="full" value="1";
            input type="hidden" name="total" value=(o.total.minor());
            input type="hidden" name="status" value=(o.payment_status.as_str());
            @if let Some(d) = due { input type="hidden" name="due" value=(d.minor()); }
            input type="hidden" name="back" value=(back);
            button.secondary type="submit" aria-label=(label) { "Paid in full" }
        }
    }
}

/// Reads the posted form into a payment of `kind`, or says what is wrong with it.
fn parse(shop: &ShopPage, f: &PayForm, kind: Kind) -> Result<NewPayment, String> {
    let mode = match f.mode.trim() {
        "cash" => PaymentMode::Cash,
        "upi" => PaymentMode::Upi,
        other => {
            return Err(format!(
                "\"{other}\" is not a way of paying here; choose cash or UPI"
            ))
        }
    };
    let amount = if f.full == "1" && kind == Kind::Payment {
        Money::ZERO
    } else {
        Money::parse_major(f.amount.trim()).map_err(|e| e.describe("amount"))?
    };
    Ok(NewPayment {
        amount,
        mode,
        kind,
        reference: f.reference.clone(),
        recorded_by: Some(shop.user.id),
        actor: shop.user.username.clone(),
    })
}

/// What the list's row showed, that *Paid in full* records only if it still holds.
struct AsListed {
    total: Option<i64>,
    status: String,
    due: Option<i64>,
}

/// Records the payment (the whole amount due, for `full`) in one transaction.
async fn save(
    state: &AppState,
    shop: &ShopPage,
    number: i64,
    mut p: NewPayment,
    full: Option<AsListed>,
) -> AppResult<()> {
    let business = shop.business.clone();
    let who = crate::audit::Actor::new(shop.user.username.clone(), &shop.address);
    state
        .db
        .write(move |tx| {
            if let Some(AsListed {
                total: seen_total,
                status: seen_status,
                due: seen_due,
            }) = full
            {
                let order = crate::orders::store::by_number(tx, business.id, number)?
                    .ok_or(AppError::NotFound)?;
                // A list older than these fields, or than a payment since, shows no longer
                // what would be recorded.
                if seen_total.is_none() || seen_status != order.payment_status.as_str() {
                    return Err(AppError::Conflict(format!(
                        "order #{number} is now {}, not as the list showed it; nothing was \
                         recorded. Open it to see what is due.",
                        order.payment_status.label().to_lowercase()
                    )));
                }
                if seen_total.is_some_and(|t| t != order.total.minor()) {
                    return Err(AppError::Conflict(format!(
                        "order #{number} now comes to {}, not the {} shown; nothing was \
                         recorded. Open it to see what is due.",
                        order.total.format(&business.currency),
                        Money::from_minor(seen_total.unwrap_or_default())
                            .format(&business.currency)
                    )));
                }
                p.amount = payments::summary(tx, &order)?.due;
                if p.amount.minor() == 0 {
                    return Err(AppError::Invalid(format!(
                        "order #{number} is paid in full; nothing is due"
                    )));
                }
                if seen_due.is_some_and(|d| d != p.amount.minor()) {
                    return Err(AppError::Conflict(format!(
                        "order #{number} now has {} due, not the {} shown; nothing was \
                         recorded. Open it to see what is due.",
                        p.amount.format(&business.currency),
                        Money::from_minor(seen_due.unwrap_or_default()).format(&business.currency)
                    )));
                }
            }
            payments::record(tx, &business, number, &p)?;
            // Money given back is audited, in the transaction that records it.
            if p.kind == Kind::Refund {
                let what = format!(
                    "refund of {} ({}) on order #{number}",
                    p.amount.format(&business.currency),
                    p.mode.as_str()
                );
                crate::audit::record(tx, &who, Some(business.id), crate::audit::REFUND, &what)?;
            }
            Ok(())
        })
        .await
}

/// Posts of both forms: recorded and back to where the tap was, or the order page again with
/// what is wrong beside the amount (422).
async fn post(
    state: AppState,
    shop: ShopPage,
    number: i64,
    f: PayForm,
    kind: Kind,
) -> AppResult<Response> {
    let full = (f.full == "1" && kind == Kind::Payment).then(|| AsListed {
        total: f.total.trim().parse().ok(),
        status: f.status.trim().to_owned(),
        due: f.due.trim().parse().ok(),
    });
    let refused = match parse(&shop, &f, kind) {
        Ok(p) => match save(&state, &shop, number, p, full).await {
            Ok(()) => {
                // Lists open elsewhere show the order's new payment status.
                state.bridge.live.order(shop.business.id, number, false);
                return Ok(Redirect::to(&after(&shop, number, &f)).into_response());
            }
            Err(e) => e.into_refusal()?,
        },
        Err(message) => message,
    };
    let mut shown = load(&state, &shop, number).await?;
    shown.pay_wrong = Some(Refused {
        kind,
        message: refused,
        amount: f.amount,
        reference: f.reference,
        mode: f.mode,
    });
    let page = order_page(&shop, &shown, None, None);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Back to the list a tap there came from (its filters and page), else the order's page.
fn after(shop: &ShopPage, number: i64, f: &PayForm) -> String {
    match f.back.as_deref() {
        // Only a query string of the list: the path is ours, whatever was posted.
        Some(q) if !q.contains(['#', '\r', '\n']) => {
            format!("{}?{q}&paid={number}", shop.url("/orders"))
        }
        _ => shop.url(&format!("/orders/{number}?done=1")),
    }
}

/// `POST /b/{code}/orders/{number}/payments`: cash collected or UPI received.
pub async fn record(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(f): Form<PayForm>,
) -> AppResult<Response> {
    post(state, shop, number, f, Kind::Payment).await
}

/// `POST /b/{code}/orders/{number}/refunds`: money given back; owners and managers only.
pub async fn refund(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(f): Form<PayForm>,
) -> AppResult<Response> {
    if !shop.role.can_refund() {
        return Err(AppError::Forbidden);
    }
    post(state, shop, number, f, Kind::Refund).await
}
