//! A customer's answer to the question Novi asked about a line: an amount ("500 g"), a choice
//! ("besan wale"), or a product for a generic word ("mithai" → "kaju katli").

use super::reply::Turn;
use crate::reader::{self, IndexedProduct, Item, ProductIndex, Reading, Unclear, UnclearReason};

/// What an answer did to the question it answers.
pub enum Answer {
    /// The lines it settles.
    Settled(Vec<Item>),
    /// It picked a product but not yet an amount: ask that next.
    Narrowed(Unclear),
    /// It is not an answer to this question.
    Not,
}

/// Reads a customer's answer to question `q`.
pub fn resolve(t: &Turn, q: &Unclear, answer: &str) -> Answer {
    let settled = |r: Reading| (!r.items.is_empty() && r.unclear.is_empty()).then_some(r.items);
    if let Some(items) = settled(reader::read(t.catalog, &answer_text(t, q, answer))) {
        return Answer::Settled(items);
    }
    if q.reason != UnclearReason::Ambiguous {
        return Answer::Not;
    }
    // An answer that names one of the choices with its own amount stands as it is.
    let own = settled(reader::read(t.catalog, answer));
    if let Some(items) = own.filter(|v| v.iter().all(|i| q.skus.contains(&i.sku))) {
        return Answer::Settled(items);
    }
    match choice(t, q, answer) {
        Some(chosen) => chosen,
        None => Answer::Not,
    }
}

/// An amount alone ("make it 1 kg", "sorry, 2") said of an order of one product: that
/// product's amount, read as if the message had named it. `None` when it reads as no amount
/// of it (an address, a time, a thank-you).
pub fn amount_for(t: &Turn, sku: &str, answer: &str) -> Option<Vec<Item>> {
    let q = Unclear {
        text: String::new(),
        skus: vec![sku.to_owned()],
        reason: UnclearReason::NoQuantity,
    };
    match resolve(t, &q, answer) {
        Answer::Settled(items) if items.iter().all(|i| i.sku == sku) => Some(items),
        _ => None,
    }
}

/// A choice ("besan wale"): which candidate the answer names, and what the line reads as with
/// only that product to match.
fn choice(t: &Turn, q: &Unclear, answer: &str) -> Option<Answer> {
    let settled = |r: Reading| (!r.items.is_empty() && r.unclear.is_empty()).then_some(r.items);
    // A choice ("besan wale"): find which candidate the answer names, reading it against the
    // candidates alone, then read the original line with only that product to match.
    let candidates: Vec<IndexedProduct> = q
        .skus
        .iter()
        .filter_map(|s| t.catalog.find(s).cloned())
        .collect();
    let picked = reader::read(&ProductIndex::new(candidates.clone()), answer);
    let mut named: Vec<&str> = picked.items.iter().map(|i| i.sku.as_str()).collect();
    named.extend(
        picked
            .unclear
            .iter()
            .filter(|u| u.skus.len() == 1)
            .map(|u| u.skus[0].as_str()),
    );
    named.sort_unstable();
    named.dedup();
    let [sku] = named[..] else { return None };
    let chosen: Vec<IndexedProduct> = candidates.into_iter().filter(|c| c.sku == sku).collect();
    let name = chosen.first().map(|c| c.name.clone()).unwrap_or_default();
    let only_chosen = |v: Vec<Item>| v.into_iter().filter(|i| i.sku == sku).collect::<Vec<_>>();
    let line = settled(reader::read(&ProductIndex::new(chosen), &q.text))
        .or_else(|| {
            settled(reader::read(
                t.catalog,
                &in_place_of_generic(&q.text, &name),
            ))
        })
        .map(only_chosen)
        .filter(|v| !v.is_empty());
    Some(line.map_or_else(
        || {
            Answer::Narrowed(Unclear {
                text: name,
                skus: vec![sku.to_owned()],
                reason: UnclearReason::NoQuantity,
            })
        },
        Answer::Settled,
    ))
}

/// "1 kg mithai" with "Kaju Katli" in place of its generic word: "1 kg Kaju Katli".
fn in_place_of_generic(text: &str, name: &str) -> String {
    text.split(' ')
        .map(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
            if !bare.is_empty() && reader::is_generic_word(bare) {
                w.replace(bare, name)
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What to read when a customer answers a question: a product and an amount together.
fn answer_text(t: &Turn, q: &Unclear, answer: &str) -> String {
    match q.reason {
        // A word in brackets settles a choice: "1 kg laddu (besan)".
        UnclearReason::Ambiguous => format!("{} ({})", q.text, answer.trim()),
        _ => {
            let name = q
                .skus
                .first()
                .and_then(|s| t.catalog.find(s))
                .map_or(q.text.as_str(), |i| i.name.as_str());
            format!("{} {}", answer.trim(), name)
        }
    }
}
