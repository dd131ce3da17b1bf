//! How figures read on a page: durations as people say them, numbers as people write them,
//! and WhatsApp's own text formatting (`*bold*`, `_italic_`, `~strike~`) as HTML.

use maud::{html, Markup, PreEscaped};

use crate::domain::Phone;

/// A count as people read it: 12,345.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A stored number as people write it (`+91 98123 45678`); anything not a number as it is.
pub fn phone(raw: &str) -> String {
    Phone::from_digits(raw).map_or_else(|_| raw.to_owned(), |p| p.readable())
}

/// A message's text with WhatsApp's formatting drawn. The text is escaped first and the markers
/// turned into tags after, so nothing a customer writes can become HTML. As in WhatsApp, a
/// marker opens only before a non-space and after a non-letter, and closes on the same line.
pub fn whatsapp(text: &str) -> Markup {
    let escaped = html! { (text) }.into_string();
    let lines: Vec<String> = escaped
        .split('\n')
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            styled(&line.chars().collect::<Vec<_>>(), &mut out);
            out
        })
        .collect();
    PreEscaped(lines.join("\n"))
}

/// The tags a WhatsApp marker stands for.
fn tags(marker: char) -> Option<(&'static str, &'static str)> {
    match marker {
        '*' => Some(("<strong>", "</strong>")),
        '_' => Some(("<em>", "</em>")),
        '~' => Some(("<s>", "</s>")),
        _ => None,
    }
}

/// One escaped line, its markers turned into tags; spans nest (`*_both_*`).
fn styled(chars: &[char], out: &mut String) {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let (Some((open, close)), Some(end)) = (tags(c), closing(chars, i)) {
            out.push_str(open);
            styled(&chars[i + 1..end], out);
            out.push_str(close);
            i = end + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

/// Where the marker at `at` closes, if it opens a span at all.
fn closing(chars: &[char], at: usize) -> Option<usize> {
    let marker = chars[at];
    let opens = (at == 0 || !chars[at - 1].is_alphanumeric())
        && chars
            .get(at + 1)
            .is_some_and(|n| !n.is_whitespace() && *n != marker);
    if !opens {
        return None;
    }
    (at + 2..chars.len()).find(|&j| {
        chars[j] == marker
            && !chars[j - 1].is_whitespace()
            && chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric())
    })
}

/// "0.4 s", "2 min 5 s", "1 h 3 min".
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

/// How long ago something was, roughly: "12 min", "5 h", "3 days".
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        0..=3_599 => format!("{} min", secs.max(0) / 60),
        3_600..=172_799 => format!("{} h", secs / 3_600),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(420), "0.4 s");
        assert_eq!(super::duration(125_000), "2 min 5 s");
        assert_eq!(super::duration(3_780_000), "1 h 3 min");
    }

    #[test]
    fn whatsapp_formatting_becomes_tags_and_nothing_else_does() {
        let f = |t: &str| super::whatsapp(t).into_string();
        assert_eq!(f("*Total* ₹450"), "<strong>Total</strong> ₹450");
        assert_eq!(f("_soon_ and ~old~"), "<em>soon</em> and <s>old</s>");
        assert_eq!(f("*_both_*"), "<strong><em>both</em></strong>");
        assert_eq!(f("2*3*4 and snake_case_name"), "2*3*4 and snake_case_name");
        assert_eq!(f("* not bold *"), "* not bold *");
        assert_eq!(f("*one\nline*"), "*one\nline*");
        assert_eq!(
            f("*<script>alert(1)</script>*"),
            "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"
        );
        assert_eq!(f("a & b < c"), "a &amp; b &lt; c");
    }

    #[test]
    fn stored_numbers_read_as_written() {
        assert_eq!(super::phone("919876543210"), "+91 98765 43210");
        assert_eq!(super::phone("120363@g.us"), "120363@g.us");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(super::age(750), "12 min");
        assert_eq!(super::age(5 * 3600 + 59), "5 h");
        assert_eq!(super::age(3 * 86_400), "3 days");
    }
}
