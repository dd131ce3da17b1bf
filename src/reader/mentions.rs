//! The products a message names, with or without an amount, and whether it names them to take
//! them out ("jalebi nahi", "remove the samosa"). A chat uses this to edit an order being
//! agreed, where a product named without an amount still means something.

use super::clauses;
use super::elements::{self, El, Kind, Scratch};
use super::fields;
use super::index::ProductIndex;
use super::lexer;
use super::roman;
use super::words;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub sku: String,
    /// Named in a clause that takes it away ("nahi", "no", "remove", "mat", "without").
    pub negated: bool,
}

/// Every product named for sure (one candidate), once each, in message order.
pub fn mentions(catalog: &ProductIndex, text: &str) -> Vec<Mention> {
    in_text(catalog, &roman::romanised(super::clip(text)))
}

/// [`mentions`] of a text already clipped and romanised.
pub(super) fn in_text(catalog: &ProductIndex, text: &str) -> Vec<Mention> {
    let (masked, _) = fields::extract(text);
    let lx = lexer::lex(&masked);
    let mut scratch = Scratch {
        words: Vec::with_capacity(8),
        key: String::with_capacity(32),
        collapsed: String::with_capacity(16),
    };
    let mut out: Vec<Mention> = Vec::new();
    for c in clauses::clauses(&lx) {
        let els = elements::build(catalog, &lx, &c, &mut scratch);
        note(&mut out, catalog, &lx, &c, &els);
    }
    out
}

/// Adds the products clause `c` names for sure to `out`, from its elements as built and
/// before they are paired: a reading notes them as it builds each clause's elements, so a
/// message is read once.
pub(super) fn note(
    out: &mut Vec<Mention>,
    catalog: &ProductIndex,
    lx: &lexer::Lexed,
    c: &clauses::Clause,
    els: &[El],
) {
    let negated = (c.start..c.end).any(|i| lx.is_word(i) && words::is_negation(lx.low(i)));
    for e in els {
        let Kind::N(items) = &e.kind else { continue };
        let [item] = items[..] else { continue };
        let sku = catalog.sku(item);
        if !out.iter().any(|m| m.sku == sku) {
            out.push(Mention {
                sku: sku.to_owned(),
                negated,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, bool)> {
        let cat = ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        mentions(&cat, text)
            .into_iter()
            .map(|m| (m.sku, m.negated))
            .collect()
    }

    #[test]
    fn products_named_with_or_without_amounts() {
        let want = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
            v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
        };
        assert_eq!(names("jalebi nahi"), want(&[("jalebi", true)]));
        assert_eq!(
            names("remove the kaju katli"),
            want(&[("kaju-katli", true)])
        );
        assert_eq!(names("sirf samosa"), want(&[("samosa", false)]));
        assert_eq!(
            names("jalebi mat bhejo, 10 samosa"),
            want(&[("jalebi", true), ("samosa", false)])
        );
        assert!(
            names("1 kg laddu").is_empty(),
            "two laddus: not named for sure"
        );
    }

    #[test]
    fn a_reading_carries_the_same_mentions() {
        let cat = ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        for text in [
            "2 kg kaju katli aur 1 box gulab jamun, 12 MG Road",
            "jalebi mat bhejo, 10 samosa",
            "जलेबी नहीं, समोसे भेज दो",
            "1 kg jalebi\nForwarded:\nsamosa nahi chahiye",
            "",
        ] {
            let read = crate::reader::read(&cat, text).mentions;
            assert_eq!(read, mentions(&cat, text), "{text}");
        }
        assert!(
            !crate::reader::read(&cat, "jalebi nahi").mentions.is_empty(),
            "the comparison above is not of empty lists alone"
        );
        let forwarded = crate::reader::read(&cat, "1 kg jalebi\nForwarded:\nsamosa nahi chahiye");
        assert_eq!(
            forwarded.items.len(),
            1,
            "only the customer's own words are an order"
        );
        assert!(
            forwarded
                .mentions
                .iter()
                .any(|m| m.sku == "samosa" && m.negated),
            "what they forwarded still names its products"
        );
    }
}
