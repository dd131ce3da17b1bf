//! Orders in the owner UI: the list (filters, search, sort, pages, CSV export) and one order's
//! page (lines, totals, delivery or pickup, customer, timeline, and the moves it can make next).

pub mod form;
pub mod pick;
pub mod undo;
pub mod unread;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::catalog::products::{self, Product};
use crate::conversation::notify;
use crate::domain::{plural, Money};
use crate::error::{AppError, AppResult};
use crate::orders::export::{all, day_range, write_csv};
use crate::orders::model::Line;
use crate::orders::store::OrderTimes;
use crate::orders::unread as unread_lines;
use crate::orders::{
    store, Channel, Fulfilment, Order, OrderError, PaymentStatus, Sort, Status, Unread,
};
use crate::payments;
use crate::web::extract::ShopPage;
use crate::web::format::{duration, thousands};
use crate::web::layout::{csrf_field, error_box, notice, page, sound_switch, Nav};
use crate::web::payments as web_payments;
use crate::AppState;

const PER_PAGE: i64 = 25;

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    /// A payment status (`unpaid`, `paid`, ...), or blank for any.
    #[serde(default)]
    payment: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `newest` (blank) or `deliver_on`.
    #[serde(default)]
    sort: String,
    /// Read as text, so that one which is not a number gets a clear refusal (`page_number`).
    page: Option<String>,
    /// The order *Paid in full* was just tapped for, to say so once (not kept by the pager).
    paid: Option<i64>,
}

impl ListQuery {
    fn filter(&self, shop: &ShopPage) -> AppResult<store::Filter> {
        let status = match self.status.trim() {
            "" => None,
            s => Some(s.parse::<Status>().map_err(AppError::Invalid)?),
        };
        let payment = match self.payment.trim() {
            "" => None,
            p => Some(
                p.parse()
                    .map_err(|e| AppError::Invalid(format!("payment {e}")))?,
            ),
        };
        let (from, to) = day_range(&shop.business, Some(&self.from), Some(&self.to))?;
        let sort = match self.sort.trim() {
            "" => Sort::Newest,
            s => s
                .parse()
                .map_err(|e| AppError::Invalid(format!("sort {e}")))?,
        };
        Ok(store::Filter {
            status,
            q: self.q.clone(),
            from,
            to,
            customer_id: None,
            payment,
            sort,
        })
    }

    fn query_string(&self, page: i64) -> String {
        let pairs = [
            ("status", self.status.as_str()),
            ("q", &self.q),
            ("payment", &self.payment),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
            ("page", &page.to_string()),
        ];
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub fn money(shop: &ShopPage, amount: Money) -> String {
    amount.format(&shop.business.currency)
}

/// An order's status as its steps read for how it reaches the customer: a pickup order is
/// *Ready for pickup*, then *Picked up*, where a delivery is out for delivery, then delivered.
pub fn status_badge(s: Status, how: Fulfilment) -> Markup {
    html! { span class={ "status status-" (s.as_str()) } { (s.label_for(how)) } }
}

fn order_badge(o: &Order) -> Markup {
    status_badge(o.status, o.fulfilment)
}

fn filters(shop: &ShopPage, q: &ListQuery) -> Markup {
    html! {
        form.filters method="get" action=(shop.url("/orders")) {
            label { span { "Status" }
                select name="status" {
                    option value="" { "Any" }
                    @for s in Status::ALL { option value=(s.as_str()) selected[q.status == s.as_str()] { (s.label_both()) } }
                }
            }
            label { span { "Payment" }
                select name="payment" {
                    option value="" { "Any" }
                    @for p in PaymentStatus::ALL { option value=(p.as_str()) selected[q.payment == p.as_str()] { (p.label()) } }
                }
            }
            label { span { "From" } input type="date" name="from" value=(q.from); }
            label { span { "To" } input type="date" name="to" value=(q.to); }
            label.grow { span { "Search" } input type="search" name="q" value=(q.q) placeholder="#1042, name or phone"; }
            label { span { "Sort" }
                select name="sort" {
                    option value="" { "Newest first" }
                    option value=(Sort::DeliverOn.as_str()) selected[q.sort == Sort::DeliverOn.as_str()] { "Wanted on, soonest first" }
                }
            }
            button type="submit" { "Filter" }
        }
    }
}

pub async fn index(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = match q.filter(&shop) {
        Ok(f) => f,
        Err(AppError::Invalid(m)) => {
            let body = html! { (filters(&shop, &q)) (error_box(Some(&m))) };
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&shop, Nav::Orders, "Orders", body),
            )
                .into_response());
        }
        Err(e) => return Err(e),
    };
    let current = crate::web::extract::page_number(q.page.as_deref())?;
    let list = list(&state, &shop, &q, filter, current).await?;
    let paid = match q.paid {
        Some(n) => {
            let b = shop.business.clone();
            state
                .db
                .read(move |c| web_payments::paid_notice(c, &b, n))
                .await?
        }
        None => None,
    };
    let export = format!("{}?{}", shop.url("/orders/export.csv"), q.query_string(1));
    // The newest page follows new orders as they come; an older page stays put while it is read.
    let live =
        (current == 1).then(|| format!("{}?{}", shop.url("/orders/list"), q.query_string(1)));
    let body = html! {
        p.actions {
            a.button href=(shop.url("/orders/new")) { "New order" } " " a.go href=(export) { "Export CSV" }
            " " (sound_switch())
        }
        (notice(paid.as_deref()))
        (filters(&shop, &q))
        div data-live-src=[live] data-live-kind="order" { (list) }
    };
    Ok(page(&shop, Nav::Orders, "Orders", body).into_response())
}

