//! The free-text order reader: turns a customer's WhatsApp message into a structured
//! reading (intent, sure lines, unclear and unknown lines, contact fields) against a catalog.

// Pipeline: `fields` (with `phone`, `names`) masks contact text so its numbers are never
// amounts; `lexer` and `clauses` cut the rest up; `elements`, `pairing`, `lines` and
// `assemble` read the order lines (quantity grammar in `numbers`, product names in
// `matcher`, vocabulary in `words` / vocab/*.txt); `intent` decides what the message wants,
// and `sift` drops the lines it only talks or asks about, or takes back out.
// `explain` is handed each stage's result during a reading (`read_seen`) to show how it went.
// A message with Hindi script is first romanised (`roman`, words by `script`) and read
// as romanised Hindi.

mod assemble;
mod clauses;
mod elements;
pub mod explain;
mod fields;
mod generic;
mod index;
mod intent;
mod lexer;
mod lines;
mod matcher;
mod mentions;
mod names;
mod numbers;
mod pairing;
mod phone;
mod roman;
pub mod score;
mod script;
mod sift;
mod sources;
mod words;

pub use explain::{explain, Explanation};
pub use generic::is_generic_word;
pub use index::{IndexedProduct, ProductIndex, Unit};
pub use mentions::{mentions, Mention};
pub use sources::{alias_words, sources, Source, MAX_ALIAS_WORDS};

use crate::domain::limits::{MAX_QUESTIONS, MAX_READ_CHARS};
use lines::LineKind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Longest text kept for one unclear or unknown line, in characters: enough to name it in
/// a question, and a bound on what a reading holds however a line is written.
const MAX_LINE_CHARS: usize = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    Order,
    Greeting,
    Status,
    Cancel,
    Menu,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    /// Grams for kg products, pieces for pc products.
    pub qty: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnclearReason {
    /// "send kaju katli": the product, but no amount.
    NoQuantity,
    /// "2 kaju katli": a count for a product sold by weight.
    BareNumberForWeight,
    /// "1 kg laddu": the name fits more than one product.
    Ambiguous,
    /// "5000 kg kaju katli": more than one order line holds (`domain::limits`).
    TooMuch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unclear {
    /// The line as written.
    pub text: String,
    /// Candidate products.
    pub skus: Vec<String>,
    pub reason: UnclearReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub intent: Intent,
    pub items: Vec<Item>,
    pub unclear: Vec<Unclear>,
    /// Names of products the shop does not sell, as written.
    pub unknown: Vec<String>,
    pub name: Option<String>,
    /// Digits with country code.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    /// The message was longer than [`MAX_READ_CHARS`]; only its start was read.
    #[serde(default)]
    pub clipped: bool,
    /// Unclear and unknown lines past [`MAX_QUESTIONS`] of each: counted, not kept.
    #[serde(default)]
    pub skipped: usize,
    /// What each sure line was read from, for staff corrections to learn the shop's words;
    /// taken in the same pass so a message is read once.
    #[serde(skip)]
    pub sources: Vec<Source>,
    /// Every product the message names for sure, with or without an amount ([`mentions`]):
    /// what a chat edits an open order by. Taken in the same pass.
    #[serde(skip)]
    pub mentions: Vec<Mention>,
}

/// Reads one message: its first [`MAX_READ_CHARS`] characters, so time and memory stay
/// bounded whatever arrives. Never panics; an empty or junk message reads as `Other`.
/// True when `text` has a word only an address has ("nagar", "road", "flat", "near", a city):
/// a message sent alone that names a place, not something to order.
pub fn names_a_place(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '.')
        .map(str::to_lowercase)
        .any(|w| words::is_address_word(&w) || words::is_city(&w))
}

pub fn read(catalog: &ProductIndex, text: &str) -> Reading {
    read_seen(catalog, text, None)
}

