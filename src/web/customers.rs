//! Customers in the owner UI: a searchable list, and one customer's page with their
//! addresses, notes and orders.

use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::{Form, Json};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;

use super::format::thousands;
use super::layout::{csrf_field, field_with_error, notice, page, Nav, LINES};
use super::orders::{money, pager_label, status_badge};
use crate::customers::{self, Customer};
use crate::domain::limits::MAX_ADDRESS;
use crate::domain::Phone;
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
    /// Read as text, so that one which is not a number gets a clear refusal (`page_number`).
    page: Option<String>,
}

/// What an empty page of the list says: a shop with no customers yet, a search that found no
/// one, or a page past the last.
fn empty_list(q: &str, total: i64, first: &str) -> Markup {
    if total > 0 {
        return html! { "No customers on this page. " a href=(first) { "Back to the first page" } };
    }
    if q.trim().is_empty() {
        return html! { "No customers yet. Everyone who orders is filed here by their WhatsApp number." };
    }
    html! { "No customers match “" (q.trim()) "”." }
}

pub async fn index(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(query): Query<ListQuery>,
) -> AppResult<Markup> {
    let current = crate::web::extract::page_number(query.page.as_deref())?;
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
                div.empty { p { (empty_list(&query.q, total, &link(1))) } }
            } @else {
                table.customers {
                    thead { tr { th { "Name" } th { "Phone" } th.num { "Orders" } th.num { "Spent" } th { "Last order" } } }
                    tbody {
                        @for c in &rows {
                            tr {
                                td.name { a.row-link href=(shop.url(&format!("/customers/{}", c.id))) { @if c.name.is_empty() { "(no name)" } @else { (c.name) } } }
                                td.phone { (c.phone.readable()) }
                                td.num data-label="Orders" { (c.order_count) }
                                td.num.spent { (money(&shop, c.total_spent)) }
                                td.last data-label="Last order" { (c.last_order_at.map(|t| shop.business.local_time(t)).unwrap_or_default()) }
                            }
                        }
                    }
                }
                nav.pager {
                    @if current > 1 { a href=(link(current - 1)) { "← Previous" } }
                    span.muted { "Page " (current) " of " (pages.max(1)) " · " (crate::domain::plural::count(total, "customer", "customers")) }
                    @if current < pages { a href=(link(current + 1)) { "Next →" } }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct Lookup {
    #[serde(default)]
    phone: String,
}

/// A known customer by number, for the order form to fill in: `{"name","address"}` (their
/// latest address), or `null` for a number not on file (or not a number): no customer is not
/// an error, so the browser logs none.
pub async fn lookup(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<Lookup>,
) -> AppResult<Json<serde_json::Value>> {
    let Ok(phone) = Phone::parse(&q.phone, &shop.business.country_code) else {
        return Ok(Json(serde_json::Value::Null));
    };
    let bid = shop.business.id;
    let known = state
        .db
        .read(move |conn| customers::by_phone(conn, bid, &phone))
        .await?;
    Ok(Json(known.map_or(serde_json::Value::Null, |c| {
        let address = c.addresses.first().cloned().unwrap_or_default();
        json!({ "name": c.name, "address": address })
    })))
}

#[derive(Deserialize)]
pub struct Flash {
    saved: Option<String>,
    /// The page of the customer's orders, newest first; read as text for a clear refusal.
    page: Option<String>,
}

/// A customer's orders shown a page at a time: a regular's years of orders are not all read to
/// show the newest.
const ORDERS_PER_PAGE: i64 = 25;

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Query(flash): Query<Flash>,
) -> AppResult<Markup> {
    let bid = shop.business.id;
    let current = crate::web::extract::page_number(flash.page.as_deref())?;
    let (c, orders, total) = state
        .db
        .read(move |conn| {
            let c = customers::by_id(conn, bid, id)?.ok_or(AppError::NotFound)?;
            let f = Filter {
                customer_id: Some(c.id),
                ..Default::default()
            };
            let page = (current, ORDERS_PER_PAGE);
            let (orders, total) = store::list_with(conn, bid, &f, page, store::Detail::Row)?;
            Ok((c, orders, total))
        })
        .await?;
    let title = if c.name.is_empty() {
        c.phone.readable()
    } else {
        c.name.clone()
    };
    let body = html! {
        (notice(flash.saved.as_deref().map(|_| "Saved.")))
        (details(&shop, &c, total))
        h2 { "Orders" }
        @if orders.is_empty() && current == 1 {
            p.muted { "No orders yet." }
        } @else {
            (orders_table(&shop, &orders))
            (pager(current, total))
        }
    };
    Ok(page(&shop, Nav::Customers, &title, body))
}

/// Who the customer is, where they have had orders sent, and the shop's notes on them. Their
/// orders are counted without the cancelled ones, as on the customer list; those are said
/// beside, so the figure agrees with the pager's count of every order (`all`).
fn details(shop: &ShopPage, c: &Customer, all: store::Total) -> Markup {
    let cancelled = (!all.capped)
        .then(|| all.count - c.order_count)
        .filter(|n| *n > 0);
    html! {
        section.cards {
            div.card {
                h2 { "Details" }
                dl {
                    dt { "WhatsApp" } dd { (c.phone.readable()) }
                    dt { "Orders" } dd {
                        (thousands(c.order_count))
                        @if let Some(n) = cancelled { span.muted { " · " (thousands(n)) " cancelled" } }
                    }
                    dt { "Spent" } dd { (money(shop, c.total_spent)) }
                    dt { "Customer since" } dd { (shop.business.local_time(c.created_at)) }
                }
                h2 { "Addresses" }
                @if c.addresses.is_empty() { p.muted { "None yet." } }
                ul { @for a in &c.addresses { li { (a) } } }
            }
            div.card { (edit_form(shop, c, &Edit::of(c), &[])) }
        }
    }
}

/// The details staff keep, as shown in the edit form.
pub struct Edit {
    name: String,
    address: String,
    notes: String,
}

impl Edit {
    fn of(c: &Customer) -> Self {
        Edit {
            name: c.name.clone(),
            address: c.addresses.first().cloned().unwrap_or_default(),
            notes: c.notes.clone(),
        }
    }

    /// A fingerprint of these details: the form carries the stored ones', so a save from a
    /// page opened before someone else's save (which it would undo) is known.
    fn version(&self) -> String {
        crate::secret::fingerprint(&format!("{:?}", (&self.name, &self.address, &self.notes)))
    }
}

/// Said when the edit form was opened before someone else saved the customer.
const STALE: &str = "Someone saved this customer after this page was opened, so nothing was \
                     saved. Their details are shown as they are now: make your change again.";

/// Name, latest address and notes, with what is wrong beside its field.
fn edit_form(shop: &ShopPage, c: &Customer, e: &Edit, wrong: &[(&str, String)]) -> Markup {
    let error = |field: &str| wrong.iter().find(|w| w.0 == field).map(|w| w.1.as_str());
    html! {
        h2 { "Edit" }
        form.stack method="post" action=(shop.url(&format!("/customers/{}", c.id))) {
            (csrf_field(&shop.csrf))
            input type="hidden" name="seen" value=(Edit::of(c).version());
            @if let Some(m) = error("seen") { p.error role="alert" { (m) } }
            (field_with_error("Name", "name", "text", &e.name, error("name")))
            (field_with_error("Delivery address (becomes the latest)", "address", LINES, &e.address, error("address")))
            label { span { "Notes" }
                textarea name="notes" rows="4" aria-invalid=[error("notes").map(|_| "true")]
                    aria-describedby=[error("notes").map(|_| "notes-error")] { (e.notes) }
                @if let Some(m) = error("notes") { small.field-error id="notes-error" { (m) } }
            }
            button type="submit" { "Save" }
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
                        td.state { (status_badge(o.status, o.fulfilment)) }
                    }
                }
            }
        }
    }
}

