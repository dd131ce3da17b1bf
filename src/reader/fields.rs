//! Pulls the contact fields (phone, labelled name/address/notes, "deliver to" places)
//! out of a message and masks their text, so their numbers are never read as amounts.

use super::{names, phone, words};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// The address came from "... to <place>" rather than a label, so it only stands
    /// when the message turns out to be an order.
    pub address_inferred: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Address,
    Notes,
}

/// (label, field, whether a ":" / "-" must follow it).
const LABELS: &[(&str, Field, bool)] = &[
    ("customer name", Field::Name, false),
    ("cust name", Field::Name, false),
    ("full name", Field::Name, false),
    ("name", Field::Name, false),
    ("naam", Field::Name, false),
    ("customer", Field::Name, true),
    ("delivery address", Field::Address, false),
    ("shipping address", Field::Address, false),
    ("address", Field::Address, false),
    ("addr", Field::Address, false),
    ("adress", Field::Address, false),
    ("add", Field::Address, true),
    ("deliver to", Field::Address, false),
    ("delivery to", Field::Address, false),
    ("ship to", Field::Address, false),
    ("deliver at", Field::Address, true),
    ("pata", Field::Address, true),
    ("patta", Field::Address, true),
    ("special instructions", Field::Notes, false),
    ("instructions", Field::Notes, true),
    ("instruction", Field::Notes, true),
    ("notes", Field::Notes, true),
    ("note", Field::Notes, true),
    ("remarks", Field::Notes, true),
    ("remark", Field::Notes, true),
    ("comments", Field::Notes, true),
];

/// Labels that also count in the middle of a line, where a separator must follow.
const MID_LABELS: &[(&str, Field)] = &[
    ("address", Field::Address),
    ("addr", Field::Address),
    ("pata", Field::Address),
    ("patta", Field::Address),
    ("name", Field::Name),
];

/// Returns the text with every field masked, and the fields found.
pub(crate) fn extract(text: &str) -> (String, Fields) {
    let mut buf = text.to_owned();
    let mut f = Fields {
        phone: phone::extract(&mut buf),
        ..Fields::default()
    };
    labels(&mut buf, &mut f);
    if f.name.is_none() {
        f.name = names::inline(&mut buf);
    }
    if f.address.is_none() {
        f.address = to_address(&mut buf).or_else(|| street_address(&mut buf));
        f.address_inferred = f.address.is_some();
    }
    (buf, f)
}

/// Blanks `a..b` keeping byte offsets: a line break first, so the masked text also
/// ends whatever clause it sat in.
pub(crate) fn mask(buf: &mut String, a: usize, b: usize) {
    if a >= b || b > buf.len() || !buf.is_char_boundary(a) || !buf.is_char_boundary(b) {
        return;
    }
    let mut rep = String::with_capacity(b - a);
    rep.push('\n');
    rep.extend(std::iter::repeat_n(' ', b - a - 1));
    buf.replace_range(a..b, &rep);
}

/// Trims spaces and trailing punctuation; None when nothing readable is left.
pub(crate) fn clean(s: &str) -> Option<String> {
    let t = s
        .trim()
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')')
        .trim();
    t.chars().any(char::is_alphanumeric).then(|| t.to_owned())
}

fn labels(buf: &mut String, f: &mut Fields) {
    let mut found = Vec::new();
    let mut at = 0;
    for line in buf.split('\n') {
        if let Some(hit) = line_label(line) {
            found.push((at + hit.0, at + hit.1, hit.2, line[hit.3..hit.1].to_owned()));
        }
        at += line.len() + 1;
    }
    for (a, z, field, value) in found {
        let slot = match field {
            Field::Name => &mut f.name,
            Field::Address => &mut f.address,
            Field::Notes => {
                f.notes.extend(clean(&value));
                mask(buf, a, z);
                continue;
            }
        };
        let value = if field == Field::Name {
            names::trim_name(&value)
        } else {
            clean(&value)
        };
        if slot.is_none() && value.is_some() {
            *slot = value;
            mask(buf, a, z);
        }
    }
}

