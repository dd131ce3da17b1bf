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

pub(crate) fn clauses(lx: &Lexed) -> Vec<Clause> {
    let mut out = Vec::new();
    let (mut start, mut conj, mut listed) = (0, false, false);
    for i in 0..=lx.len() {
        let kind = lx.kind(i);
        let word_conj = kind == Tok::Word && is_conj(lx.low(i));
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
}
