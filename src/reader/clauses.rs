//! Splits the token stream into clauses, the units a shopkeeper reads a line from:
//! at line breaks, punctuation, emoji and the conjunctions "aur" / "and".

use super::lexer::{Lexed, Sep, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clause {
    /// Token range `start..end`.
    pub start: usize,
    pub end: usize,
    /// Joined to the previous clause by "aur", "and", "+" or "&".
    pub conj: bool,
    /// Ended by "?": products named in it are asked about, not ordered.
    pub question: bool,
    /// A list item ("- paneer"): whatever it names was asked for, amount or not.
    pub listed: bool,
}

fn is_conj(w: &str) -> bool {
    matches!(w, "aur" | "and" | "or" | "n" | "evam" | "tatha")
}

/// True when the "and" at `i` stands between a number and "a half" / "a quarter".
fn joins_a_fraction(lx: &Lexed, i: usize) -> bool {
    if lx.low(i) != "and" || i == 0 {
        return false;
    }
    let number_before = match lx.kind(i - 1) {
        Tok::Num(_) => true,
        Tok::Word => super::words::number_word(lx.low(i - 1)).is_some(),
        _ => false,
    };
    let word = |k: usize| (lx.kind(k) == Tok::Word).then(|| lx.low(k));
    let k = if matches!(word(i + 1), Some("a" | "an")) {
        i + 2
    } else {
        i + 1
    };
    number_before && matches!(word(k), Some("half" | "quarter"))
}

/// True when the "and" / "aur" at `i` joins kilos and grams of one amount: "1 kg and 500 g".
fn joins_grams(lx: &Lexed, i: usize) -> bool {
    use super::numbers::QUnit;
    let unit = |k: usize| (lx.kind(k) == Tok::Word).then(|| super::words::unit(lx.low(k)))?;
    i > 0
        && unit(i - 1) == Some(QUnit::Kg)
        && matches!(lx.kind(i + 1), Tok::Num(_))
        && unit(i + 2) == Some(QUnit::Gram)
}

pub(crate) fn clauses(lx: &Lexed) -> Vec<Clause> {
    let mut out = Vec::new();
    let (mut start, mut conj, mut listed) = (0, false, false);
    for i in 0..=lx.len() {
        let kind = lx.kind(i);
        // "one and a half kg": the "and" of a fraction joins one amount, not two lines.
        let word_conj = kind == Tok::Word
            && is_conj(lx.low(i))
            && !joins_a_fraction(lx, i)
            && !joins_grams(lx, i);
        if !(matches!(kind, Tok::Sep(_) | Tok::End | Tok::Bullet) || word_conj) {
            continue;
        }
        if i > start {
            out.push(Clause {
                start,
                end: i,
                conj,
                question: kind == Tok::Sep(Sep::Question),
                listed,
            });
            conj = false;
        }
        conj |= word_conj || kind == Tok::Sep(Sep::Plus);
        listed = kind == Tok::Bullet;
        start = i + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    #[test]
    fn clauses_split_on_conjunctions() {
        let lx = lex("1 kg jalebi aur 2 kg kaju, samosa?");
        let c = clauses(&lx);
        assert_eq!(c.len(), 3);
        assert!(c[1].conj);
        assert!(c[2].question);
    }

    #[test]
    fn the_and_of_a_fraction_joins_one_amount() {
        assert_eq!(clauses(&lex("one and a half kg jalebi")).len(), 1);
        assert_eq!(
            clauses(&lex("2 and a half kg jalebi and 1 kg kaju")).len(),
            2
        );
        assert_eq!(clauses(&lex("1 kg and 500 gm jalebi")).len(), 1);
        assert_eq!(clauses(&lex("1 kg jalebi and 500 gm kaju")).len(), 2);
    }
}