/// (label start, value end, field, value start) of a labelled field in one line.
fn line_label(line: &str) -> Option<(usize, usize, Field, usize)> {
    let low = line.to_ascii_lowercase();
    let start = low.len()
        - low
            .trim_start_matches(|c: char| c.is_whitespace() || "-•*>".contains(c))
            .len();
    for &(label, field, needs_sep) in LABELS {
        if !low[start..].starts_with(label) {
            continue;
        }
        if let Some(v) = after_sep(&low, start + label.len(), needs_sep) {
            return Some((start, value_end(line, v, field), field, v));
        }
    }
    let words = low
        .match_indices(|c: char| c.is_ascii_alphabetic())
        .map(|(i, _)| i);
    for i in words.filter(|&i| i == 0 || !low.as_bytes()[i - 1].is_ascii_alphabetic()) {
        for &(label, field) in MID_LABELS {
            if low[i..].starts_with(label) {
                if let Some(v) = after_sep(&low, i + label.len(), true) {
                    return Some((i, value_end(line, v, field), field, v));
                }
            }
        }
    }
    None
}

/// Where the value starts after `label` ending at `at`: past ":" / "-" / "hai".
fn after_sep(low: &str, at: usize, needs_sep: bool) -> Option<usize> {
    let rest = low.get(at..)?;
    if rest.starts_with(|c: char| c.is_alphanumeric()) {
        return None;
    }
    let t = rest.trim_start();
    let mut i = at + rest.len() - t.len();
    let sep = [":-", ":", "-", "–", "—", "=", "hai ", "is ", "h "]
        .iter()
        .find(|p| low[i..].starts_with(**p));
    match sep {
        Some(p) => i += p.len(),
        None if needs_sep || i == at => return None,
        None => {}
    }
    let rest = &low[i..];
    Some(i + rest.len() - rest.trim_start().len())
}

fn value_end(line: &str, from: usize, field: Field) -> usize {
    let end = sentence_end(line, from);
    if field == Field::Address {
        return when_cut(line, from, end);
    }
    if field != Field::Name {
        return end;
    }
    line[from..end]
        .find(|c: char| c.is_ascii_digit() || c == ',' || c == '(')
        .map_or(end, |p| from + p)
}

/// End of the sentence that starts at `from`: "? ", "! " or ". " before a letter,
/// unless the word before the stop is a short abbreviation ("Rd.", "No.").
pub(crate) fn sentence_end(line: &str, from: usize) -> usize {
    let b = line.as_bytes();
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' || c == b'?' || c == b'!' {
            return i;
        }
        if c == b'.' && b.get(i + 1) == Some(&b' ') {
            let next = line[i + 1..].trim_start().chars().next();
            let word = line[..i]
                .rsplit(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("");
            if next.is_some_and(char::is_alphabetic) && word.len() > 3 {
                return i;
            }
        }
        i += 1;
    }
    b.len()
}

/// "... deliver to 9B, Lake View, Kolkata": a place after "to", when a verb or an
/// amount before it shows the "to" is about delivery.
fn to_address(buf: &mut String) -> Option<String> {
    let low = buf.to_ascii_lowercase();
    // Every "t" followed by "o": a search for "to" set itself up anew for each message.
    let bytes = low.as_bytes();
    let tos = memchr::memchr_iter(b't', bytes).filter(|&p| bytes.get(p + 1) == Some(&b'o'));
    for p in tos {
        let bounded = (p == 0 || !low.as_bytes()[p - 1].is_ascii_alphanumeric())
            && low
                .as_bytes()
                .get(p + 2)
                .is_some_and(|c| !c.is_ascii_alphanumeric());
        if !bounded {
            continue;
        }
        let line_start = low[..p].rfind('\n').map_or(0, |i| i + 1);
        let before = low[line_start..p].trim_end();
        let verb = before.rsplit(' ').next().unwrap_or("");
        let from = if [
            "deliver", "send", "bhej", "bhejo", "bhejna", "ship", "courier", "it", "them",
        ]
        .contains(&verb)
        {
            line_start + before.len() - verb.len()
        } else if before.bytes().any(|c| c.is_ascii_digit()) {
            p
        } else {
            continue;
        };
        let rest = &low[p + 2..];
        let v = p + 2 + rest.len() - rest.trim_start_matches([' ', ':']).len();
        let end = when_cut(buf, v, sentence_end(buf, v));
        let value = &low[v..end];
        if looks_like_address(value) {
            let out = clean(&buf[v..end]);
            mask(buf, from, end);
            return out;
        }
    }
    None
}