/// The list alone, for the page to refresh when orders change.
pub async fn list_fragment(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ListQuery>,
) -> AppResult<Markup> {
    let filter = q.filter(&shop)?;
    list(&state, &shop, &q, filter, 1).await
}

async fn list(
    state: &AppState,
    shop: &ShopPage,
    q: &ListQuery,
    filter: store::Filter,
    current: i64,
) -> AppResult<Markup> {
    let id = shop.business.id;
    let (orders, total, dues) = state
        .db
        .read(move |c| {
            let (orders, total) =
                store::list_with(c, id, &filter, (current, PER_PAGE), store::Detail::Lines)?;
            let dues = web_payments::dues(c, &orders)?;
            Ok((orders, total, dues))
        })
        .await?;
    let pages = total.pages(PER_PAGE);
    // Each row's payment form returns to this page: one query string for all of them.
    let here = q.query_string(current);
    Ok(html! {
        @if orders.is_empty() && current > 1 && total.count > 0 {
            // Paying the last order of the last page of a filter ("unpaid") empties that page.
            div.empty { p { "This page is past the end of the list. "
                a.go href={ "?" (q.query_string(pages.max(1))) } { "Go to the last page" } } }
        } @else if orders.is_empty() {
            div.empty { p { "No orders match." } }
        } @else {
            table.orders {
                thead { tr { th { "Order" } th { "Placed" } th { "Customer" } th { "Items" } th { "For" } th.num { "Total" } th { "Status" } th { "Payment" } } }
                tbody {
                    @for o in &orders {
                        tr {
                            td.order { a.row-link href=(shop.url(&format!("/orders/{}", o.number))) { "#" (o.number) } br; span.muted { (o.channel.label()) } }
                            td.when { (shop.business.local_time(o.created_at)) }
                            td.customer { (o.customer.name) br; span.muted.tel { (o.customer.phone.readable()) } }
                            td.items { (items_summary(o)) }
                            td.for { (o.fulfilment.label()) @if let Some(d) = o.deliver_on { br; span.muted { (day_label(d)) } } }
                            td.num { (money(shop, o.total)) }
                            td.state { (order_badge(o)) }
                            (web_payments::list_cell(shop, o, dues.get(&o.id).copied(), &here))
                        }
                    }
                }
            }
            nav.pager {
                @if current > 1 { a href={ "?" (q.query_string(current - 1)) } { "← Newer" } }
                span.muted { (pager_label(current, pages, total)) }
                @if current < pages || (total.capped && orders.len() as i64 == PER_PAGE) {
                    a href={ "?" (q.query_string(current + 1)) } { "Older →" }
                }
            }
        }
    })
}

