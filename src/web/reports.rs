//! The reports page: sales for a period by day, by product or by category, each as a CSV
//! download; and the bot's history per day (messages, orders, reply time, uptime), charted.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use crate::domain::{format_amount, Money, Unit};
use crate::error::{AppError, AppResult};
use crate::reports::figures::today;
use crate::reports::sales::{sales, By, Row, Sales};
use crate::reports::Period;
use crate::web::charts::{columns, Bar, Chart};
use crate::web::dashboard::graphs::describe;
use crate::web::dashboard::picker::{picker, PeriodQuery};
use crate::web::extract::ShopPage;
use crate::web::format::duration;
use crate::web::layout::{page, Nav};
use crate::whatsapp::metrics::BotDay;
use crate::AppState;

#[derive(Deserialize, Default, Clone)]
pub struct ReportQuery {
    #[serde(flatten)]
    period: PeriodQuery,
    #[serde(default)]
    by: String,
}

impl ReportQuery {
    fn by(&self) -> AppResult<By> {
        if self.by.is_empty() {
            Ok(By::Day)
        } else {
            By::parse(&self.by)
        }
    }
}

async fn read(
    state: &AppState,
    shop: &ShopPage,
    p: Period,
    by: By,
) -> AppResult<(Sales, Vec<BotDay>)> {
    let (b, cache) = (shop.business.clone(), state.figures.clone());
    state
        .db
        .read(move |c| {
            let s = sales(c, &b, &p, by, Some(&cache))?;
            let key = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
            let bot = crate::whatsapp::metrics::days(c, b.id, &key(p.first), &key(p.last))?;
            Ok((s, bot))
        })
        .await
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let (p, by) = match (q.period.period(&shop.business), q.by()) {
        (Ok(p), Ok(by)) => (p, by),
        (Err(e), _) | (_, Err(AppError::Invalid(e))) => {
            let body = picker(&shop, "/reports", &q.period, None, Some(&e));
            let page = page(&shop, Nav::Dashboard, "Reports", body);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        (_, Err(e)) => return Err(e),
    };
    let (s, bot) = read(&state, &shop, p, by).await?;
    let query = |by: By| format!("{}&by={}", q.period.query_string(), by.key());
    let body = html! {
        (picker(&shop, "/reports", &q.period, Some(&p), None))
        section aria-labelledby="sales-h" {
            h2 #sales-h { "Sales" }
            nav.periods aria-label="Sales by" {
                @for b in [By::Day, By::Product, By::Category] {
                    a href={ "?" (query(b)) } aria-current=[(b == by).then_some("page")] { "By " (b.key()) }
                }
            }
            p { a.button href={ (shop.url("/reports/sales.csv")) "?" (query(by)) } { "Download CSV" } }
            (sales_table(&shop, &s))
            p.muted { "Orders that stand (not cancelled). By day: order totals with delivery fees; by product and category: the lines' totals." }
        }
        (bot_history(&shop, p, &bot))
    };
    Ok(page(&shop, Nav::Dashboard, "Reports", body).into_response())
}

fn sales_table(shop: &ShopPage, s: &Sales) -> Markup {
    let by_day = s.by == By::Day;
    let header = web_header(s.by);
    html! {
        div.table-scroll tabindex="0" role="region" aria-label="Sales" {
            // On a phone each row is a card, each figure under its column's name, rather than a
            // table to scroll sideways (even four columns by day did, with a lakh's takings).
            table.report.by-day[by_day].stacked {
                thead { tr { @for h in &header { th scope="col" { (h) } } } }
                tbody {
                    @for r in &s.rows {
                        tr {
                            @for (i, (cell, num)) in web_cells(s.by, r).into_iter().enumerate() {
                                td.num[num] data-label=(header[i]) { (cell) }
                            }
                            td.num data-label="sales" {
                                (Money::from_minor(r.sales_minor).format(&shop.business.currency))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The columns as the page shows them: the CSV's, but an amount reads as "66.5 kg" rather
/// than grams beside a unit column.
fn web_header(by: By) -> Vec<&'static str> {
    match by {
        By::Day => by.header().to_vec(),
        By::Product => vec!["sku", "product", "category", "quantity", "orders", "sales"],
        By::Category => vec!["category", "products", "weight", "pieces", "sales"],
    }
}

/// "—" for nothing, else the figure.
fn none_or(n: i64, figure: impl FnOnce() -> String) -> String {
    if n == 0 {
        "—".to_owned()
    } else {
        figure()
    }
}

/// A row's cells before its sales, each with whether it is a figure (right-aligned).
fn web_cells(by: By, r: &Row) -> Vec<(String, bool)> {
    let amount = |unit: Unit, n: i64| format_amount(unit, u64::try_from(n).unwrap_or(0));
    let count = |n: &i64| (n.to_string(), true);
    match (by, r.text.as_slice(), r.counts.as_slice()) {
        (By::Product, [sku, name, category, unit], [qty, orders]) => {
            let unit = if unit == "g" { Unit::Kg } else { Unit::Pc };
            vec![
                (sku.clone(), false),
                (name.clone(), false),
                (category.clone(), false),
                (amount(unit, *qty), true),
                count(orders),
            ]
        }
        // A category sold only by the piece weighs nothing worth saying, and the other way.
        (By::Category, [category], [products, grams, pieces]) => vec![
            (category.clone(), false),
            count(products),
            (none_or(*grams, || amount(Unit::Kg, *grams)), true),
            (none_or(*pieces, || pieces.to_string()), true),
        ],
        _ => r
            .text
            .iter()
            .map(|t| (t.clone(), false))
            .chain(r.counts.iter().map(count))
            .collect(),
    }
}

/// A share of a day in seconds as a percentage: of the whole day, or of today so far.
fn share(seconds: i64, of: i64) -> String {
    if of <= 0 {
        return "—".into();
    }
    format!("{}%", (seconds * 100 / of).clamp(0, 100))
}

fn bot_history(shop: &ShopPage, p: Period, days: &[BotDay]) -> Markup {
    let today = today(&shop.business).format("%Y-%m-%d").to_string();
    let elapsed = crate::db::now()
        - crate::reports::period::start_of(
            crate::reports::figures::today(&shop.business),
            shop.business.offset(),
        );
    let length = |d: &BotDay| if d.day == today { elapsed } else { 86_400 };
    let msgs: Vec<Bar> = days
        .iter()
        .map(|d| Bar::count(&d.day[5..], d.messages_in))
        .collect();
    let up: Vec<Bar> = days
        .iter()
        .map(|d| {
            Bar::new(
                &d.day[5..],
                d.linked_seconds * 100 / length(d).max(1),
                share(d.linked_seconds, length(d)),
            )
        })
        .collect();
    html! {
        section aria-labelledby="bot-h" {
            h2 #bot-h { "Bot history" }
            p.muted { "Per day on the shop's clock, " (crate::web::dashboard::picker::days(&p)) ". Uptime is the share of the day the server ran, and of it with WhatsApp connected." }
            div.table-scroll tabindex="0" role="region" aria-label="Bot history per day" {
                // Seven columns: a card a day on a phone, each figure under its name.
                table.report.stacked {
                    thead { tr { th scope="col" { "Day" } th.num scope="col" { "In" } th.num scope="col" { "Out" } th.num scope="col" { "Orders" } th.num scope="col" { "Reply (avg)" } th.num scope="col" { "Server up" } th.num scope="col" { "WhatsApp connected" } } }
                    tbody {
                        @for d in days {
                            tr {
                                td { (d.day) }
                                td.num data-label="In" { (d.messages_in) }
                                td.num data-label="Out" { (d.messages_out) }
                                td.num data-label="Orders" { (d.orders) }
                                td.num data-label="Reply (avg)" { (d.avg_reply_ms.map_or_else(|| "—".into(), duration)) }
                                td.num data-label="Server up" { (share(d.up_seconds, length(d))) }
                                td.num data-label="WhatsApp connected" { (share(d.linked_seconds, length(d))) }
                            }
                        }
                    }
                }
            }
            div.chart-grid {
                (columns(&Chart { id: "b-in", title: "Messages in per day", desc: &describe("Messages in per day", &msgs), heads: ("Day", "Messages in") }, &msgs))
                (columns(&Chart { id: "b-up", title: "WhatsApp connected per day", desc: &describe("Share of the day WhatsApp was connected", &up), heads: ("Day", "Connected") }, &up))
            }
        }
    }
}

/// `/reports/sales.csv`: the same sales as a spreadsheet, formula-safe.
pub async fn sales_csv(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let p = q.period.period(&shop.business).map_err(AppError::Invalid)?;
    let by = q.by()?;
    let (s, _) = read(&state, &shop, p, by).await?;
    let mut out = Vec::new();
    s.write_csv(&mut out)?;
    let name = format!(
        "attachment; filename=\"sales-by-{}-{}-{}-{}.csv\"",
        by.key(),
        shop.business.short_code,
        p.first,
        p.last
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}
