//! `novi demo fill --products N`: a shop's catalog topped up to N products with generated ones
//! that look like a real Indian sweet shop and snack counter's (mithai by weight, Bengali sweets
//! and bakes by the piece, namkeen, dry fruits, drinks), with their own prices, packs and stock
//! (a few sold out), so the storefront can be tried and benchmarked at a large shop's size.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::catalog::csv::{ProductRow, VariantRow};
use crate::domain::{Money, Sku, Unit};

/// The most products a shop is topped up to.
pub const MAX_PRODUCTS: u64 = 3_000;

/// One kind of goods: its words, how it is sold, what it costs and the packs it comes in.
struct Kind {
    category: &'static str,
    unit: Unit,
    /// Per kg or per piece, in rupees.
    price: (i64, i64),
    packs: &'static [(&'static str, u32)],
    flavours: &'static [&'static str],
    bases: &'static [&'static str],
}

/// A third word that makes more names of the same flavour and base.
const STYLES: [&str; 6] = [
    "",
    "Special",
    "Classic",
    "Sugar-free",
    "Premium",
    "Home-style",
];

const KG_PACKS: &[(&str, u32)] = &[("250 g", 250), ("500 g", 500), ("1 kg", 1000)];
const NAMKEEN_PACKS: &[(&str, u32)] = &[("200 g", 200), ("500 g", 500), ("1 kg", 1000)];

const KINDS: [Kind; 7] = [
    Kind {
        category: "Sweets",
        unit: Unit::Kg,
        price: (400, 1_600),
        packs: KG_PACKS,
        flavours: &[
            "Kesar",
            "Badam",
            "Pista",
            "Chocolate",
            "Coconut",
            "Rose",
            "Mango",
            "Dry Fruit",
            "Malai",
            "Besan",
            "Anjeer",
            "Gulkand",
        ],
        bases: &[
            "Barfi",
            "Peda",
            "Ladoo",
            "Katli",
            "Mysore Pak",
            "Kalakand",
            "Milk Cake",
            "Halwa",
            "Chikki",
            "Soan Papdi",
            "Gujiya",
            "Roll",
        ],
    },
    Kind {
        category: "Bengali Sweets",
        unit: Unit::Pc,
        price: (15, 45),
        packs: &[("Single", 1), ("Box of 6", 6), ("Box of 12", 12)],
        flavours: &[
            "Kesar",
            "Nolen Gur",
            "Rose",
            "Mango",
            "Chocolate",
            "Malai",
            "Strawberry",
            "Plain",
        ],
        bases: &[
            "Rasgulla",
            "Sandesh",
            "Cham Cham",
            "Rajbhog",
            "Gulab Jamun",
            "Kala Jamun",
            "Rasmalai",
            "Mishti Doi",
        ],
    },
    Kind {
        category: "Namkeen",
        unit: Unit::Kg,
        price: (200, 650),
        packs: NAMKEEN_PACKS,
        flavours: &[
            "Aloo",
            "Ratlami",
            "Navratan",
            "Cornflakes",
            "Masala",
            "Pudina",
            "Lemon",
            "Garlic",
            "Khatta Meetha",
            "Peri Peri",
        ],
        bases: &[
            "Bhujia",
            "Mixture",
            "Sev",
            "Chivda",
            "Moong Dal",
            "Chana Dal",
            "Mathri",
            "Khakhra",
            "Peanuts",
            "Banana Chips",
        ],
    },
    Kind {
        category: "Bakery",
        unit: Unit::Pc,
        price: (25, 750),
        packs: &[],
        flavours: &[
            "Black Forest",
            "Pineapple",
            "Butterscotch",
            "Red Velvet",
            "Chocolate",
            "Vanilla",
            "Fruit",
            "Eggless Mango",
            "Coffee Walnut",
        ],
        bases: &[
            "Cake (1 kg)",
            "Cake (500 g)",
            "Pastry",
            "Cookies (200 g)",
            "Muffin",
            "Cupcake",
            "Rusk (300 g)",
            "Tea Cake",
            "Brownie",
        ],
    },
    Kind {
        category: "Snacks",
        unit: Unit::Pc,
        price: (10, 80),
        packs: &[],
        flavours: &[
            "Aloo", "Paneer", "Onion", "Dal", "Corn", "Cheese", "Mix Veg", "Mirchi",
        ],
        bases: &[
            "Samosa", "Kachori", "Pakora", "Vada", "Puff", "Sandwich", "Roll", "Cutlet",
        ],
    },
    Kind {
        category: "Dry Fruits",
        unit: Unit::Kg,
        price: (500, 2_600),
        packs: KG_PACKS,
        flavours: &[
            "Whole", "Roasted", "Salted", "Honey", "Masala", "Jumbo", "Broken", "Afghani",
        ],
        bases: &[
            "Cashews",
            "Almonds",
            "Pistachios",
            "Raisins",
            "Walnuts",
            "Dates",
            "Figs",
            "Apricots",
        ],
    },
    Kind {
        category: "Beverages",
        unit: Unit::Pc,
        price: (30, 140),
        packs: &[],
        flavours: &[
            "Sweet",
            "Mango",
            "Rose",
            "Kesar",
            "Masala",
            "Strawberry",
            "Salted",
            "Badam",
        ],
        bases: &[
            "Lassi",
            "Chaas",
            "Milk",
            "Thandai",
            "Cold Coffee",
            "Shake",
            "Falooda",
            "Sharbat",
        ],
    },
];

