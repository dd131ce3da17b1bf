//! Finds Indian mobile numbers however they are spaced ("98400 12345", "+91 98111
//! 22334"), returns the first with country code, and masks them with their labels.

use super::fields::mask;

/// Words that introduce a number ("Phone:", "my no. is", "call me on").
const PHONE_LABELS: &[&str] = &[
    "ph", "phone", "phn", "mob", "mobile", "no", "number", "num", "contact", "cell", "whatsapp",
    "tel", "is", "my", "mera", "hai", "wa", "on", "me", "call", "at", "pe", "par", "karo",
    "karein",
];

/// The first mobile number as digits with country code; every number found is masked.
pub(crate) fn extract(buf: &mut String) -> Option<String> {
    let b = buf.as_bytes();
    let (mut found, mut spans, mut i) = (None, Vec::new(), 0);
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let groups = digit_groups(b, i);
        let end = groups.last().map_or(i + 1, |g| g.1);
        if let Some((a, z, digits)) = best_phone(b, &groups) {
            found.get_or_insert(digits);
            spans.push((label_start(buf, a), z));
        }
        i = end.max(i + 1);
    }
    for (a, z) in spans {
        mask(buf, a, z);
    }
    found
}

/// Runs of digits joined by single spaces or hyphens ("+91 98111 22334").
fn digit_groups(b: &[u8], mut i: usize) -> Vec<(usize, usize)> {
    let mut groups = Vec::new();
    while groups.len() < 8 {
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        groups.push((s, i));
        let joined =
            matches!(b.get(i), Some(b' ' | b'-')) && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !joined {
            break;
        }
        i += 1;
    }
    groups
}

fn best_phone(b: &[u8], groups: &[(usize, usize)]) -> Option<(usize, usize, String)> {
    for s in 0..groups.len() {
        for e in (s..groups.len().min(s + 5)).rev() {
            let (a, z) = (groups[s].0, groups[e].1);
            if b.get(z).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            let digits: String = b[a..z]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .map(|&c| char::from(c))
                .collect();
            if let Some(p) = phone_digits(&digits) {
                let a = if a > 0 && b[a - 1] == b'+' { a - 1 } else { a };
                return Some((a, z, p));
            }
        }
    }
    None
}

/// A mobile number with country code, from the digits as written.
fn phone_digits(d: &str) -> Option<String> {
    let mobile = |s: &str| s.len() == 10 && s.starts_with(['6', '7', '8', '9']);
    match d.len() {
        10 if mobile(d) => Some(format!("91{d}")),
        11 if d.starts_with('0') && mobile(&d[1..]) => Some(format!("91{}", &d[1..])),
        12 if d.starts_with("91") && mobile(&d[2..]) => Some(d.to_owned()),
        _ => None,
    }
}

/// Walks back over "Phone:", "my no. is" and the like so the label goes with the number.
fn label_start(buf: &str, mut a: usize) -> usize {
    let b = buf.as_bytes();
    loop {
        let mut k = a;
        while k > 0 && matches!(b[k - 1], b' ' | b'\t' | b':' | b'-' | b'.' | b'=' | b'+') {
            k -= 1;
        }
        let w0 = buf[..k]
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_ascii_alphabetic())
            .map_or(0, |(p, c)| p + c.len_utf8());
        if w0 < k && PHONE_LABELS.contains(&buf[w0..k].to_ascii_lowercase().as_str()) {
            a = w0;
        } else {
            return a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(text: &str) -> Option<String> {
        extract(&mut text.to_owned())
    }

    #[test]
    fn phones_with_country_code() {
        assert_eq!(phone("Ph: 98400 12345").as_deref(), Some("919840012345"));
        assert_eq!(
            phone("Mob: +91 98111 22334").as_deref(),
            Some("919811122334")
        );
        assert_eq!(phone("call 09876543210").as_deref(), Some("919876543210"));
        assert_eq!(phone("order 2231 and 50 samosa"), None);
    }
}
