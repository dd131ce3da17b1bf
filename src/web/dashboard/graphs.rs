//! The dashboard's charts for a period: orders and takings per day, the status mix, top
//! products by quantity and by takings, orders by hour of day, and reply time per day.

use std::sync::{Arc, LazyLock};

use maud::{html, Markup, PreEscaped};

use crate::domain::Money;
use crate::orders::figures::ProductSales;
use crate::orders::Status;
use crate::reports::Figures;
use crate::web::charts::{bars, columns, Bar, Chart};
use crate::web::extract::ShopPage;
use crate::web::format::duration;

/// How many products the top lists show.
const TOP: usize = 5;

/// A product's quantity as people read it: "1.25 kg", "14 pc".
pub fn quantity(s: &ProductSales) -> String {
    if s.unit == "kg" {
        let kg = s.qty as f64 / 1000.0;
        format!(
            "{} kg",
            format!("{kg:.3}")
                .trim_end_matches('0')
                .trim_end_matches('.')
        )
    } else {
        format!("{} pc", s.qty)
    }
}

fn day_label(d: chrono::NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

/// Charts already drawn, by the sums they were drawn from and the currency. Drawing a month's
/// charts was the largest part of the dashboard's cost, and the sums stay the same between
/// changes to the period's orders, so each is drawn once for as long as its figures are kept.
static DRAWN: LazyLock<moka::sync::Cache<(u64, String), Arc<str>>> = LazyLock::new(|| {
    moka::sync::Cache::builder()
        .weigher(|_, html: &Arc<str>| u32::try_from(html.len()).unwrap_or(u32::MAX))
        .max_capacity(4 << 20)
        .build()
});

/// The charts, as kept: rendered into the page from the cache without another copy.
pub fn graphs(shop: &ShopPage, f: &Figures) -> PreEscaped<Arc<str>> {
    let drawn = || Arc::from(draw(shop, f).into_string());
    if f.sums_id == 0 {
        return PreEscaped(drawn());
    }
    let key = (f.sums_id, shop.business.currency.clone());
    PreEscaped(DRAWN.get_with(key, drawn))
}

fn draw(shop: &ShopPage, f: &Figures) -> Markup {
    let money = |m: i64| Money::from_minor(m).format(&shop.business.currency);
    let per_day =
        |value: &dyn Fn(&crate::reports::figures::DayPoint) -> (i64, String)| -> Vec<Bar> {
            f.per_day
                .iter()
                .map(|p| {
                    let (v, shown) = value(p);
                    Bar::new(day_label(p.day), v, shown)
                })
                .collect()
        };
    let orders = per_day(&|p| (p.orders, p.orders.to_string()));
    let takings = per_day(&|p| (p.takings_minor, money(p.takings_minor)));
    let replies = per_day(&|p| {
        (
            p.reply_median_ms.unwrap_or(0),
            p.reply_median_ms.map_or_else(|| "—".into(), duration),
        )
    });
    let status: Vec<Bar> = Status::ALL
        .into_iter()
        .map(|s| {
            Bar::count(
                s.label_both(),
                f.by_status.get(s.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    let hours: Vec<Bar> = f
        .by_hour
        .iter()
        .enumerate()
        .map(|(h, n)| Bar::count(format!("{h}:00"), *n))
        .collect();
    let mut products: Vec<&ProductSales> = f.products.values().collect();
    products.sort_by(|a, b| {
        b.takings_minor
            .cmp(&a.takings_minor)
            .then(a.name.cmp(&b.name))
    });
    let by_takings: Vec<Bar> = products
        .iter()
        .take(TOP)
        .map(|s| Bar::new(&s.name, s.takings_minor, money(s.takings_minor)))
        .collect();
    // Weights and pieces are not one measure: each product is ranked by its own amount in kg or pieces.
    products.sort_by(|a, b| ranked(b).total_cmp(&ranked(a)).then(a.name.cmp(&b.name)));
    let by_qty: Vec<Bar> = products
        .iter()
        .take(TOP)
        .map(|s| Bar::new(&s.name, ranked(s) as i64, quantity(s)))
        .collect();
    let desc = |what: &str, items: &[Bar]| describe(what, items);
    html! {
        section.charts aria-labelledby="charts-h" {
            h2 #charts-h { "Charts" }
            div.chart-grid {
                (columns(&Chart { id: "c-orders", title: "Orders per day", desc: &desc("Orders per day", &orders), heads: ("Day", "Orders") }, &orders))
                (columns(&Chart { id: "c-takings", title: "Takings per day", desc: &desc("Takings per day", &takings), heads: ("Day", "Takings") }, &takings))
                (bars(&Chart { id: "c-status", title: "Status mix", desc: &desc("Orders by status", &status), heads: ("Status", "Orders") }, &status))
                (bars(&Chart { id: "c-top-qty", title: "Top products by quantity", desc: &desc("Top products by quantity", &by_qty), heads: ("Product", "Quantity") }, &by_qty))
                (bars(&Chart { id: "c-top-takings", title: "Top products by takings", desc: &desc("Top products by takings", &by_takings), heads: ("Product", "Takings") }, &by_takings))
                (columns(&Chart { id: "c-hours", title: "Orders by hour of day", desc: &desc("Orders by hour of day", &hours), heads: ("Hour", "Orders") }, &hours))
                (columns(&Chart { id: "c-reply", title: "Reply time per day (median)", desc: &desc("Median reply time per day", &replies), heads: ("Day", "Median reply") }, &replies))
            }
        }
    }
}

/// A product's amount in its own unit (kg or pieces), for ranking.
fn ranked(s: &ProductSales) -> f64 {
    if s.unit == "kg" {
        s.qty as f64 / 1000.0
    } else {
        s.qty as f64
    }
}

/// The chart's data in a sentence: "Orders per day: 4 Mar 0, 5 Mar 2, …" (at most 31 items).
pub fn describe(what: &str, items: &[Bar]) -> String {
    if items.is_empty() {
        return format!("{what}: nothing in this period.");
    }
    let parts: Vec<String> = items
        .iter()
        .take(31)
        .map(|b| format!("{} {}", b.label, b.shown))
        .collect();
    format!("{what}: {}.", parts.join(", "))
}
