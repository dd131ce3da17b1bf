//! Finds a customer's name where no label gives it: "this is Sunita Rao", "main Anjali
//! bol rahi hu", "Order for Vikas Mehta", or a sign-off like "Thanks - Ananya".

use std::sync::LazyLock;

use memchr::memmem;

use super::fields::{clean, mask};
use super::words;

/// Introductions, and whether the name after them must be capitalised to count
/// ("this is urgent" is not a name).
const INTROS: &[(&str, bool)] = &[
    ("my name is ", false),
    ("mera naam ", false),
    ("myself ", true),
    ("this is ", true),
    ("i am ", true),
    ("i'm ", true),
    // Marathi "mi Prakash Deshpande" ("I am ..."): only a capitalised name counts.
    ("mi ", true),
];

/// What closes a message right before the sender's name: thanks, or a dash after a
/// sentence or on a line of its own ("... Pune. - Neha").
const SIGN_OFFS: &[&str] = &[
    "thank you",
    "thanks",
    "thanx",
    "thx",
    "regards",
    "dhanyavad",
    "dhanyawad",
    "shukriya",
    ". -",
    ".-",
    "\n-",
    ". –",
    "\n–",
];

/// A labelled name value: up to five words of letters.
pub(crate) fn trim_name(value: &str) -> Option<String> {
    let words: Vec<&str> = value
        .split_whitespace()
        .take_while(|w| w.chars().all(|c| c.is_alphabetic() || ".'".contains(c)))
        .take(5)
        .collect();
    clean(&words.join(" "))
}

/// Finds, masks and returns a name given in passing.
pub(crate) fn inline(buf: &mut String) -> Option<String> {
    let low = buf.to_ascii_lowercase();
    let (a, z, name) = intro(&low, buf)
        .or_else(|| bol_raha(&low, buf))
        .or_else(|| order_for(&low, buf))
        .or_else(|| here(&low, buf))
        .or_else(|| sign_off(&low, buf))?;
    mask(buf, a, z);
    Some(name)
}

fn at_word_start(low: &str, p: usize) -> bool {
    p == 0 || !low.as_bytes()[p - 1].is_ascii_alphanumeric()
}

/// Up to `max` name words from `from`, one space apart: (end, name).
fn name_words(buf: &str, from: usize, caps: bool, max: usize) -> Option<(usize, String)> {
    let (mut i, mut end, mut n) = (from, from, 0);
    while n < max {
        let rest = &buf[i..];
        let len = rest
            .find(|c: char| !(c.is_alphabetic() || c == '.'))
            .unwrap_or(rest.len());
        let word = rest[..len].trim_end_matches('.');
        let lower = word.to_lowercase();
        let capital = word.starts_with(char::is_uppercase);
        if word.len() < 2 || (caps && !capital) || words::is_known(&lower) {
            break;
        }
        end = i + word.len();
        n += 1;
        i += len;
        if !buf[i..].starts_with(' ') {
            break;
        }
        i += 1;
    }
    (n > 0).then(|| (end, buf[from..end].to_owned()))
}

fn intro(low: &str, buf: &str) -> Option<(usize, usize, String)> {
    INTROS.iter().find_map(|&(pat, caps)| {
        low.match_indices(pat)
            .filter(|&(p, _)| at_word_start(low, p))
            .find_map(|(p, _)| {
                let (end, name) = name_words(buf, p + pat.len(), caps, 3)?;
                Some((p, end, name))
            })
    })
}

/// "main Anjali bol rahi hu": the words between "main" and "bol".
fn bol_raha(low: &str, buf: &str) -> Option<(usize, usize, String)> {
    for pat in ["main ", "mai ", "me "] {
        for (p, _) in low
            .match_indices(pat)
            .filter(|&(p, _)| at_word_start(low, p))
        {
            let from = p + pat.len();
            let Some((end, name)) = name_words(buf, from, false, 2) else {
                continue;
            };
            if low[end..].trim_start().starts_with("bol") {
                return Some((from, end, name));
            }
        }
    }
    None
}

fn order_for(low: &str, buf: &str) -> Option<(usize, usize, String)> {
    let mut line_start = 0;
    for line in low.split('\n') {
        let lead = line.len() - line.trim_start().len();
        let p = line_start + lead;
        if line.trim_start().starts_with("order for ") {
            if let Some((end, name)) = name_words(buf, p + 10, true, 4) {
                return Some((p, end, name));
            }
        }
        line_start += line.len() + 1;
    }
    None
}

/// "Rahul here." opening a line.
fn here(low: &str, buf: &str) -> Option<(usize, usize, String)> {
    let mut line_start = 0;
    for line in low.split('\n') {
        let p = line_start + line.len() - line.trim_start().len();
        if let Some((end, name)) = name_words(buf, p, true, 2) {
            let rest = &low[end..];
            let after = rest.strip_prefix(" here").map(|r| r.trim_start());
            if after.is_some_and(|r| r.is_empty() || r.starts_with(['.', ',', '!', '\n', '-'])) {
                return Some((p, end + 5, name));
            }
        }
        line_start += line.len() + 1;
    }
    None
}

/// "Thanks - Ananya" closing the message.
fn sign_off(low: &str, buf: &str) -> Option<(usize, usize, String)> {
    // Searchers set up once: every message is searched for each sign-off.
    static FINDERS: LazyLock<Vec<memmem::FinderRev<'static>>> =
        LazyLock::new(|| SIGN_OFFS.iter().map(memmem::FinderRev::new).collect());
    FINDERS.iter().find_map(|finder| {
        let p = finder.rfind(low.as_bytes())?;
        let from = p + finder.needle().len();
        let rest = &buf[from..];
        let skip = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_whitespace() || ",.-–—:!".contains(c))
                .len();
        if skip == 0 {
            return None;
        }
        let (end, name) = name_words(buf, from + skip, true, 3)?;
        let tail_is_empty = !buf[end..].chars().any(char::is_alphanumeric);
        tail_is_empty.then_some((p, end, name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Option<String> {
        inline(&mut text.to_owned())
    }

    #[test]
    fn names_in_passing() {
        assert_eq!(
            name("Namaste, this is Sunita Rao. Please send").as_deref(),
            Some("Sunita Rao")
        );
        assert_eq!(
            name("Main Anjali bol rahi hu, 2 kg").as_deref(),
            Some("Anjali")
        );
        assert_eq!(
            name("Order for Vikas Mehta\n3 kg jalebi").as_deref(),
            Some("Vikas Mehta")
        );
        assert_eq!(
            name("my no. is 98. Thanks - Ananya").as_deref(),
            Some("Ananya")
        );
        assert_eq!(name("my name is ravi kumar").as_deref(), Some("ravi kumar"));
        assert_eq!(name("Rahul here. 2 kg barfi").as_deref(), Some("Rahul"));
        assert_eq!(
            name("Dada, mi Prakash Deshpande. 2 kilo kanda").as_deref(),
            Some("Prakash Deshpande")
        );
    }

    #[test]
    fn not_names() {
        assert_eq!(name("this is urgent"), None);
        assert_eq!(name("mi udya yeto"), None);
        assert_eq!(name("thank you bhaiya, mithai acchi thi"), None);
        assert_eq!(name("Thanks Bhaiya"), None);
        assert_eq!(trim_name("KARAN SINGH  ").as_deref(), Some("KARAN SINGH"));
    }
}
