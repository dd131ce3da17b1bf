//! What each sure line of a message was read from ("2 kg kaju barfi" → mawa-barfi), and the
//! words of a line as an alias holds them ("kaju barfi"): what staff corrections teach a shop's
//! catalog, so the next message with those words reads right.

use super::index::ProductIndex;
use super::lines::{Line, LineKind};
use super::words;

/// Longest alias learnt from a line, in words: a product's name is rarely longer, and a line
/// longer than that is a sentence, not a name.
pub const MAX_ALIAS_WORDS: usize = 4;

/// One sure line of a message: the product it was read as, and its words as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub sku: String,
    /// The line's amount and product name as the customer wrote them.
    pub text: String,
}

/// The sure lines of `text` read against `catalog`, in message order: those of
/// [`super::read`]'s reading, which keeps them.
pub fn sources(catalog: &ProductIndex, text: &str) -> Vec<Source> {
    super::read(catalog, text).sources
}

/// The sure lines among `lines`, each with its span of `text` as written.
pub(super) fn of_lines(catalog: &ProductIndex, text: &str, lines: &[Line]) -> Vec<Source> {
    lines
        .iter()
        .filter_map(|l| match l.kind {
            LineKind::Item { item, .. } => Some(Source {
                sku: catalog.sku(item).to_owned(),
                text: text.get(l.span.0..l.span.1)?.trim().to_owned(),
            }),
            _ => None,
        })
        .collect()
}

/// The words of a line as an alias holds them: lowercase, single-spaced, without amounts
/// ("2", "500gm", "dedh", "kilo", "x2") or filler ("bhaiya", "bhej do", "please"). Empty when
/// nothing is left or more than [`MAX_ALIAS_WORDS`] words are, since that is no name.
pub fn alias_words(text: &str) -> String {
    let lower = text.to_lowercase();
    let kept: Vec<&str> = lower
        .split(|c: char| !is_word_char(c))
        .flat_map(letters)
        .filter(|w| !is_vocabulary(w))
        .collect();
    if kept.len() > MAX_ALIAS_WORDS {
        return String::new();
    }
    kept.join(" ")
}

/// A letter or digit of any script, including the vowel signs of Indic scripts (which are
/// marks, not letters, yet part of the word); a danda ends a sentence.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || (('\u{0900}'..='\u{0DFF}').contains(&c) && !matches!(c, '।' | '॥'))
}

/// The runs of a token that are not digits: "500gm" is "gm", "x2" is "x", "2" is nothing.
fn letters(token: &str) -> impl Iterator<Item = &str> {
    token.split(char::is_numeric).filter(|w| !w.is_empty())
}

/// A word the reader gives a meaning of its own: an amount, a unit or filler; a lone "x"
/// multiplies.
fn is_vocabulary(w: &str) -> bool {
    // A word in Hindi script ("किलो") means what its romanised spelling does.
    let w = &*super::roman::romanised(w);
    w == "x" || words::unit(w).is_some() || words::number_word(w).is_some() || words::is_filler(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_filler_go_and_the_name_stays() {
        assert_eq!(alias_words("2 kg kaju barfi"), "kaju barfi");
        assert_eq!(
            alias_words("bhaiya 2 kilo Kaju Barfi bhej do"),
            "kaju barfi"
        );
        assert_eq!(alias_words("  KAJU   barfi, please! "), "kaju barfi");
        assert_eq!(alias_words("500gm kesar peda"), "kesar peda");
        assert_eq!(alias_words("dedh kilo jalebi x2"), "jalebi");
        assert_eq!(alias_words("ek dabba rasgulle"), "rasgulle");
        assert_eq!(alias_words("½ kg malai chaap"), "malai chaap");
    }

    #[test]
    fn nothing_left_or_a_sentence_is_no_alias() {
        assert_eq!(alias_words("2 kg"), "");
        assert_eq!(alias_words("please send 2"), "");
        assert_eq!(alias_words(""), "");
        let sentence = "kaju barfi jo pichli baar mili thi";
        assert_eq!(alias_words(sentence), "", "{sentence}");
    }

    #[test]
    fn other_scripts_keep_their_words_whole() {
        assert_eq!(alias_words("२ काजू बर्फी।"), "काजू बर्फी");
        assert_eq!(alias_words("काजू बर्फी"), "काजू बर्फी");
    }

    #[test]
    fn each_sure_line_keeps_the_words_it_was_read_from() {
        let cat = ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        let got = sources(&cat, "bhaiya 2 kg jalebi aur 10 samosa, 12 MG Road");
        let want = [("jalebi", "2 kg jalebi"), ("samosa", "10 samosa")];
        let want: Vec<Source> = want
            .iter()
            .map(|(sku, text)| Source {
                sku: (*sku).into(),
                text: (*text).into(),
            })
            .collect();
        assert_eq!(got, want);
        assert!(
            sources(&cat, "1 kg rabri").is_empty(),
            "an unknown is no sure line"
        );
    }
}
