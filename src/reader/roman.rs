//! A message with Hindi script in it, as the reader reads it: every Devanagari word in its
//! romanised spelling, Devanagari digits as 0-9 and a danda as a full stop, with a map back
//! to what was written so the text kept for the shop (name, address, notes, unclear and
//! unknown lines) stays as the customer wrote it.

// Why the whole message and not each word in the lexer: contact labels ("नाम:", "पता:"),
// phone and house numbers, names and intent cues are read before and beside the lexer,
// from the text itself; romanising the text once lets every stage read Hindi script the
// way it reads romanised Hindi, and a message with no Devanagari is not copied at all.

use super::script;
use super::{IndexedProduct, Reading};
use std::borrow::Cow;

/// Where a piece of the romanised text came from: bytes `r` of it were written as bytes `o`.
#[derive(Debug, Clone, Copy)]
struct Piece {
    r: (usize, usize),
    o: (usize, usize),
}

#[derive(Debug)]
pub(crate) struct Romanised {
    text: String,
    /// The transliterated pieces in order; text between them is copied as it was.
    pieces: Vec<Piece>,
}

/// True when `text` has anything from the Devanagari block (U+0900-U+097F, which UTF-8
/// writes as E0 A4 xx or E0 A5 xx); one pass over the bytes, no allocation.
pub(crate) fn has_devanagari(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == 0xE0 && matches!(b.get(i + 1), Some(0xA4 | 0xA5)))
}

/// The romanised message, or None when it has no Devanagari (then it is read as it is).
pub(crate) fn romanise(text: &str) -> Option<Romanised> {
    if !has_devanagari(text) {
        return None;
    }
    let mut out = Romanised {
        text: String::with_capacity(text.len() + text.len() / 4),
        pieces: Vec::new(),
    };
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let r0 = out.text.len();
        if script::is_letter(c) {
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                let joiner = matches!(n, '\u{200C}' | '\u{200D}');
                if !(script::is_letter(n) || joiner) {
                    break;
                }
                end = j + n.len_utf8();
                chars.next();
            }
            let word: String = text[i..end]
                .chars()
                .filter(|&c| script::is_letter(c))
                .collect();
            script::word(&word, &mut out.text);
            out.pieces.push(Piece {
                r: (r0, out.text.len()),
                o: (i, end),
            });
            continue;
        }
        match (script::digit(c), c) {
            (Some(d), _) => out.text.push(char::from(b'0' + d)),
            (None, '।' | '॥' | '॰') => out.text.push('.'),
            _ => {
                out.text.push(c);
                continue;
            }
        }
        out.pieces.push(Piece {
            r: (r0, out.text.len()),
            o: (i, i + c.len_utf8()),
        });
    }
    Some(out)
}

/// Romanised `text` when it has Devanagari, else `text` itself.
pub(crate) fn romanised(text: &str) -> Cow<'_, str> {
    match romanise(text) {
        Some(r) => Cow::Owned(r.text),
        None => Cow::Borrowed(text),
    }
}

/// The catalog as the name index sees it: a Devanagari name or alias also under its
/// romanised spelling, so "काजू कतली" in the catalog meets "kaju katli" and "काजू कतली".
pub(crate) fn catalog_names(items: &[IndexedProduct]) -> Cow<'_, [IndexedProduct]> {
    let any = items
        .iter()
        .any(|p| has_devanagari(&p.name) || p.aliases.iter().any(|a| has_devanagari(a)));
    if !any {
        return Cow::Borrowed(items);
    }
    let with = |p: &IndexedProduct| {
        let mut p = p.clone();
        let extra: Vec<String> = std::iter::once(&p.name)
            .chain(&p.aliases)
            .filter_map(|n| Some(romanise(n)?.text))
            .collect();
        p.aliases.extend(extra);
        p
    };
    Cow::Owned(items.iter().map(with).collect())
}

impl Romanised {
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Where byte `at` of the romanised text was written; inside a transliterated piece, its
    /// start (`end` false) or its end (`end` true).
    fn written_at(&self, at: usize, end: bool) -> usize {
        let k = self.pieces.partition_point(|p| p.r.0 < at);
        if let Some(p) = self.pieces.get(k).filter(|p| p.r.0 == at && !end) {
            return p.o.0;
        }
        match k.checked_sub(1).and_then(|k| self.pieces.get(k)) {
            Some(p) if at < p.r.1 || (end && at == p.r.1) => {
                if end {
                    p.o.1
                } else {
                    p.o.0
                }
            }
            Some(p) => p.o.1 + (at - p.r.1),
            None => at,
        }
    }

