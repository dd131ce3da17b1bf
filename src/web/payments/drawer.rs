//! The end-of-day drawer (`/b/{code}/drawer?date=YYYY-MM-DD`, today by default): cash and UPI
//! collected per staff member, refunds, and the totals, so the drawer can be counted.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::domain::Money;
use crate::error::AppResult;
use crate::payments::drawer::{self, Drawer, Line};
use crate::web::extract::ShopPage;
use crate::web::layout::{page, Nav};
use crate::web::orders::money;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct DayQuery {
    #[serde(default)]
    date: String,
}

fn day_form(shop: &ShopPage, date: &str, error: Option<&str>) -> Markup {
    html! {
        form.filters method="get" action=(shop.url("/drawer")) {
            label {
                span { "Day" }
                input type="date" name="date" value=(date)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "date-error")];
                @if let Some(m) = error { small.field-error id="date-error" { (m) } }
            }
            button type="submit" { "Show" }
        }
    }
}

fn row(shop: &ShopPage, l: &Line, head: bool) -> Markup {
    let m = |v: Money| money(shop, v);
    // No staff member recorded it: a customer paid through Razorpay, or an API token did.
    let who = l.who.as_deref().unwrap_or("Online and API");
    html! {
        tr.total[head] {
            // The labels head each amount on a phone, where the table's header is not shown.
            td { (who) }
            td.num data-label="Cash" { (m(l.cash)) }
            td.num data-label="UPI" { (m(l.upi)) }
            td.num data-label="Razorpay" { (m(l.razorpay)) }
            td.num data-label="Refunds" { (m(l.refunds)) }
            td.num data-label="Cash in drawer" { strong { (m(l.cash_in_drawer())) } }
        }
    }
}

fn table(shop: &ShopPage, d: &Drawer) -> Markup {
    html! {
        @if d.lines.is_empty() {
            div.empty { p { "No payments or refunds were recorded on this day." } }
        } @else {
            table.lines.drawer {
                thead { tr { th { "Staff" } th.num { "Cash" } th.num { "UPI" } th.num { "Razorpay" } th.num { "Refunds" } th.num { "Cash in drawer" } } }
                tbody { @for l in &d.lines { (row(shop, l, false)) } }
                tfoot { (row(shop, &Line { who: Some("Total".into()), ..d.total.clone() }, true)) }
            }
            p.muted { "Cash in drawer is cash collected less cash given back. Refunds count every way of paying back." }
        }
    }
}

/// `GET /b/{code}/drawer`: one day's money in, per staff member; a bad date is said beside it.
pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<DayQuery>,
) -> AppResult<Response> {
    let text = q.date.trim();
    let day = match text {
        "" => Ok(drawer::today(&shop.business)),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| format!("\"{t}\" is not a date of the form YYYY-MM-DD")),
    };
    let day = match day {
        Ok(d) => d,
        Err(m) => {
            let body = day_form(&shop, text, Some(&m));
            let page = page(&shop, Nav::More, "Drawer", body);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let business = shop.business.clone();
    let d = state
        .db
        .read(move |c| drawer::drawer(c, &business, day))
        .await?;
    let date = day.format("%Y-%m-%d").to_string();
    let title = format!("Drawer · {}", day.format("%a %-d %b %Y"));
    let body = html! {
        (day_form(&shop, &date, None))
        (table(&shop, &d))
    };
    Ok(page(&shop, Nav::More, &title, body).into_response())
}