/// Newer and older pages of a customer's orders.
fn pager(current: i64, total: store::Total) -> Markup {
    let pages = total.pages(ORDERS_PER_PAGE);
    let more = current < pages || total.capped;
    html! {
        nav.pager {
            @if current > 1 { a href={ "?page=" (current - 1) } { "← Newer" } }
            span.muted { (pager_label(current, pages, total)) }
            @if more { a href={ "?page=" (current + 1) } { "Older →" } }
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
    let check = EditForm {
        name: String::new(),
        address: String::new(),
        notes: f.notes.clone(),
        seen: String::new(),
    };
    if let Some((_, why)) = problems(&check).pop() {
        return Err(AppError::Invalid(format!("notes: {why}")));
    }
    state
        .db
        .write(move |tx| {
            customers::by_id(tx, bid, id)?.ok_or(AppError::NotFound)?;
            customers::set_notes(tx, bid, id, &f.notes)
        })
        .await?;
    Ok(Redirect::to(&shop.url(&format!("/customers/{id}?saved=1"))))
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    notes: String,
    /// [`Edit::version`] of the details when the form was opened.
    #[serde(default)]
    seen: String,
}

/// Every field that is wrong, and why: too long, or holding a control character (a line
/// break only in the notes and the address: an address taken with an order, through the API,
/// may have lines, and a form that refused it would refuse every save of the customer).
fn problems(f: &EditForm) -> Vec<(&'static str, String)> {
    [
        ("name", &f.name, 100),
        ("address", &f.address, MAX_ADDRESS),
        ("notes", &f.notes, 2000),
    ]
    .into_iter()
    .filter_map(|(field, v, max)| {
        let v = v.trim();
        let lines_ok = field != "name";
        if v.chars().count() > max {
            Some((field, format!("at most {max} characters")))
        } else if v
            .chars()
            .any(|c| c.is_control() && !(lines_ok && matches!(c, '\n' | '\r' | '\t')))
        {
            Some((
                field,
                "cannot hold control characters or line breaks".to_owned(),
            ))
        } else {
            None
        }
    })
    .collect()
}

/// Saves name, address and notes; a field too long comes back beside it and nothing changes.
pub async fn update(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<EditForm>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let bid = shop.business.id;
    let c = state
        .db
        .read(move |conn| customers::by_id(conn, bid, id)?.ok_or(AppError::NotFound))
        .await?;
    let wrong = problems(&f);
    if !wrong.is_empty() {
        let e = Edit {
            name: f.name,
            address: f.address,
            notes: f.notes,
        };
        let body = html! { section.card { (edit_form(&shop, &c, &e, &wrong)) } };
        let page = page(&shop, Nav::Customers, "Edit customer", body);
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let saved = state
        .db
        .write(move |tx| {
            let now = customers::by_id(tx, bid, id)?.ok_or(AppError::NotFound)?;
            if !f.seen.is_empty() && f.seen != Edit::of(&now).version() {
                return Err(AppError::Conflict(STALE.into()));
            }
            customers::set_details(tx, bid, id, &f.name, &f.notes)?;
            customers::remember_address(tx, bid, id, &f.address)
        })
        .await;
    match saved {
        Ok(()) => Ok(Redirect::to(&shop.url(&format!("/customers/{id}?saved=1"))).into_response()),
        Err(AppError::Conflict(m)) => {
            let c = state
                .db
                .read(move |conn| customers::by_id(conn, bid, id)?.ok_or(AppError::NotFound))
                .await?;
            let wrong = [("seen", m)];
            let body = html! { section.card { (edit_form(&shop, &c, &Edit::of(&c), &wrong)) } };
            let page = page(&shop, Nav::Customers, "Edit customer", body);
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::empty_list;

    #[test]
    fn an_empty_list_says_whether_there_is_no_one_yet_no_match_or_no_such_page() {
        let said = |q: &str, total: i64| empty_list(q, total, "?q=&page=1").into_string();
        assert!(said("", 0).starts_with("No customers yet."));
        assert!(said("  ", 0).starts_with("No customers yet."));
        assert_eq!(said(" zz ", 0), "No customers match “zz”.");
        assert!(said("", 40).contains("No customers on this page."));
        assert!(said("ravi", 3).contains("href=\"?q=&amp;page=1\""));
    }
}