/// `read`, handing what its stages found to `seen` when given, so `explain` tells of this
/// very reading rather than of a second one.
fn read_seen(catalog: &ProductIndex, text: &str, seen: Option<&mut explain::Seen>) -> Reading {
    let clipped = clip(text);
    let mut r = read_all(catalog, clipped, seen);
    r.clipped = clipped.len() < text.len();
    r
}

/// The part of `text` that is read: its first [`MAX_READ_CHARS`] characters.
pub fn clip(text: &str) -> &str {
    clip_chars(text, MAX_READ_CHARS)
}

/// Hindi script is read as its romanised spelling (`roman`); the text kept for the shop is
/// then put back as the customer wrote it.
fn read_all(catalog: &ProductIndex, text: &str, seen: Option<&mut explain::Seen>) -> Reading {
    match roman::romanise(text) {
        Some(rom) => {
            let mut r = read_text(catalog, rom.text(), seen);
            rom.restore(text, &mut r);
            r
        }
        None => read_text(catalog, text, seen),
    }
}

fn read_text(catalog: &ProductIndex, text: &str, mut seen: Option<&mut explain::Seen>) -> Reading {
    if let Some(at) = intent::forward_start(text) {
        // Only the customer's own words are read for an order, but a product named in what
        // they forwarded is still named.
        let mut r = own_words(catalog, &text[..at], seen);
        r.mentions = mentions::in_text(catalog, text);
        return r;
    }
    let (masked, mut f) = fields::extract(text);
    if let Some(s) = seen.as_deref_mut() {
        s.fields = f.clone();
    }
    let lx = lexer::lex(&masked);
    let clauses = clauses::clauses(&lx);
    let mut parsed = lines::parse(catalog, &lx, &clauses, seen.is_some());
    let mut said = intent::read(&lx, &clauses);
    let keep = sift::keep(catalog, &lx, &clauses, &mut said, &parsed.lines);
    drop_lines(&mut parsed.lines, &keep);
    let intent = intent::classify(&said.cues, &parsed);
    let mut r = Reading {
        intent,
        items: Vec::new(),
        unclear: Vec::new(),
        unknown: Vec::new(),
        name: f.name.take(),
        phone: f.phone.take(),
        address: f
            .address
            .take()
            .filter(|_| !f.address_inferred || intent == Intent::Order),
        notes: None,
        clipped: false,
        skipped: 0,
        sources: Vec::new(),
        mentions: std::mem::take(&mut parsed.mentions),
    };
    if intent == Intent::Order {
        fill_lines(catalog, text, &parsed.lines, &mut r);
        r.sources = sources::of_lines(catalog, text, &parsed.lines);
        let spans = parsed
            .notes
            .iter()
            .filter_map(|&(a, b)| fields::clean(text.get(a..b)?));
        f.notes.extend(spans);
    } else if let Some(asked) = generic::asked_with_amount(catalog, &masked)
        .filter(|_| intent == Intent::Other)
        .filter(|_| !(said.cues.only_talk() || said.cues.only_refuses()))
    {
        // "kuch sweets chahiye, 1 kg": a kind of goods with an amount is an order to ask about.
        r.intent = Intent::Order;
        r.unclear.push(asked);
    }
    f.notes.dedup();
    r.notes = (!f.notes.is_empty()).then(|| f.notes.join("; "));
    if let Some(s) = seen {
        s.keep(lx, clauses, parsed, intent);
    }
    r
}

/// A forwarded message is someone else's words: only an order the customer adds of their
/// own, before it, is read; anything else is `Other`.
fn own_words(catalog: &ProductIndex, own: &str, mut seen: Option<&mut explain::Seen>) -> Reading {
    let r = read_text(catalog, own, seen.as_deref_mut());
    if r.intent == Intent::Order {
        r
    } else {
        read_text(catalog, "", seen)
    }
}

/// Drops the lines `keep` says no to (see `sift`).
fn drop_lines(lines: &mut Vec<lines::Line>, keep: &[bool]) {
    let mut k = keep.iter();
    lines.retain(|_| k.next().copied().unwrap_or(true));
}

