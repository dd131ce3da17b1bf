//! The dashboard's period picker: the page's `?period=` (and `from`, `to` for a range) read
//! into a period of shop-local days, with what was wrong beside the date fields.

use maud::{html, Markup};
use serde::Deserialize;

use crate::accounts::businesses::Business;
use crate::reports::figures::today;
use crate::reports::period::parse_day;
use crate::reports::{Period, Span};
use crate::web::extract::ShopPage;

#[derive(Deserialize, Default, Clone)]
pub struct PeriodQuery {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl PeriodQuery {
    /// The period asked for (today when none is), or why it cannot be read: a period Novi does
    /// not know is said, not shown as today's figures under another name.
    pub fn period(&self, b: &Business) -> Result<Period, String> {
        let span = match self.period.trim() {
            "" => Span::Today,
            key => Span::parse(key)
                .ok_or_else(|| format!("There is no period \"{key}\": pick one above."))?,
        };
        if span != Span::Custom {
            return Ok(Period::of(span, today(b)));
        }
        let read = |text: &str, what: &str| parse_day(text, what).map_err(|e| e.to_string());
        let (from, to) = (read(&self.from, "from")?, read(&self.to, "to")?);
        Period::range(from, to).map_err(|e| e.to_string())
    }

    /// The query for the same period, to carry it to another page.
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("period", self.period.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// The picker: a link per span, and a form for a range with its error beside it.
pub fn picker(
    shop: &ShopPage,
    path: &str,
    q: &PeriodQuery,
    current: Option<&Period>,
    error: Option<&str>,
) -> Markup {
    let chosen = current.map(|p| p.span);
    // The fields show the period shown, so a range starts from it.
    let shown = |typed: &str, day: Option<chrono::NaiveDate>| {
        if typed.is_empty() {
            day.map(|d| d.to_string()).unwrap_or_default()
        } else {
            typed.to_owned()
        }
    };
    let from = shown(&q.from, current.map(|p| p.first));
    let to = shown(&q.to, current.map(|p| p.last));
    // Only a range's error is about its dates; an unknown period's is said without marking them.
    let dates_wrong = error.filter(|_| q.period.trim() == Span::Custom.key());
    html! {
        nav.periods aria-label="Period" {
            @for s in Span::ALL.into_iter().filter(|s| *s != Span::Custom) {
                @let here = chosen == Some(s);
                a href={ (shop.url(path)) "?period=" (s.key()) } aria-current=[here.then_some("page")] { (s.label()) }
            }
        }
        form.filters method="get" action=(shop.url(path)) {
            input type="hidden" name="period" value="range";
            label { span { "From" } input type="date" name="from" value=(from) aria-invalid=[dates_wrong.map(|_| "true")] aria-describedby=[error.map(|_| "period-error")]; }
            label { span { "To" } input type="date" name="to" value=(to) aria-invalid=[dates_wrong.map(|_| "true")]; }
            button type="submit" { "Show range" }
            @if let Some(e) = error {
                p.field-error #period-error role="alert" { (e) }
            }
        }
        @if let Some(p) = current {
            p.muted { "Showing " (days(p)) ", compared with " (days(&p.previous())) " (the shop's clock)." }
        }
    }
}

/// "5 Mar 2026" or "1 Mar 2026 – 7 Mar 2026".
pub fn days(p: &Period) -> String {
    let f = |d: chrono::NaiveDate| d.format("%-d %b %Y").to_string();
    if p.first == p.last {
        f(p.first)
    } else {
        format!("{} – {}", f(p.first), f(p.last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(period: &str) -> Result<Span, String> {
        let q = PeriodQuery {
            period: period.into(),
            ..Default::default()
        };
        q.period(&Business::sample("Shop")).map(|p| p.span)
    }

    #[test]
    fn a_period_is_read_by_its_key_and_one_not_known_is_refused() {
        assert_eq!(asked(""), Ok(Span::Today), "none asked: today");
        assert_eq!(asked("7d"), Ok(Span::Last7));
        assert_eq!(
            asked("never"),
            Err("There is no period \"never\": pick one above.".into())
        );
        assert!(asked("range").unwrap_err().contains("YYYY-MM-DD"));
    }
}
