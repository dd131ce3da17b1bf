//! Console → Orders: every business's orders, newest first, filtered by business, status and
//! day (UTC), 50 a page by keyset so the last page of a large book is as quick as the first.

use axum::extract::{Query, State};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::{console, require_admin};
use crate::accounts::businesses;
use crate::domain::money::Money;
use crate::error::AppResult;
use crate::orders::across::{self, Filter, Row};
use crate::orders::status::Status;
use crate::web::audit::utc;
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::web::layout::error_box;
use crate::AppState;

const HERE: &str = "/admin/orders";
const PER_PAGE: i64 = 50;

/// The filter as the form sends it; empty fields are "any".
#[derive(Deserialize, Default, Clone)]
pub struct Query_ {
    #[serde(default)]
    business: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// The last row shown: `created_at.id`.
    #[serde(default)]
    after: String,
}

/// A `YYYY-MM-DD` day as its first second (UTC); `None` when empty, an error when unreadable.
fn day(input: &str, what: &str) -> Result<Option<i64>, String> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc().timestamp()))
        .ok_or_else(|| format!("{what} must be a date like 2026-03-31"))
}

/// The filter, or what is wrong with the query.
fn filter(q: &Query_, codes: &[(i64, String)]) -> Result<Filter, String> {
    let business_id = match q.business.trim() {
        "" => None,
        code => Some(
            codes
                .iter()
                .find(|(_, c)| c == code)
                .map(|(id, _)| *id)
                .ok_or_else(|| format!("no business with short code \"{code}\""))?,
        ),
    };
    let status = match q.status.trim() {
        "" => None,
        s => Some(
            s.parse::<Status>()
                .map_err(|_| format!("unknown status \"{s}\""))?,
        ),
    };
    let after = q
        .after
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    Ok(Filter {
        business_id,
        status,
        from: day(&q.from, "From")?,
        // "To" is the last day shown, so the range ends when the next day begins.
        to: day(&q.to, "To")?.map(|t| t + 86_400),
        after,
    })
}

fn form(q: &Query_, codes: &[(i64, String)]) -> Markup {
    html! {
        form.filters method="get" action=(HERE) {
            label { span { "Business" }
                select name="business" {
                    option value="" { "All" }
                    @for (_, c) in codes { option value=(c) selected[*c == q.business] { (c) } }
                }
            }
            label { span { "Status" }
                select name="status" {
                    option value="" { "Any" }
                    @for s in Status::ALL { option value=(s.as_str()) selected[s.as_str() == q.status] { (s.label()) } }
                }
            }
            label { span { "From (UTC)" } input type="date" name="from" value=(q.from); }
            label { span { "To (UTC)" } input type="date" name="to" value=(q.to); }
            button type="submit" { "Show" }
        }
    }
}

fn table(rows: &[Row]) -> Markup {
    html! {
        table.stacked.all-orders {
            thead { tr { th { "Order" } th { "Business" } th { "Customer" } th { "Status" } th.num { "Total" } th { "Placed (UTC)" } } }
            tbody {
                @for o in rows {
                    tr {
                        td data-label="Order" { a href={ "/b/" (o.business_code) "/orders/" (o.number) } { "#" (o.number) } }
                        td data-label="Business" { (o.business_code) }
                        td data-label="Customer" { (o.customer) }
                        td data-label="Status" { span class={ "status status-" (o.status) } { (o.status.replace('_', " ")) } }
                        td.num data-label="Total" { (Money::from_minor(o.total_minor).format(&o.currency)) }
                        td data-label="Placed (UTC)" { (utc(o.created_at)) " · " (crate::orders::Channel::label_of(&o.channel)) }
                    }
                }
            }
        }
    }
}

/// The link to the next page: the same filter, after the last row shown.
fn next_link(q: &Query_, rows: &[Row]) -> Option<String> {
    let last = rows.last().filter(|_| rows.len() as i64 == PER_PAGE)?;
    let mut next = q.clone();
    next.after = format!("{}.{}", last.created_at, last.id);
    let query = serde_urlencoded::to_string([
        ("business", &next.business),
        ("status", &next.status),
        ("from", &next.from),
        ("to", &next.to),
        ("after", &next.after),
    ])
    .ok()?;
    Some(format!("{HERE}?{query}"))
}

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<Query_>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    let codes: Vec<(i64, String)> = state
        .db
        .read(businesses::list)
        .await?
        .into_iter()
        .map(|b| (b.id, b.short_code))
        .collect();
    let (rows, error) = match filter(&q, &codes) {
        Ok(f) => (
            state
                .db
                .read(move |c| across::page(c, &f, PER_PAGE))
                .await?,
            None,
        ),
        Err(e) => (Vec::new(), Some(e)),
    };
    let body = html! {
        (form(&q, &codes))
        (error_box(error.as_deref()))
        @if rows.is_empty() && error.is_none() { p.empty { "No orders match." } }
        @if !rows.is_empty() { (table(&rows)) }
        @if let Some(href) = next_link(&q, &rows) { p.pager { a href=(href) { "Older orders" } } }
    };
    Ok(console(HERE, "All orders", &user, &csrf.0, body))
}