    /// The words of `written` that the romanised `s` stands for, when `s` is part of the
    /// romanised text (word by word when it is words of it joined by single spaces).
    fn original<'w>(&self, written: &'w str, s: &str) -> Option<Cow<'w, str>> {
        if s.is_empty() {
            return None;
        }
        if let Some(a) = self.text.find(s) {
            let span = (
                self.written_at(a, false),
                self.written_at(a + s.len(), true),
            );
            return written.get(span.0..span.1).map(Cow::Borrowed);
        }
        // Only a short run of words (a name) is looked for word by word, so putting text back
        // stays linear in the message's length.
        if s.split(' ').count() > 8 {
            return None;
        }
        let mut from = 0;
        let mut out = Vec::new();
        for w in s.split(' ') {
            let a = from + self.text.get(from..)?.find(w)?;
            from = a + w.len();
            out.push(written.get(self.written_at(a, false)..self.written_at(from, true))?);
        }
        Some(Cow::Owned(out.join(" ")))
    }

    fn put_back(&self, written: &str, s: &mut String) {
        if let Some(o) = self.original(written, s) {
            *s = o.into_owned();
        }
    }

    /// Puts the customer's own writing back into the text a reading of the romanised
    /// message keeps: name, address, each note, the unclear and unknown lines, and the words
    /// each sure line was read from (which staff corrections turn into aliases).
    pub(crate) fn restore(&self, written: &str, r: &mut Reading) {
        for s in [&mut r.name, &mut r.address].into_iter().flatten() {
            self.put_back(written, s);
        }
        if let Some(notes) = &mut r.notes {
            let mut parts: Vec<String> = notes.split("; ").map(str::to_owned).collect();
            for p in &mut parts {
                self.put_back(written, p);
            }
            *notes = parts.join("; ");
        }
        for u in &mut r.unclear {
            self.put_back(written, &mut u.text);
        }
        for u in &mut r.unknown {
            self.put_back(written, u);
        }
        for s in &mut r.sources {
            self.put_back(written, &mut s.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_is_not_copied() {
        assert!(romanise("2 kg kaju katli, ₹500 — ½ kg jalebi 😀").is_none());
        assert!(matches!(romanised("1 kg jalebi"), Cow::Borrowed(_)));
    }

    #[test]
    fn words_digits_and_dandas() {
        let r = romanise("२ किलो काजू कतली। फोन ९८२६०१२३४५").map(|r| r.text);
        assert_eq!(r.as_deref(), Some("2 kilo kaaju katli. phone 9826012345"));
        let mixed = romanise("bhaiya 1 kg jalebi aur आधा किलो ढोकला").map(|r| r.text);
        assert_eq!(
            mixed.as_deref(),
            Some("bhaiya 1 kg jalebi aur aadha kilo dhokla")
        );
    }

    fn catalog() -> crate::reader::ProductIndex {
        crate::reader::ProductIndex::from_csv(include_str!(
            "../../tests/data/sweetshop-catalog.csv"
        ))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sure_line_keeps_its_devanagari_words_for_an_alias() {
        let r = crate::reader::read(&catalog(), "२ किलो काजू बर्फी भेज दो");
        let src = r.sources.first().map(|s| (s.sku.as_str(), s.text.as_str()));
        assert_eq!(src.map(|s| s.0), Some("kaju-katli"));
        let words = src.map(|s| crate::reader::alias_words(s.1));
        assert_eq!(words.as_deref(), Some("काजू बर्फी"));
    }

    #[test]
    fn an_address_in_devanagari_is_found_by_its_words() {
        let r = crate::reader::read(&catalog(), "२ किलो जलेबी, फ्लैट २०१ शांति टावर, एमजी रोड");
        assert_eq!(r.items.len(), 1);
        assert_eq!(r.address.as_deref(), Some("फ्लैट २०१ शांति टावर, एमजी रोड"));
    }

    #[test]
    fn an_explanation_shows_the_words_as_read() {
        let e = crate::reader::explain(&catalog(), "२ किलो जलेबी भेज दो");
        assert!(e.to_text().contains("2 kilo jalebi"), "{}", e.to_text());
    }

    #[test]
    fn a_chat_reads_products_named_in_devanagari() {
        let cat = catalog();
        let m = crate::reader::mentions(&cat, "जलेबी नहीं, समोसे भेज दो");
        let got: Vec<(&str, bool)> = m.iter().map(|m| (m.sku.as_str(), m.negated)).collect();
        assert_eq!(got, [("jalebi", true), ("samosa", false)]);
    }

    #[test]
    fn romanised_pieces_map_back_to_what_was_written() {
        let text = "पता: १२, विजय नगर, इंदौर";
        let r = romanise(text).unwrap_or_else(|| panic!("Devanagari"));
        assert_eq!(r.text(), "pata: 12, vijay nagar, indore");
        let back = r.original(text, "12, vijay nagar, indore");
        assert_eq!(back.as_deref(), Some("१२, विजय नगर, इंदौर"));
        assert_eq!(r.original(text, "nagar").as_deref(), Some("नगर"));
        assert_eq!(r.original(text, "pata: 12").as_deref(), Some("पता: १२"));
        assert_eq!(r.original(text, "absent"), None);
    }
}
