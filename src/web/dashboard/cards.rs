//! The dashboard's figures for a period, each beside the same figure for the period before.

use maud::{html, Markup};

use crate::domain::Money;
use crate::reports::figures::TAKINGS_ARE_ORDER_TOTALS;
use crate::reports::Figures;
use crate::web::extract::ShopPage;
use crate::web::format::{duration, thousands};

/// How a figure moved: "+25%", "−10%", "new", "no change".
pub fn change(now: i64, before: i64) -> String {
    if now == before {
        return "no change".into();
    }
    if before == 0 {
        return "new".into();
    }
    let pct = (i128::from(now) - i128::from(before)) * 100 / i128::from(before).abs();
    if pct >= 0 {
        format!("+{pct}%")
    } else {
        format!("−{}%", pct.unsigned_abs())
    }
}

/// A value's size class: a long one ("₹7,82,869.00") is set smaller to keep it on one line in
/// a card on a phone, rather than broken between its digits.
fn length_class(value: &str) -> Option<&'static str> {
    match value.chars().count() {
        0..=10 => None,
        11..=13 => Some("long"),
        14..=17 => Some("longer"),
        // Beyond what fits at a readable size: smaller still, and broken if it must.
        _ => Some("longest"),
    }
}

/// One figure: its name, its value, and the value before with the change.
fn card(label: &str, now: String, before: String, moved: Option<String>) -> Markup {
    html! {
        div.figure {
            dt { (label) }
            dd {
                strong class=[length_class(&now)] { (now) }
                span.muted { " was " (before) @if let Some(m) = moved { " · " (m) } }
            }
        }
    }
}

fn count(label: &str, now: i64, before: i64) -> Markup {
    card(
        label,
        thousands(now),
        thousands(before),
        Some(change(now, before)),
    )
}

fn ms(v: Option<i64>) -> String {
    v.map_or_else(|| "—".into(), duration)
}

pub fn takings_label() -> &'static str {
    if TAKINGS_ARE_ORDER_TOTALS {
        "Takings (order totals)"
    } else {
        "Takings"
    }
}

pub fn cards(shop: &ShopPage, f: &Figures, was: &Figures) -> Markup {
    let money = |m: i64| Money::from_minor(m).format(&shop.business.currency);
    let avg = |f: &Figures| f.average_order_minor().map_or_else(|| "—".into(), money);
    html! {
        dl.figures {
            (count("Orders", f.orders, was.orders))
            (card(takings_label(), money(f.takings_minor), money(was.takings_minor), Some(change(f.takings_minor, was.takings_minor))))
            (card("Average order", avg(f), avg(was), None))
            (count("New customers", f.new_customers, was.new_customers))
            (count("Returning customers", f.returning_customers, was.returning_customers))
            (count("Cancellations", f.cancelled, was.cancelled))
            (count("WhatsApp messages in", f.messages_in, was.messages_in))
            (count("WhatsApp messages out", f.messages_out, was.messages_out))
            (card("Reply time, median", ms(f.reply_median_ms), ms(was.reply_median_ms), None))
            (card("Reply time, p90", ms(f.reply_p90_ms), ms(was.reply_p90_ms), None))
            (count("Chat orders read without a person", f.read_alone, was.read_alone))
            (count("Chat orders needing a person", f.needed_person, was.needed_person))
        }
        @if TAKINGS_ARE_ORDER_TOTALS {
            p.muted { "Takings are the totals of the orders that stand, not yet money received." }
        }
        (channels(f, was))
    }
}

fn channels(f: &Figures, was: &Figures) -> Markup {
    let n = |f: &Figures, k: &str| f.by_channel.get(k).copied().unwrap_or(0);
    html! {
        table.channels {
            caption { "Orders by channel" }
            thead { tr { th scope="col" { "Channel" } th.num scope="col" { "Orders" } th.num scope="col" { "Before" } } }
            tbody {
                @for c in crate::orders::Channel::ALL {
                    tr { th scope="row" { (c.label()) } td.num { (n(f, c.as_str())) } td.num { (n(was, c.as_str())) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_reads_as_people_say_it() {
        assert_eq!(super::change(125, 100), "+25%");
        assert_eq!(super::change(90, 100), "−10%");
        assert_eq!(super::change(3, 0), "new");
        assert_eq!(super::change(0, 0), "no change");
    }
}