/// An address with no label, marked by its own words: a house number opening a line, sentence
/// or comma-part with a street word soon after it and no amount before ("8 Scheme 54", "12 MG
/// Road"), or with a city closing the part ("54 Indore"); or an opener anywhere with a number
/// or a landmark after it ("Flat 201 …", "house no. 14", "near Rajwada"). It runs to the end
/// of its sentence. Like a "to" place it is inferred, so it stands only when the message turns out
/// to be an order. A PIN code left over is masked too, so it is never read as an amount.
fn street_address(buf: &mut String) -> Option<String> {
    let low = buf.to_ascii_lowercase();
    let found = address_start(&low).map(|from| {
        let end = when_cut(buf, from, sentence_end(buf, from));
        let out = clean(&buf[from..end]);
        mask(buf, from, end);
        out
    });
    let pin = mask_pin(buf);
    found.flatten().or(pin)
}

/// The words of `low` with their byte offsets, trimmed of punctuation at their ends.
fn words_at(low: &str) -> Vec<(usize, &str)> {
    let is_gap = |c: char| c.is_whitespace() || c == ',' || c == ';';
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in low.char_indices().chain(std::iter::once((low.len(), ' '))) {
        match (is_gap(c), start) {
            (true, Some(s)) => {
                out.extend(trim_word(low, s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

/// `low[a..b]` without the punctuation around it (a dot inside, as in "h.no", stays).
fn trim_word(low: &str, a: usize, b: usize) -> Option<(usize, &str)> {
    let w = &low[a..b];
    let lead = w.len()
        - w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
            .len();
    let t = w[lead..].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    (!t.is_empty()).then_some((a + lead, t))
}

/// The most words of a comma-part read after a house number: an address part is shorter.
const PART_WORDS: usize = 16;

/// Where an unlabelled address starts, if the text has one.
fn address_start(low: &str) -> Option<usize> {
    let ws = words_at(low);
    let is_amount = |w: &str| words::unit(w).is_some() || words::number_word(w).is_some();
    for (k, &(at, w)) in ws.iter().enumerate() {
        if opens_address(w, &ws[k + 1..]) {
            return Some(widen(low, at));
        }
        if !is_house_number(w) {
            continue;
        }
        // Mid-sentence, only a street word right after marks a house number ("… 3 Palasia
        // Square"): a city alone there is more likely a product's name ("2 mysore pak").
        // The part is looked at up to PART_WORDS words on: without that, a long text with no
        // comma or full stop ("1\r1\r1\r…") is scanned to its end for every number in it.
        let window = ws.get(k + 1 + PART_WORDS).map_or(low.len(), |&(p, _)| p);
        let part_end = low[at..window]
            .find([',', '\n', ';'])
            .map_or(window, |i| at + i)
            .min(sentence_end(&low[..window], at));
        let in_part = ws[k + 1..]
            .iter()
            .take_while(|&&(p, _)| p < part_end)
            .map(|&(_, w)| w)
            .collect::<Vec<_>>();
        if !part_start(low, at) {
            let near = &in_part[..in_part.len().min(3)];
            let street = near.iter().position(|w| words::is_address_word(w));
            let amount = near.iter().position(|w| is_amount(w));
            if street.is_some_and(|s| amount.is_none_or(|a| a > s)) {
                return Some(widen(low, prefix_start(low, at)));
            }
            continue;
        }
        let amount = in_part.iter().position(|w| is_amount(w));
        let street = in_part
            .iter()
            .take(4)
            .position(|w| words::is_address_word(w));
        let city = in_part
            .len()
            .checked_sub(1)
            .filter(|&i| words::is_city(in_part[i]));
        if street
            .or(city)
            .is_some_and(|s| amount.is_none_or(|a| a > s))
        {
            return Some(at);
        }
    }
    None
}

/// A house number in the middle of its part starts the address at the part's start when the
/// words before it name a place too ("MIG 22", "Tower C 4"), and nothing there is an amount.
fn prefix_start(low: &str, at: usize) -> usize {
    let start = low[..at].rfind([',', '\n', '.', ';']).map_or(0, |i| i + 1);
    let before = words_at(&low[start..at]);
    let placey = before.iter().any(|&(_, w)| words::is_address_word(w));
    let amounts = before
        .iter()
        .any(|&(_, w)| words::unit(w).is_some() || words::number_word(w).is_some());
    if placey && !amounts {
        start + before.first().map_or(0, |&(i, _)| i)
    } else {
        at
    }
}

/// An address found at `at` also takes the comma-parts just before it on its line that are
/// part of it ("Tower C, Flat 1104, …", "MIG 22, behind Shastri Chowk").
fn widen(low: &str, mut at: usize) -> usize {
    loop {
        let before = low[..at].trim_end_matches([' ', ',']);
        if before.len() == low[..at].len() || !low[before.len()..at].contains(',') {
            return at;
        }
        let start = before.rfind([',', '\n', '.', ';']).map_or(0, |i| i + 1);
        let part = &low[start..before.len()];
        let placey = words_at(part)
            .iter()
            .any(|&(_, w)| words::is_address_word(w) || words::is_city(w));
        let amounts = words_at(part)
            .iter()
            .any(|&(_, w)| words::unit(w).is_some() || words::number_word(w).is_some());
        if !placey || amounts {
            return at;
        }
        at = start + (part.len() - part.trim_start().len());
    }
}

/// "flat 201", "house no. 14", "plot 7": an opener with a number soon after; "near Rajwada",
/// "opp. bus stand": a landmark word after. `rest` is the words after `w`.
fn opens_address(w: &str, rest: &[(usize, &str)]) -> bool {
    if !words::is_address_start(w) {
        return false;
    }
    let landmark = ["near", "opp", "opp.", "opposite", "behind", "beside"].contains(&w);
    if landmark {
        return rest.first().is_some_and(|&(_, n)| {
            n.starts_with(|c: char| c.is_ascii_alphabetic())
                && words::unit(n).is_none()
                && !words::is_filler(n)
        });
    }
    rest.iter()
        .take(3)
        .any(|(_, n)| n.starts_with(|c: char| c.is_ascii_digit()))
}

/// True when `at` opens the text, a line, a comma-part or a sentence.
fn part_start(low: &str, at: usize) -> bool {
    let before = low[..at].trim_end_matches(' ');
    before.is_empty() || before.ends_with(['\n', ',', ';', '.', ':'])
}

/// Masks a PIN code (six digits, not starting with 0) and returns it, so it is never an amount.
fn mask_pin(buf: &mut String) -> Option<String> {
    let low = buf.to_ascii_lowercase();
    let (at, pin) = words_at(&low).into_iter().find(|&(_, w)| {
        w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()) && !w.starts_with('0')
    })?;
    let pin = pin.to_owned();
    mask(buf, at, at + pin.len());
    Some(pin)
}

/// "12", "12a", "402/5", "7-b": a short run that starts with a digit (a phone number is longer).
fn is_house_number(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit())
        && w.len() <= 6
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-')
}

/// Where a delivery time tacked onto an address starts ("..., Andheri by 6 pm"), or
/// `end` when there is none.
fn when_cut(text: &str, from: usize, end: usize) -> usize {
    let low = text[from..end].to_ascii_lowercase();
    let timely = |rest: &str| {
        rest.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
            WHEN_WORDS.contains(&w)
                || w.strip_suffix("pm")
                    .or(w.strip_suffix("am"))
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    // Each cue counts where it first comes; the earliest followed by a time cuts. One pass
    // over the spaces: this runs for every address read, in every message.
    let mut seen = [false; CUTS.len()];
    for (p, _) in low.match_indices(' ') {
        let rest = &low[p..];
        let Some(k) = CUTS.iter().position(|c| rest.starts_with(c)) else {
            continue;
        };
        if !std::mem::replace(&mut seen[k], true) && timely(rest) {
            return from + p;
        }
    }
    end
}

/// What can join a time onto an address ("... Andheri by 6 pm").
const CUTS: [&str; 7] = [
    " by ", " before ", " after ", " till ", " until ", " around ", " at ",
];

const WHEN_WORDS: &[&str] = &[
    "pm",
    "am",
    "baje",
    "tomorrow",
    "today",
    "tonight",
    "evening",
    "morning",
    "night",
    "noon",
    "afternoon",
    "oclock",
];

fn looks_like_address(v: &str) -> bool {
    let has_digit = v.bytes().any(|c| c.is_ascii_digit());
    v.starts_with(|c: char| c.is_ascii_digit())
        || (v.contains(',') && has_digit)
        || v.split(|c: char| !c.is_alphanumeric() && c != '.')
            .any(words::is_address_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Fields {
        extract(text).1
    }

    #[test]
    fn labelled_fields() {
        let f =
            fields("Name Sneha Joshi 9823098230\naddr Shanti Heights B-3, Pune\nNote - gift wrap");
        assert_eq!(f.name.as_deref(), Some("Sneha Joshi"));
        assert_eq!(f.address.as_deref(), Some("Shanti Heights B-3, Pune"));
        assert_eq!(f.notes, vec!["gift wrap".to_string()]);
        assert_eq!(f.phone.as_deref(), Some("919823098230"));
    }

    #[test]
    fn address_mid_line_stops_at_sentence() {
        let f = fields("send 1 kg. Address: 23, 4th Cross, Bangalore. Phone +919845012345");
        assert_eq!(f.address.as_deref(), Some("23, 4th Cross, Bangalore"));
        assert_eq!(
            fields("Address: H.No 45, Sector 15").address.as_deref(),
            Some("H.No 45, Sector 15")
        );
        // "patta" (पत्ता) is how Hindi and Marathi speakers often spell it.
        let f = fields("1 kilo tomato pathva. Patta: 21, Prabhat Road, Pune. Phone 9850098500");
        assert_eq!(f.address.as_deref(), Some("21, Prabhat Road, Pune"));
    }

    #[test]
    fn deliver_to_address_is_masked() {
        let (masked, f) = extract("2 kg jalebi to 3rd floor, 221 Hill Road, Bandra. thanks");
        assert_eq!(
            f.address.as_deref(),
            Some("3rd floor, 221 Hill Road, Bandra")
        );
        assert!(f.address_inferred);
        assert!(!masked.contains("221"));
        assert_eq!(fields("I want to order 1 kg jalebi").address, None);
    }

    #[test]
    fn indian_address_words_mark_an_address() {
        for (text, want) in [
            ("2 kg jalebi, 8 Scheme 54 Indore", "8 Scheme 54 Indore"),
            (
                "1 kg kaju katli, 3 Palasia Square Indore",
                "3 Palasia Square Indore",
            ),
            (
                "10 samosa. Flat 201 Shree Tower, AB Road",
                "Flat 201 Shree Tower, AB Road",
            ),
            (
                "500 g kaju katli, house no. 14, Vijay Nagar",
                "house no. 14, Vijay Nagar",
            ),
            ("1 kg jalebi near Rajwada, Indore", "near Rajwada, Indore"),
            ("2 kg jalebi, 54 Indore", "54 Indore"),
        ] {
            let (masked, f) = extract(text);
            assert_eq!(f.address.as_deref(), Some(want), "{text}");
            assert!(f.address_inferred, "{text}");
            assert!(!masked.contains(want), "{text}: {masked}");
        }
    }

    #[test]
    fn an_amount_or_a_product_is_not_an_address() {
        for text in [
            "10 samosa, 2 kg jalebi",
            "2 mysore pak",
            "12 kg jalebi near",
            "10 samosa. thanks",
            "1 kg jalebi for a house party",
        ] {
            assert_eq!(fields(text).address, None, "{text}");
        }
    }

    #[test]
    fn a_pin_code_is_never_an_amount() {
        let (masked, f) = extract("1 kg jalebi 452001");
        assert_eq!(f.address.as_deref(), Some("452001"));
        assert!(!masked.contains("452001"));
    }
}