/// The first `max` characters of `text`.
fn clip_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

fn fill_lines(catalog: &ProductIndex, text: &str, lines: &[lines::Line], r: &mut Reading) {
    let written = |(a, b): (usize, usize)| {
        clip_chars(text.get(a..b).unwrap_or("").trim(), MAX_LINE_CHARS).to_owned()
    };
    for l in lines {
        // An unknown name may become a question too (`unknown`), which checks for itself.
        let full = matches!(l.kind, LineKind::Unclear { .. }) && r.unclear.len() >= MAX_QUESTIONS;
        if full {
            r.skipped += 1;
            continue;
        }
        match &l.kind {
            LineKind::Item { item, qty } => {
                let sku = catalog.sku(*item);
                match r.items.iter_mut().find(|i| i.sku == sku) {
                    Some(i) => i.qty = i.qty.saturating_add(*qty),
                    None => r.items.push(Item {
                        sku: sku.to_owned(),
                        qty: *qty,
                    }),
                }
            }
            LineKind::Unclear { items, reason } => r.unclear.push(Unclear {
                text: written(l.span),
                skus: items.iter().map(|&i| catalog.sku(i).to_owned()).collect(),
                reason: *reason,
            }),
            LineKind::Unknown => unknown(catalog, text, l.span, r),
        }
    }
}

/// A name the shop has no product for: a place is dropped (it belongs to an address), a
/// generic word ("mithai") becomes a question about the products of its kind, and anything
/// else is a product the shop does not sell.
fn unknown(catalog: &ProductIndex, text: &str, (a, b): (usize, usize), r: &mut Reading) {
    let name = text.get(a..b).unwrap_or("").trim();
    if words::is_place(name) {
        return;
    }
    let kind = generic::kind_of(catalog, name);
    let kept = if kind.is_empty() {
        r.unknown.len()
    } else {
        r.unclear.len()
    };
    if kept >= MAX_QUESTIONS {
        r.skipped += 1;
        return;
    }
    if kind.is_empty() {
        r.unknown.push(clip_chars(name, MAX_LINE_CHARS).to_owned());
        return;
    }
    // The question keeps the amount written with the word ("1 kg mithai", "kuch sweets
    // chahiye, 1 kg"), so the answer ("kaju katli") can take the word's place; a clause
    // past the line limit is not a line, and only the word is kept.
    let around = generic::clause_around(text, a, b);
    let asked = if around.chars().count() <= MAX_LINE_CHARS {
        around
    } else {
        name
    };
    r.unclear.push(Unclear {
        text: clip_chars(asked, MAX_LINE_CHARS).to_owned(),
        skus: kind.iter().map(|&i| catalog.sku(i).to_owned()).collect(),
        reason: UnclearReason::Ambiguous,
    });
}

impl Reading {
    /// Exactly the corpus `expect` shape: unclear and unknown as counts, optional
    /// fields only when present.
    pub fn to_expect_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("intent".into(), json!(self.intent));
        m.insert("items".into(), json!(self.items));
        m.insert("unclear".into(), json!(self.unclear.len()));
        m.insert("unknown".into(), json!(self.unknown.len()));
        let fields = [
            ("name", &self.name),
            ("phone", &self.phone),
            ("address", &self.address),
            ("notes", &self.notes),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        }
        Value::Object(m)
    }

    /// The expect shape plus what the counts stand for, for debugging and replies; `clipped`
    /// and `skipped` only when the message was too long or raised too many questions.
    pub fn to_debug_json(&self) -> Value {
        let mut v = self.to_expect_json();
        if let Value::Object(m) = &mut v {
            m.insert("unclear_lines".into(), json!(self.unclear));
            m.insert("unknown_lines".into(), json!(self.unknown));
            if self.clipped {
                m.insert("clipped".into(), json!(true));
            }
            if self.skipped > 0 {
                m.insert("skipped".into(), json!(self.skipped));
            }
        }
        v
    }
}

#[cfg(test)]
mod shop_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_intent;
