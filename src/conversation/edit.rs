//! A draft is a set of lines the customer edits by talking. After the first message, a new
//! message's lines change the draft rather than pile onto it:
//! - a product already in the draft gets the new amount ("jalebi 2 kg kar do", "make it 1 kg",
//!   "2 ki jagah 3 samosa"), unless the message adds to it ("aur 1 kg jalebi", "500 g bhi");
//! - a product named to take it out goes ("jalebi nahi", "remove the samosa");
//! - "sirf X" / "only X" keeps X alone;
//! - a product not yet in the draft joins it.

use super::drafts::Draft;
use crate::domain::format_amount;
use crate::reader::{Item, Mention, ProductIndex, Reading};

/// Words that make a message add to the amounts already in the draft.
const ADDING: &[&str] = &[
    "bhi", "also", "more", "extra", "add", "another", "plus", "zyada",
];
/// Word pairs that swap one product for another: "X ki jagah Y", "X ke badle Y".
const SWAP: &[(&str, &str)] = &[
    ("ki", "jagah"),
    ("ke", "jagah"),
    ("ki", "jaga"),
    ("ke", "badle"),
    ("ke", "bajaye"),
    ("ke", "bajay"),
];
/// Words that keep only the products the message names.
const ONLY: &[&str] = &["sirf", "only", "bas", "just", "sirff"];

/// True when the message adds to the amounts already in the draft ("aur …" first, "more",
/// "bhi", "extra" …).
pub fn adds(text: &str) -> bool {
    adding(&words(&text.to_lowercase()))
}

fn adding(ws: &[&str]) -> bool {
    ws.first() == Some(&"aur") || ws.iter().any(|w| ADDING.contains(w))
}

/// Applies a message's lines to the draft and records what changed, for the next summary.
pub fn apply(d: &mut Draft, r: &Reading, named: &[Mention], text: &str, catalog: &ProductIndex) {
    let before = d.lines.clone();
    let low = text.to_lowercase();
    let ws = words(&low);
    let adding = adding(&ws);
    if ws.iter().any(|w| ONLY.contains(w)) {
        let keep: Vec<&str> = named
            .iter()
            .filter(|m| !m.negated)
            .map(|m| m.sku.as_str())
            .collect();
        if !keep.is_empty() {
            d.lines.retain(|l| keep.contains(&l.sku.as_str()));
        }
    }
    // "jalebi ki jagah 1 kg kalakand", "kachori ke badle samosa": a product of the draft named
    // in a swap without an amount of its own is the one swapped out.
    let swap = ws.windows(2).any(|p| SWAP.contains(&(p[0], p[1])));
    for m in named.iter().filter(|m| m.negated || swap) {
        if !r.items.iter().any(|i| i.sku == m.sku) {
            d.lines.retain(|l| l.sku != m.sku);
        }
    }
    for item in &r.items {
        match d.lines.iter_mut().find(|l| l.sku == item.sku) {
            Some(line) if adding => line.qty = line.qty.saturating_add(item.qty),
            Some(line) => line.qty = item.qty,
            None => d.lines.push(item.clone()),
        }
    }
    d.changes = changes(&before, &d.lines, catalog);
}

/// "Jalebi 1 kg → 2 kg", "added Samosa 10", "removed Kaju Katli": the difference in words.
pub fn changes(before: &[Item], after: &[Item], catalog: &ProductIndex) -> Vec<String> {
    let label = |i: &Item| {
        catalog.find(&i.sku).map_or_else(
            || (i.sku.clone(), i.qty.to_string()),
            |p| (p.name.clone(), format_amount(p.unit, u64::from(i.qty))),
        )
    };
    let mut out = Vec::new();
    for b in before {
        match after.iter().find(|a| a.sku == b.sku) {
            None => out.push(format!("removed {}", label(b).0)),
            Some(a) if a.qty != b.qty => {
                let ((name, was), (_, now)) = (label(b), label(a));
                out.push(format!("{name} {was} → {now}"));
            }
            Some(_) => {}
        }
    }
    for a in after
        .iter()
        .filter(|a| !before.iter().any(|b| b.sku == a.sku))
    {
        let (name, amount) = label(a);
        out.push(format!("added {name} {amount}"));
    }
    out
}

/// The words of `low`, a message already lowercased: once for the whole message, rather than
/// a string for each word.
fn words(low: &str) -> Vec<&str> {
    low.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader;

    fn catalog() -> ProductIndex {
        ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The draft after `first`, then `then`, as (sku, qty).
    fn after(first: &str, then: &str) -> Vec<(String, u32)> {
        let cat = catalog();
        let mut d = Draft::new(0);
        d.lines = reader::read(&cat, first).items;
        let r = reader::read(&cat, then);
        apply(&mut d, &r, &reader::mentions(&cat, then), then, &cat);
        d.lines.into_iter().map(|l| (l.sku, l.qty)).collect()
    }

    fn lines(v: &[(&str, u32)]) -> Vec<(String, u32)> {
        v.iter().map(|(s, q)| (s.to_string(), *q)).collect()
    }

    #[test]
    fn a_new_amount_replaces_the_old_one() {
        let want = lines(&[("jalebi", 2000)]);
        assert_eq!(after("1 kg jalebi", "nahi, jalebi 2 kg kar do"), want);
        let want = lines(&[("kaju-katli", 1000)]);
        assert_eq!(
            after("500 g kaju katli", "actually make kaju katli 1 kg"),
            want
        );
        assert_eq!(
            after("2 samosa", "2 ki jagah 3 samosa"),
            lines(&[("samosa", 3)])
        );
    }

    #[test]
    fn adding_removing_and_keeping_only() {
        let base = "1 kg jalebi, 10 samosa";
        let both = lines(&[("jalebi", 2000), ("samosa", 10)]);
        assert_eq!(after(base, "aur 1 kg jalebi"), both);
        assert_eq!(after(base, "jalebi nahi"), lines(&[("samosa", 10)]));
        assert_eq!(after(base, "sirf samosa"), lines(&[("samosa", 10)]));
        let more = lines(&[("jalebi", 1000), ("samosa", 10), ("kachori", 5)]);
        assert_eq!(after(base, "5 kachori bhi"), more);
        let swapped = lines(&[("samosa", 10), ("kalakand", 1000)]);
        assert_eq!(after(base, "jalebi ki jagah 1 kg kalakand"), swapped);
        assert_eq!(after(base, "jalebi ke badle 1 kg kalakand"), swapped);
        // An amount swapped for another stays the product's own change.
        assert_eq!(
            after("2 samosa", "2 ki jagah 3 samosa"),
            lines(&[("samosa", 3)])
        );
    }

    #[test]
    fn what_changed_is_said_in_words() {
        let cat = catalog();
        let before = reader::read(&cat, "1 kg jalebi, 10 samosa").items;
        let after = reader::read(&cat, "2 kg jalebi, 5 kachori").items;
        assert_eq!(
            changes(&before, &after, &cat),
            ["Jalebi 1 kg → 2 kg", "removed Samosa", "added Kachori 5 pc"]
        );
    }
}
