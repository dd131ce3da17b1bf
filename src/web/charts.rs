//! Charts drawn on the server as SVG: no script, no chart library. Each scales to the width it is
//! given (readable at 360 px), names itself and its data with `<title>` and `<desc>`, and comes
//! with the same numbers as a table for screen readers and for anyone who wants the figures.

use maud::{html, Markup};

/// One bar or column: what it is, its size, and the size as people read it ("₹1,200", "3 s").
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: i64, shown: impl Into<String>) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: shown.into(),
        }
    }

    /// A count, shown as itself.
    pub fn count(label: impl Into<String>, value: i64) -> Bar {
        Bar::new(label, value, value.to_string())
    }
}

/// What a chart is called, what it shows in a sentence, and its table's two column heads.
pub struct Chart<'a> {
    /// Unique on the page: the `<title>` and `<desc>` ids are made from it.
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub heads: (&'a str, &'a str),
}

const WIDTH: i64 = 320;
const INK: &str = "#1f2933";
const BAR: &str = "#2f6f4f";

/// The share of `max` that `value` is, as a length out of `full` (at least 1 for a non-zero value).
fn scale(value: i64, max: i64, full: i64) -> i64 {
    if max <= 0 || value <= 0 {
        return 0;
    }
    (i128::from(value) * i128::from(full) / i128::from(max))
        .clamp(1, i128::from(full))
        .try_into()
        .unwrap_or(full)
}

/// Horizontal bars, one row each, the label above its bar: for names (products, statuses).
pub fn bars(c: &Chart, items: &[Bar]) -> Markup {
    let row = 34;
    let height = (i64::try_from(items.len()).unwrap_or(0) * row).max(row);
    let max = items.iter().map(|b| b.value).max().unwrap_or(0);
    let body = html! {
        @for (i, b) in items.iter().enumerate() {
            @let y = i64::try_from(i).unwrap_or(0) * row;
            text x="0" y=(y + 12) font-size="12" fill=(INK) { (b.label) ": " (b.shown) }
            rect x="0" y=(y + 16) width=(scale(b.value, max, WIDTH)) height="12" rx="2" fill=(BAR) {}
        }
        @if items.is_empty() {
            text x="0" y="20" font-size="12" fill=(INK) { "Nothing in this period" }
        }
    };
    figure(c, height, body, items)
}

/// Columns side by side with every few labels below: for days and hours.
pub fn columns(c: &Chart, items: &[Bar]) -> Markup {
    let (plot, base) = (120, 136);
    let n = i64::try_from(items.len()).unwrap_or(1).max(1);
    let step = WIDTH / n;
    let every = usize::try_from((n + 7) / 8).unwrap_or(1).max(1);
    let max = items.iter().map(|b| b.value).max().unwrap_or(0);
    let top = items.iter().find(|b| b.value == max && max > 0);
    let body = html! {
        @if let Some(t) = top {
            text x="0" y="10" font-size="11" fill=(INK) { "Highest: " (t.shown) " (" (t.label) ")" }
        }
        line x1="0" y1=(base) x2=(WIDTH) y2=(base) stroke=(INK) stroke-width="1" {}
        @for (i, b) in items.iter().enumerate() {
            @let x = i64::try_from(i).unwrap_or(0) * step;
            @let h = scale(b.value, max, plot - 16);
            rect x=(x + 1) y=(base - h) width=((step - 2).max(1)) height=(h) fill=(BAR) {}
            @if i % every == 0 {
                text x=(x + 1) y=(base + 14) font-size="10" fill=(INK) { (b.label) }
            }
        }
    };
    figure(c, base + 20, body, items)
}

fn figure(c: &Chart, height: i64, body: Markup, items: &[Bar]) -> Markup {
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
                width="100%" role="img" aria-labelledby={ (c.id) "-t " (c.id) "-d" } {
                title id={ (c.id) "-t" } { (c.title) }
                desc id={ (c.id) "-d" } { (c.desc) }
                (body)
            }
            details {
                summary { (c.title) ": the numbers" }
                table {
                    thead { tr { th scope="col" { (c.heads.0) } th scope="col" { (c.heads.1) } } }
                    tbody {
                        @for b in items {
                            tr { td { (b.label) } td { (b.shown) } }
                        }
                    }
                }
            }
        }
    }
}

/// The `<svg>` element alone, for checking.
#[cfg(test)]
pub(crate) fn svg_of(markup: &Markup) -> String {
    let s = markup.0.as_str();
    let start = s.find("<svg").unwrap_or(0);
    let end = s.find("</svg>").map_or(s.len(), |e| e + "</svg>".len());
    s[start..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart<'static> {
        Chart {
            id: "top",
            title: "Top products by takings",
            desc: "Kaju Katli ₹1,500, Gulab Jamun & co ₹280",
            heads: ("Product", "Takings"),
        }
    }

    #[test]
    fn a_chart_is_well_formed_xml_and_names_its_data() {
        let items = [
            Bar::new("Kaju Katli", 150_000, "₹1,500"),
            Bar::new("Gulab Jamun & <co>", 28_000, "₹280"),
        ];
        for markup in [bars(&chart(), &items), columns(&chart(), &items)] {
            let svg = svg_of(&markup);
            let doc = roxmltree::Document::parse(&svg).expect("well-formed");
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "svg");
            assert_eq!(root.attribute("role"), Some("img"));
            assert_eq!(root.attribute("aria-labelledby"), Some("top-t top-d"));
            let text_of = |name: &str| {
                root.descendants()
                    .find(|n| n.tag_name().name() == name)
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_owned()
            };
            assert_eq!(text_of("title"), "Top products by takings");
            assert!(text_of("desc").contains("Kaju Katli"));
            let rects = root
                .descendants()
                .filter(|n| n.tag_name().name() == "rect")
                .count();
            assert_eq!(rects, 2);
            // The table beside it holds every label and value.
            let page = &markup.0;
            assert!(
                page.contains("<td>Gulab Jamun &amp; &lt;co&gt;</td><td>₹280</td>"),
                "{page}"
            );
        }
    }

    #[test]
    fn bars_are_to_scale_and_an_empty_chart_says_so() {
        assert_eq!(scale(50, 100, 320), 160);
        assert_eq!(scale(1, 1_000_000, 320), 1);
        assert_eq!(scale(0, 0, 320), 0);
        assert!(bars(&chart(), &[]).0.contains("Nothing in this period"));
    }
}
