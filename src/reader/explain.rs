//! How one message was read (`novi parse --explain`): the contact fields taken out first, each
//! clause's words and what each became, the order lines with why a line is unclear or
//! unknown, and the intent with the cue that decided it. It is gathered from the reader's own
//! stages during the one reading it prints, so it cannot tell of another reading.

use serde::Serialize;
use serde_json::{json, Value};

use super::clauses::Clause;
use super::elements::{El, Kind};
use super::fields::Fields;
use super::index::ProductIndex;
use super::lexer::{Lexed, Tok};
use super::lines::{Line, LineKind, Parsed};
use super::numbers::{QUnit, Qty};
use super::{clip, generic, read_seen, words, Intent, Reading, UnclearReason};
use crate::domain::limits::max_line_amount;
use crate::domain::{format_amount, Unit};

mod intent;
mod text;

/// What the stages of one reading found, handed over by the reader as it reads.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// The contact fields as `fields::extract` found them, before the intent weighs them.
    pub fields: Fields,
    lx: Lexed,
    clauses: Vec<Clause>,
    parsed: Parsed,
    /// The intent from cues and lines, before a generic word with an amount makes an order.
    classified: Option<Intent>,
}

impl Seen {
    pub(crate) fn keep(&mut self, lx: Lexed, clauses: Vec<Clause>, parsed: Parsed, i: Intent) {
        self.lx = lx;
        self.clauses = clauses;
        self.parsed = parsed;
        self.classified = Some(i);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The reading, exactly as [`super::read`] gives it.
    #[serde(skip)]
    pub reading: Reading,
    /// Contact fields, found and masked before anything else is read.
    pub fields: Vec<FieldSeen>,
    pub clauses: Vec<ClauseSeen>,
    /// The order lines read from the clauses, before they are summed into the reading.
    pub lines: Vec<LineSeen>,
    /// The lines count only when the message is an order; otherwise they are dropped.
    pub lines_kept: bool,
    pub intent: IntentSeen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSeen {
    pub field: &'static str,
    pub value: String,
    /// How it was found, or why it was dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A clause: the stretch between separators, "aur"/"and" and line breaks that one line is
/// read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseSeen {
    pub text: String,
    /// Ended by "?": what it names is asked about, not ordered.
    pub question: bool,
    pub words: Vec<WordSeen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordSeen {
    /// The words as written.
    pub text: String,
    /// `amount`, `product`, `unknown`, `merged`, `note` or `other`.
    pub became: &'static str,
    pub meaning: String,
    /// The products the words name (several when the name fits several).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineSeen {
    /// The line's own words: its amount and its name.
    pub text: String,
    /// `item`, `unclear` or `unknown`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<String>,
    /// Grams or pieces, for an item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnclearReason>,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntentSeen {
    pub intent: Intent,
    pub decided_by: String,
    /// Every cue phrase of the vocabulary found in the message.
    pub cues: Vec<CueSeen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CueSeen {
    /// The cue section: cancel, status, price, menu, request, order-wish or goods.
    pub cue: &'static str,
    pub words: String,
}

/// Reads `text` as [`super::read`] does and tells how.
pub fn explain(catalog: &ProductIndex, text: &str) -> Explanation {
    let mut seen = Seen::default();
    let reading = read_seen(catalog, text, Some(&mut seen));
    // The stages saw Hindi script romanised, so their spans are into the romanised text.
    let romanised = super::roman::romanised(clip(text));
    let text: &str = &romanised;
    let s = &seen;
    let clauses = s
        .clauses
        .iter()
        .zip(&s.parsed.elements)
        .map(|(c, els)| clause(catalog, text, s, c, els))
        .collect();
    Explanation {
        fields: fields(&s.fields, &reading),
        clauses,
        lines: s
            .parsed
            .lines
            .iter()
            .map(|l| line(catalog, text, l))
            .collect(),
        lines_kept: reading.intent == Intent::Order,
        intent: intent::seen(text, s, &reading),
        reading,
    }
}

impl Explanation {
    /// The explanation as JSON, with the reading in the shape `novi parse` prints it.
    pub fn to_json(&self) -> Value {
        let mut v = json!(self);
        if let Value::Object(m) = &mut v {
            m.insert("reading".into(), self.reading.to_debug_json());
        }
        v
    }

    /// The explanation as a person reads it, ending with the reading as `novi parse` prints it.
    pub fn to_text(&self) -> String {
        text::render(self)
    }
}

fn words_at(text: &str, (a, b): (usize, usize)) -> String {
    text.get(a..b).unwrap_or("").trim().to_owned()
}

fn fields(f: &Fields, r: &Reading) -> Vec<FieldSeen> {
    let seen = |field, value: &String, note: Option<&str>| FieldSeen {
        field,
        value: value.clone(),
        note: note.map(str::to_owned),
    };
    let mut out = Vec::new();
    out.extend(r.name.iter().map(|v| seen("name", v, None)));
    let phone = "digits with the country code";
    out.extend(r.phone.iter().map(|v| seen("phone", v, Some(phone))));
    let inferred = f
        .address_inferred
        .then_some("from \"… to <place>\" or a street");
    match (&f.address, &r.address) {
        (_, Some(v)) => out.push(seen("address", v, inferred)),
        (Some(v), None) => out.push(seen(
            "address",
            v,
            Some("dropped: found without a label, it counts only in an order"),
        )),
        _ => {}
    }
    out.extend(r.notes.iter().map(|v| seen("notes", v, None)));
    out
}

fn clause(cat: &ProductIndex, text: &str, s: &Seen, c: &Clause, els: &[El]) -> ClauseSeen {
    let lx = &s.lx;
    let mut words = Vec::new();
    let mut t = c.start;
    for e in els {
        if e.t0 > t {
            rest(text, s, t, e.t0, &mut words);
        }
        // An amount or a name with nothing to pair with, inside an instruction, is part of it.
        let loose = e.partner.is_none() && !matches!(e.kind, Kind::N(_));
        if loose && in_note(s, e.t0) && in_note(s, e.t1 - 1) {
            rest(text, s, e.t0, e.t1, &mut words);
        } else {
            words.push(element(cat, text, lx, e, els));
        }
        t = t.max(e.t1);
    }
    rest(text, s, t, c.end, &mut words);
    ClauseSeen {
        text: words_at(text, lx.range_span(c.start, c.end)),
        question: c.question,
        words,
    }
}

/// Tokens `a..b` that became no element: runs of note words and of words read past.
fn rest(text: &str, s: &Seen, a: usize, b: usize, out: &mut Vec<WordSeen>) {
    let lx = &s.lx;
    let mut i = a;
    while i < b {
        let note = in_note(s, i);
        let mut j = i + 1;
        while j < b && in_note(s, j) == note {
            j += 1;
        }
        let number = (i..j).any(|k| matches!(lx.kind(k), Tok::Num(_)));
        let (became, meaning) = match (note, number) {
            (true, _) => ("note", "an instruction, kept in the notes"),
            (false, true) => ("other", "read past: a number that is no amount here"),
            (false, false) => ("other", "read past"),
        };
        out.push(WordSeen {
            text: words_at(text, lx.range_span(i, j)),
            became,
            meaning: meaning.to_owned(),
            skus: Vec::new(),
        });
        i = j;
    }
}

/// Token `i` lies in a delivery or packing note.
fn in_note(s: &Seen, i: usize) -> bool {
    let (x, y) = s.lx.span(i);
    s.parsed.notes.iter().any(|&(a, b)| a <= x && y <= b)
}

fn element(cat: &ProductIndex, text: &str, lx: &Lexed, e: &El, els: &[El]) -> WordSeen {
    let partner = e.partner.and_then(|p| els.get(p));
    let with = partner.map(|p| words_at(text, lx.range_span(p.t0, p.t1)));
    let (became, meaning, skus) = match &e.kind {
        Kind::Q(q) => ("amount", amount_meaning(q, with), Vec::new()),
        Kind::N(items) => {
            let skus: Vec<String> = items.iter().map(|&i| cat.sku(i).to_owned()).collect();
            let what = match items.as_slice() {
                [one] => product_name(cat, *one),
                _ => format!("fits several products: {}", skus.join(", ")),
            };
            let amount = with.map_or("no amount".into(), |w| format!("amount \"{w}\""));
            ("product", format!("{what}; {amount}"), skus)
        }
        Kind::U => {
            let amount = with.map_or(String::new(), |w| format!("; amount \"{w}\""));
            let meaning = format!("no product of this shop by this name{amount}");
            ("unknown", meaning, Vec::new())
        }
        Kind::Gone => {
            let meaning = "folded into its neighbour: part of the amount beside it, or a word \
                           between an amount and its product";
            ("merged", meaning.to_owned(), Vec::new())
        }
    };
    WordSeen {
        text: words_at(text, lx.range_span(e.t0, e.t1)),
        became,
        meaning,
        skus,
    }
}

fn product_name(cat: &ProductIndex, id: u32) -> String {
    match cat.item(id) {
        Some(p) => format!("{} ({}, sold by {})", p.sku, p.name, unit_word(p.unit)),
        None => cat.sku(id).to_owned(),
    }
}

fn unit_word(u: Unit) -> &'static str {
    match u {
        Unit::Kg => "weight",
        Unit::Pc => "the piece",
    }
}

fn amount_meaning(q: &Qty, with: Option<String>) -> String {
    let a = amount(q);
    match with {
        Some(w) => format!("{a}, for \"{w}\""),
        None if q.unit_only || q.word_only => format!("{a}, with nothing to count: read past"),
        None => format!("{a}, with no product of its own: it changes the line before, if any"),
    }
}

/// An amount as read, before it meets a product: "1.5 kg", "2 box", "×2", "3 (no unit)".
fn amount(q: &Qty) -> String {
    let (whole, frac) = (q.milli / 1000, q.milli % 1000);
    let n = if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:03}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    };
    let unit = match q.unit {
        QUnit::None if q.mult_mark => return format!("×{n}"),
        QUnit::None => "(no unit)",
        QUnit::Gram => "g",
        QUnit::Kg => "kg",
        QUnit::Piece => "pc",
        QUnit::Box => "box",
        QUnit::Dozen => "dozen",
        QUnit::Liquid => "l",
    };
    let each = if q.distributive { " each" } else { "" };
    format!("{n} {unit}{each}")
}

fn line(cat: &ProductIndex, text: &str, l: &Line) -> LineSeen {
    let written = words_at(text, l.span);
    let sku = |i: &u32| cat.sku(*i).to_owned();
    let (kind, skus, qty, reason, why) = match &l.kind {
        LineKind::Item { item, qty } => {
            let unit = cat.item(*item).map_or(Unit::Pc, |p| p.unit);
            let why = format!("{} of {}", format_amount(unit, u64::from(*qty)), sku(item));
            ("item", vec![sku(item)], Some(*qty), None, why)
        }
        LineKind::Unclear { items, reason } => {
            let why = unclear_why(cat, items, *reason, l.qty_given);
            let skus = items.iter().map(sku).collect();
            ("unclear", skus, None, Some(*reason), why)
        }
        LineKind::Unknown => (
            "unknown",
            Vec::new(),
            None,
            None,
            unknown_why(cat, &written),
        ),
    };
    LineSeen {
        text: written,
        kind,
        skus,
        qty,
        reason,
        why,
    }
}

/// Why a shopkeeper would ask back about this line.
fn unclear_why(cat: &ProductIndex, items: &[u32], reason: UnclearReason, given: bool) -> String {
    let names: Vec<&str> = items.iter().map(|&i| cat.sku(i)).collect();
    let unit = items.first().and_then(|&i| cat.item(i)).map(|p| p.unit);
    let sold = unit.map_or("", unit_word);
    match reason {
        UnclearReason::NoQuantity if given => format!(
            "no quantity it can be sold by: the amount does not fit {}, sold by {sold} \
             (a box it has no box of, or part of a piece)",
            names.join(", ")
        ),
        UnclearReason::NoQuantity => {
            format!(
                "no quantity: {} is named without an amount",
                names.join(", ")
            )
        }
        UnclearReason::BareNumberForWeight => format!(
            "a bare number for a product sold by weight: {} in kilos or grams?",
            names.join(", ")
        ),
        UnclearReason::Ambiguous => format!("fits several products: {}", names.join(", ")),
        UnclearReason::TooMuch => {
            let most = unit.map_or(String::new(), |u| {
                let max = u64::from(max_line_amount(u));
                format!(" (at most {})", format_amount(u, max))
            });
            format!("too much: more than one order line holds{most}")
        }
    }
}

/// What becomes of a name the catalog does not have.
fn unknown_why(cat: &ProductIndex, name: &str) -> String {
    if words::is_place(name) {
        return "a place: it belongs to the address, so it is dropped".into();
    }
    let kind = generic::kind_of(cat, name);
    if kind.is_empty() {
        return "not sold here: no product, alias or variant of this name".into();
    }
    let skus: Vec<&str> = kind.iter().map(|&i| cat.sku(i)).collect();
    format!(
        "a kind of goods, not a product: asked which of {} products ({})",
        skus.len(),
        skus.join(", ")
    )
}

#[cfg(test)]
mod tests;