/// "Page 2 of 40 · 1,000 orders"; past the count's cap, "Page 2 · 10,000+ orders".
pub fn pager_label(current: i64, pages: i64, total: store::Total) -> String {
    if total.capped {
        format!("Page {current} · {}+ orders", thousands(total.count))
    } else {
        format!(
            "Page {current} of {} · {} {}",
            pages.max(1),
            thousands(total.count),
            plural::noun(total.count, "order", "orders")
        )
    }
}

/// A day an order is wanted, as a person reads it: "Tue 1 Dec 2026".
fn day_label(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// The totals' delivery row: the fee, or "Pickup" where there is none to pay.
pub fn fee_row(shop: &ShopPage, colspan: u8, how: Fulfilment, fee: Money) -> Markup {
    html! {
        @match how {
            Fulfilment::Delivery => tr { td colspan=(colspan) { "Delivery" } td.num { (money(shop, fee)) } },
            Fulfilment::Pickup => tr { td colspan=(colspan) { "Pickup" } td.num { "no delivery fee" } },
        }
    }
}

fn items_summary(o: &Order) -> String {
    o.lines
        .iter()
        .map(|l| format!("{} {}", l.name, l.amount_label()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn export_csv(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = q.filter(&shop)?;
    let business = shop.business.clone();
    let bytes = state
        .db
        .read(move |c| {
            let orders = all(c, business.id, &filter)?;
            let mut out = Vec::new();
            write_csv(&orders, &business, &mut out)?;
            Ok(out)
        })
        .await?;
    let what = format!("orders CSV ({} bytes)", bytes.len());
    crate::web::audit::note(&state, &shop, crate::audit::EXPORT, what).await?;
    let name = format!(
        "attachment; filename=\"orders-{}.csv\"",
        shop.business.short_code
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct Flash {
    done: Option<String>,
}

/// One order's page as loaded: the order, its response times, the lines of the customer's
/// messages that were not read for sure, and the catalog to say what those are.
pub struct Shown {
    pub order: Order,
    pub times: OrderTimes,
    pub unread: Vec<Unread>,
    pub catalog: Vec<Product>,
    /// An unread line whose "This is …" form was refused, and why.
    pub wrong: Option<(i64, String)>,
    /// The last status change, while it can still be undone.
    pub undo: Option<undo::Offer>,
    /// Its payments, what is due, and the payment or refund form that was refused, and why.
    pub money: payments::Summary,
    pub pay_wrong: Option<web_payments::Refused>,
    /// Settings names a network printer: the order page offers to print on it.
    pub has_printer: bool,
    /// Razorpay's flags on the order, what can be refunded through it, and a refused refund.
    pub razorpay: web_payments::razorpay::OnOrder,
}

pub async fn load(state: &AppState, shop: &ShopPage, number: i64) -> AppResult<Shown> {
    let id = shop.business.id;
    let window = state.config.undo_seconds;
    state
        .db
        .read(move |c| {
            let order = store::by_number(c, id, number)?.ok_or(AppError::NotFound)?;
            let times = store::times(c, order.id)?;
            let money = payments::summary(c, &order)?;
            let unread = unread_lines::of_order(c, id, order.id)?;
            // The "This is …" forms need the catalog; most orders have nothing to ask.
            let open = unread.iter().any(|u| u.answered.is_none());
            let catalog = if open {
                products::on_sale(c, id)?
            } else {
                Vec::new()
            };
            let undo = undo::offer(&order, crate::db::now(), window);
            let has_printer = !crate::printing::load(c, id)?.printer.is_empty();
            let razorpay = web_payments::razorpay::on_order(c, id, &order)?;
            Ok(Shown {
                razorpay,
                undo,
                order,
                times,
                unread,
                catalog,
                wrong: None,
                money,
                pay_wrong: None,
                has_printer,
            })
        })
        .await
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Query(f): Query<Flash>,
) -> AppResult<Markup> {
    let shown = load(&state, &shop, number).await?;
    let done = f.done.as_deref().map(|d| match d {
        "undone" => "Undone.",
        _ => "Saved.",
    });
    Ok(order_page(&shop, &shown, done, None))
}

pub fn order_page(shop: &ShopPage, s: &Shown, done: Option<&str>, error: Option<&str>) -> Markup {
    let (o, times) = (&s.order, &s.times);
    let title = format!("Order #{}", o.number);
    let base = shop.url(&format!("/orders/{}", o.number));
    let body = html! {
        (notice(done))
        (error_box(error))
        @if let Some(offer) = &s.undo { (undo::offer_box(shop, &base, offer)) }
        p { (order_badge(o)) " " span.muted { (o.channel.label()) " · placed " (shop.business.local_time(o.created_at)) } }
        div.actions.status-actions {
            @for next in o.status.next() {
                form.inline method="post" action={ (base) "/status" }
                    data-confirm=[(next == Status::Cancelled).then_some("Cancel this order and put its stock back?")] {
                    (csrf_field(&shop.csrf))
                    input type="hidden" name="status" value=(next.as_str());
                    button class={ @if next == Status::Cancelled { "danger" } } type="submit" {
                        @if next == Status::Cancelled { "Cancel order" } @else { "Mark " (next.label_for(o.fulfilment).to_lowercase()) }
                    }
                }
            }
            @if o.status.can_edit_lines() { a.button.secondary href={ (base) "/edit" } { "Edit lines" } }
        }
        div.actions.print-actions { (crate::web::print::buttons(shop, o.number, s.has_printer)) }
        section.cards {
            div.card {
                h2 { "Customer" }
                dl {
                    dt { "Name" } dd { a.go href=(shop.url(&format!("/customers/{}", o.customer.id))) { (o.customer.name) } }
                    // A tap calls the customer from the owner's phone.
                    dt { "Phone" } dd { a.go href={ "tel:+" (o.customer.phone) } { (o.customer.phone.readable()) } }
                    dt { "Address" } dd { (o.address) }
                    dt { "Notes" } dd { (o.notes) }
                    dt { "Payment" } dd { (payment_label(o)) }
                    dt { "Delivery or pickup" } dd { (o.fulfilment.label()) }
                    dt { "Wanted on" } dd { (o.deliver_on.map(day_label).unwrap_or_else(|| "any day".into())) }
                }
            }
            div.card { h2 { "Timeline" } (timeline(shop, o)) }
            div.card { h2 { "Response times" } (response_times(o, times)) }
        }
        (web_payments::section(shop, s))
        (web_payments::razorpay::section(shop, o, &s.razorpay))
        h2 { "Lines" }
        (lines_table(shop, o))
        (unread::section(shop, s))
    };
    page(shop, Nav::Orders, &title, body)
}

fn lines_table(shop: &ShopPage, o: &Order) -> Markup {
    html! {
        table.lines {
            thead { tr { th { "Item" } th { "Amount" } th.num { "Price" } th.num { "Total" } } }
            tbody {
                @for l in &o.lines {
                    tr {
                        td {
                            (l.name) br; span.muted { (l.sku) }
                            @if let Some(said) = &l.said { br; span.muted.said { "Customer wrote “" (said.words) "”" } }
                        }
                        td { (l.amount_label()) }
                        td.num { (money(shop, l.unit_price)) span.unit { (unit_suffix(l)) } }
                        td.num { (money(shop, l.total)) }
                    }
                }
            }
            tfoot {
                tr { td colspan="3" { "Subtotal" } td.num { (money(shop, o.subtotal)) } }
                (fee_row(shop, 3, o.fulfilment, o.delivery_fee))
                tr.total { td colspan="3" { "Total" } td.num { (money(shop, o.total)) } }
            }
        }
    }
}

/// "Cash · Partly paid", as a person reads it.
fn payment_label(o: &Order) -> String {
    format!("{} · {}", o.payment_mode.label(), o.payment_status.label())
}

fn unit_suffix(l: &Line) -> &'static str {
    match (&l.variant, l.unit) {
        (Some(_), _) => " each",
        (None, crate::domain::Unit::Kg) => " /kg",
        (None, crate::domain::Unit::Pc) => " /pc",
    }
}

/// How long each step took: from the customer's first message for a WhatsApp order, from
/// the moment it was taken otherwise.
fn response_times(o: &Order, t: &OrderTimes) -> Markup {
    let start = t.first_message_ms.unwrap_or(o.created_at * 1000);
    let since = if t.first_message_ms.is_some() {
        "the customer's first message"
    } else {
        "when the order was taken"
    };
    html! {
        dl {
            @if let (Some(m), Some(r)) = (t.first_message_ms, t.first_reply_ms) {
                dt { "First reply after" } dd { (duration(r - m)) }
            }
            @if let (Some(m), Some(c)) = (t.first_message_ms, t.confirmed_ms) {
                dt { "Confirmed by the customer after" } dd { (duration(c - m)) }
            }
            @for e in o.events.iter().filter(|e| e.kind == "status") {
                @if let Some(to) = e.to_status {
                    dt { (to.label_for(o.fulfilment)) " after" } dd { (duration(e.created_at * 1000 - start)) }
                }
            }
        }
        p.muted { "Counted from " (since) "." }
    }
}

/// The channel an order was taken through, in the list's words, from its first timeline entry
/// ("via manual", as stored since the first release): " · Taken by staff".
fn taken_how(note: &str) -> String {
    match note.strip_prefix("via ") {
        Some(code) => format!(" · {}", Channel::label_of(code)),
        None if note.is_empty() => String::new(),
        None => format!(" {note}"),
    }
}

fn timeline(shop: &ShopPage, o: &Order) -> Markup {
    html! {
        ol.timeline {
            @for e in &o.events {
                li {
                    span.muted { (shop.business.local_time(e.created_at)) } " "
                    @match (e.kind.as_str(), e.from_status, e.to_status) {
                        ("created", _, _) => { "Order taken" (taken_how(&e.note)) },
                        ("status", Some(f), Some(t)) => { (f.label_for(o.fulfilment)) " → " (t.label_for(o.fulfilment)) },
                        _ => { (e.note) },
                    }
                    " · " (e.actor)
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

pub async fn update_status(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, number)): Path<(String, i64)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let to: Status = f.status.parse().map_err(AppError::Invalid)?;
    let (business, actor) = (shop.business.clone(), shop.user.username.clone());
    let hold = i64::from(state.config.undo_seconds);
    let tracker = state.tracker.clone();
    let result = state
        .db
        .write(move |tx| {
            notify::change_status_undoably(tx, &business, number, to, &actor, hold, Some(&tracker))
        })
        .await;
    match result {
        Ok(o) => {
            state.bridge.live.order(shop.business.id, o.number, false);
            // The customer's status message is in the outbox now (held while it can be undone).
            state.bridge.wake_sender();
            Ok(Redirect::to(&shop.url(&format!("/orders/{}?done=1", o.number))).into_response())
        }
        Err(OrderError::BadMove(refused)) => {
            let shown = load(&state, &shop, number).await?;
            let why = refused.to_string();
            Ok((
                StatusCode::CONFLICT,
                order_page(&shop, &shown, None, Some(&why)),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::pager_label;
    use crate::orders::store::Total;

    #[test]
    fn the_pager_counts_orders_in_words() {
        let total = |count, capped| Total { count, capped };
        assert_eq!(pager_label(1, 1, total(1, false)), "Page 1 of 1 · 1 order");
        assert_eq!(pager_label(1, 0, total(0, false)), "Page 1 of 1 · 0 orders");
        assert_eq!(
            pager_label(2, 40, total(1_000, false)),
            "Page 2 of 40 · 1,000 orders"
        );
        assert_eq!(
            pager_label(2, 400, total(10_000, true)),
            "Page 2 · 10,000+ orders"
        );
    }
}
