//! Generic words for a kind of goods ("mithai", "sweets", "namkeen", "cake"). A customer who
//! writes one means one of the shop's products of that kind, so the reader asks which one
//! instead of saying the shop does not sell it.

use super::index::ProductIndex;
use super::{Unclear, UnclearReason};

/// Each group is one kind of goods, in the words customers use for it; a shop's category
/// matches a group when its name is one of the group's words.
const KINDS: &[&[&str]] = &[
    &[
        "sweets",
        "sweet",
        "mithai",
        "mithaai",
        "mithayi",
        "mithaiyan",
        "mishthan",
        "dessert",
        "desserts",
    ],
    &["snacks", "snack", "namkeen", "farsan", "nashta"],
    &["cakes", "cake", "pastry", "pastries"],
    &["breads", "bread", "buns", "bun"],
    &["gifts", "gift", "hamper", "hampers"],
    &["fruits", "fruit", "phal"],
    &[
        "vegetables",
        "vegetable",
        "veggies",
        "sabzi",
        "sabji",
        "sabjiyan",
    ],
    &[
        "drinks",
        "drink",
        "beverages",
        "beverage",
        "juices",
        "juice",
    ],
    &["dairy", "doodh"],
];

/// True when `word` is a generic word for some kind of goods ("mithai", "sweets").
pub fn is_generic_word(word: &str) -> bool {
    let w = word.to_lowercase();
    KINDS.iter().any(|g| g.contains(&w.as_str()))
}

/// The clause holding `text[a..b]`: from the separator before it to the one after, and on to
/// the next part when the clause has no amount but that part is one ("… chahiye, 1 kg").
pub(crate) fn clause_around(text: &str, a: usize, b: usize) -> &str {
    const SEPS: [char; 4] = ['\n', ',', '.', ';'];
    let cut = |t: &str| t.find(SEPS).unwrap_or(t.len());
    let from = text[..a].rfind(SEPS).map_or(0, |i| i + 1);
    let mut end = b + cut(&text[b..]);
    let amount = |t: &str| t.chars().any(|c| c.is_ascii_digit());
    if !amount(&text[from..end]) && end < text.len() {
        let next = end + 1 + cut(&text[end + 1..]);
        let part = &text[end + 1..next];
        if amount(part) && part.split_whitespace().count() <= 3 {
            end = next;
        }
    }
    text[from..end].trim()
}

/// A generic word this shop has products for, in a message that also gives an amount: the
/// question to ask about it. `None` for "what sweets do you have?", which has no amount.
pub(crate) fn asked_with_amount(cat: &ProductIndex, text: &str) -> Option<Unclear> {
    if !text.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let (at, word) = text
        .match_indices(|c: char| c.is_alphabetic())
        .filter(|&(i, _)| i == 0 || !text[..i].ends_with(char::is_alphabetic))
        .map(|(i, _)| {
            let end = text[i..]
                .find(|c: char| !c.is_alphabetic())
                .map_or(text.len(), |e| i + e);
            (i, &text[i..end])
        })
        .find(|&(_, w)| is_generic_word(w) && !kind_of(cat, w).is_empty())?;
    let skus = kind_of(cat, word)
        .iter()
        .map(|&i| cat.sku(i).to_owned())
        .collect();
    Some(Unclear {
        text: clause_around(text, at, at + word.len()).to_owned(),
        skus,
        reason: UnclearReason::Ambiguous,
    })
}

/// The products a generic `name` stands for: those in a category of the same kind (or a
/// category named by the word itself). Empty when the word names no kind this shop sells.
pub(crate) fn kind_of(cat: &ProductIndex, name: &str) -> Vec<u32> {
    let word = name.trim().to_lowercase();
    let word = word.as_str();
    let group = KINDS.iter().find(|g| g.contains(&word));
    let fits = |category: &str| {
        let c = category.trim().to_lowercase();
        c == word || group.is_some_and(|g| g.contains(&c.as_str()))
    };
    (0..cat.items().len())
        .filter(|&i| fits(&cat.items()[i].category))
        .filter_map(|i| u32::try_from(i).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generic_word_means_its_category() {
        let cat = ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        let sweets = kind_of(&cat, "Mithai");
        assert_eq!(sweets.len(), 13);
        assert!(sweets
            .iter()
            .all(|&i| cat.items()[i as usize].category == "Sweets"));
        assert_eq!(kind_of(&cat, "snacks").len(), 4);
        assert!(kind_of(&cat, "rabri").is_empty());
        assert!(
            kind_of(&cat, "cake").is_empty(),
            "no cakes in a sweet shop's categories"
        );
    }
}
