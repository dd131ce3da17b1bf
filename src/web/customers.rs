//! Customers in the owner UI: a searchable list, and one customer's page with their
//! addresses, notes and orders.

use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{csrf_field, notice, page, Nav};
use super::orders::{money, status_badge};
use crate::customers::{self, Customer};
use crate::error::{AppError, AppResult};
use crate::orders::store::{self, Filter};
use crate::orders::Order;
use crate::web::extract::ShopPage;
use crate::AppState;

const PER_PAGE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub async fn index(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(query): Query<ListQuery>,
) -> AppResult<Markup> {
    let current = query.page.unwrap_or(1).max(1);
    let (id, q) = (shop.business.id, query.q.clone());
    let (rows, total) = state
        .db
        .read(move |c| customers::list(c, id, &q, current, PER_PAGE))
        .await?;
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    let link = |p: i64| {
        format!(
            "?{}",
            serde_urlencoded::to_string([("q", query.q.as_str()), ("page", &p.to_string())])
                .unwrap_or_default()
        )
    };
    Ok(page(
        &shop,
        Nav::Customers,
        "Customers",
        html! {
            form.filters method="get" action=(shop.url("/customers")) {
                label.grow { span { "Search" } input type="search" name="q" value=(query.q) placeholder="Name or phone"; }
                button type="submit" { "Search" }
            }
            @if rows.is_empty() {
                div.empty { p { "No customers yet. Everyone who orders is filed here by their WhatsApp number." } }
            } @else {
                table.customers {
                    thead { tr { th { "Name" } th { "Phone" } th.num { "Orders" } th.num { "Spent" } th { "Last order" } } }
                    tbody {
                        @for c in &rows {
                            tr {
                                td.name { a.row-link href=(shop.url(&format!("/customers/{}", c.id))) { @if c.name.is_empty() { "(no name)" } @else { (c.name) } } }
                                td.phone { (c.phone) }
                                td.num data-label="Orders" { (c.order_count) }
                                td.num.spent { (money(&shop, c.total_spent)) }
                                td.last data-label="Last order" { (c.last_order_at.map(|t| shop.business.local_time(t)).unwrap_or_default()) }
                            }
                        }
                    }
                }
                nav.pager {
                    @if current > 1 { a href=(link(current - 1)) { "← Previous" } }
                    span.muted { "Page " (current) " of " (pages.max(1)) " · " (total) " customers" }
                    @if current < pages { a href=(link(current + 1)) { "Next →" } }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct Flash {
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Query(flash): Query<Flash>,
) -> AppResult<Markup> {
    let bid = shop.business.id;
    let (c, orders) = state
        .db
        .read(move |conn| {
            let c = customers::by_id(conn, bid, id)?.ok_or(AppError::NotFound)?;
            let f = Filter {
                customer_id: Some(c.id),
                ..Default::default()
            };
            let (orders, _) = store::list(conn, bid, &f, 1, 100)?;
            Ok((c, orders))
        })
        .await?;
    let title = if c.name.is_empty() {
        c.phone.to_string()
    } else {
        c.name.clone()
    };
    let body = html! {
        (notice(flash.saved.as_deref().map(|_| "Saved.")))
        (details(&shop, &c))
        h2 { "Orders" }
        (orders_table(&shop, &orders))
    };
    Ok(page(&shop, Nav::Customers, &title, body))
}

/// Who the customer is, where they have had orders sent, and the shop's notes on them.
fn details(shop: &ShopPage, c: &Customer) -> Markup {
    html! {
        section.cards {
            div.card {
                h2 { "Details" }
                dl {
                    dt { "WhatsApp" } dd { (c.phone) }
                    dt { "Orders" } dd { (c.order_count) }
                    dt { "Spent" } dd { (money(shop, c.total_spent)) }
                    dt { "Customer since" } dd { (shop.business.local_time(c.created_at)) }
                }
                h2 { "Addresses" }
                @if c.addresses.is_empty() { p.muted { "None yet." } }
                ul { @for a in &c.addresses { li { (a) } } }
            }
            div.card {
                h2 { "Notes" }
                form.stack method="post" action=(shop.url(&format!("/customers/{}/notes", c.id))) {
                    (csrf_field(&shop.csrf))
                    textarea name="notes" rows="4" aria-label="notes" { (c.notes) }
                    button type="submit" { "Save notes" }
                }
            }
        }
    }
}

fn orders_table(shop: &ShopPage, orders: &[Order]) -> Markup {
    html! {
        table.orders {
            thead { tr { th { "Order" } th { "Placed" } th.num { "Total" } th { "Status" } } }
            tbody {
                @for o in orders {
                    tr {
                        td.order { a.row-link href=(shop.url(&format!("/orders/{}", o.number))) { "#" (o.number) } }
                        td.when { (shop.business.local_time(o.created_at)) }
                        td.num { (money(shop, o.total)) }
                        td.state { (status_badge(o.status)) }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NotesForm {
    notes: String,
}

pub async fn save_notes(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<NotesForm>,
) -> AppResult<Redirect> {
    let bid = shop.business.id;
    state
        .db
        .write(move |tx| {
            customers::by_id(tx, bid, id)?.ok_or(AppError::NotFound)?;
            customers::set_notes(tx, bid, id, &f.notes)
        })
        .await?;
    Ok(Redirect::to(&shop.url(&format!("/customers/{id}?saved=1"))))
}