/// `n` products, the same for the same seed: names drawn across the kinds (sweets and namkeen
/// most), each a flavour, a base and sometimes a style, every name and SKU distinct.
pub fn products(n: usize, seed: u64) -> Vec<ProductRow> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pools: Vec<Vec<String>> = KINDS.iter().map(|k| names(k, &mut rng)).collect();
    let mut rows = Vec::with_capacity(n);
    let weights = [5, 2, 4, 3, 2, 2, 2];
    while rows.len() < n && pools.iter().any(|p| !p.is_empty()) {
        for (k, kind) in KINDS.iter().enumerate() {
            for _ in 0..weights[k] {
                if rows.len() < n {
                    if let Some(name) = pools[k].pop() {
                        rows.push(row(kind, name, &mut rng));
                    }
                }
            }
        }
    }
    rows
}

/// Every name a kind makes, shuffled; the plain ones (no style) come out first.
fn names(kind: &Kind, rng: &mut StdRng) -> Vec<String> {
    let mut tiers: Vec<Vec<String>> = STYLES
        .iter()
        .map(|style| {
            let mut tier: Vec<String> = kind
                .flavours
                .iter()
                .flat_map(|f| kind.bases.iter().map(move |b| format!("{f} {b}")))
                .map(|n| {
                    if style.is_empty() {
                        n
                    } else {
                        format!("{style} {n}")
                    }
                })
                .collect();
            tier.shuffle(rng);
            tier
        })
        .collect();
    tiers.reverse();
    tiers.concat()
}

fn row(kind: &Kind, name: String, rng: &mut StdRng) -> ProductRow {
    let rupees = rng.gen_range(kind.price.0..=kind.price.1);
    // Prices end in 0 or 5 above ₹100, as shops set them.
    let rupees = if rupees > 100 { rupees / 5 * 5 } else { rupees };
    let stock = match (rng.gen_ratio(1, 20), kind.unit) {
        (true, _) => 0,
        (false, Unit::Kg) => rng.gen_range(2..=40) * 500,
        (false, Unit::Pc) => rng.gen_range(10..=300),
    };
    ProductRow {
        sku: Sku::from_name(&name).expect("generated names are ASCII"),
        name,
        category: kind.category.into(),
        unit: kind.unit,
        price: Money::from_minor(rupees * 100),
        aliases: Vec::new(),
        variants: kind
            .packs
            .iter()
            .map(|(label, amount)| VariantRow {
                label: (*label).into(),
                amount: *amount,
                price: None,
            })
            .collect(),
        stock: stock as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_distinct_products_the_same_for_a_seed() {
        let n = MAX_PRODUCTS as usize;
        let rows = products(n, 7);
        assert_eq!(rows.len(), n);
        let skus: std::collections::HashSet<_> = rows.iter().map(|r| r.sku.clone()).collect();
        assert_eq!(skus.len(), n, "SKUs are distinct");
        let cats: std::collections::HashSet<_> = rows.iter().map(|r| r.category.as_str()).collect();
        assert_eq!(cats.len(), KINDS.len());
        assert_eq!(products(50, 7), rows[..50].to_vec());
        assert!(rows.iter().any(|r| r.stock == 0) && rows.iter().any(|r| r.stock > 0));
        // Each row makes a valid catalog file line: the file's own reader takes them back.
        let mut file = Vec::new();
        crate::catalog::csv::write_catalog(&rows[..200], &mut file).unwrap();
        let back = crate::catalog::csv::parse_catalog(file.as_slice()).unwrap();
        assert_eq!(back, rows[..200].to_vec());
    }
}
