//! Generic words for a kind of goods ("mithai", "sweets", "namkeen", "cake"). A customer who
//! writes one means one of the shop's products of that kind, so the reader asks which one
//! instead of saying the shop does not sell it.

use super::index::ProductIndex;

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
