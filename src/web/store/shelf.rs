//! The storefront's shelves: each category with products on sale, how many, and its slug for
//! `/s/{code}/c/{slug}`. Slugs come from the category's name alone (no table), so a link
//! printed or shared today still works tomorrow unless the category itself is renamed.

use std::collections::HashSet;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::catalog::products;
use crate::error::AppResult;

/// The longest slug made from a name; longer names are cut at a word.
const MAX_SLUG: usize = 60;

/// One category as the storefront shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shelf {
    /// The name shown: the category, or "Other" for products without one.
    pub name: String,
    /// The category values stored on its products (`""` and `"Other"` share one shelf).
    pub categories: Vec<String>,
    /// Products on sale on it, sold out included.
    pub count: u32,
    pub slug: String,
}

/// The name a category is shown under.
pub fn shown(category: &str) -> &str {
    if category.trim().is_empty() {
        "Other"
    } else {
        category
    }
}

/// The shop's shelves, by name, each with a slug no other shelf of the shop has.
pub fn shelves(conn: &Connection, business_id: i64) -> AppResult<Vec<Shelf>> {
    let mut list: Vec<Shelf> = Vec::new();
    for (category, count) in products::on_sale_categories(conn, business_id)? {
        let name = shown(&category).to_owned();
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        match list.iter_mut().find(|s| s.name == name) {
            Some(s) => {
                s.categories.push(category);
                s.count = s.count.saturating_add(count);
            }
            None => list.push(Shelf {
                name,
                categories: vec![category],
                count,
                slug: String::new(),
            }),
        }
    }
    list.sort_by(|a, b| a.name.cmp(&b.name));
    let slugs = slugs(list.iter().map(|s| s.name.as_str()));
    for (s, slug) in list.iter_mut().zip(slugs) {
        s.slug = slug;
    }
    Ok(list)
}

/// Whether `s` has a slug's shape: lowercase ASCII letters, digits and single inner hyphens.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG + 20
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// The slug a name would have alone: its ASCII letters and digits lowercased, every run of
/// anything else one hyphen. A name with none of them (one written in Devanagari, say) gets
/// `c-` and a short hash of the name: the same name, the same slug, on every machine.
pub fn slug_of(name: &str) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    if out.len() > MAX_SLUG {
        let cut = out[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        out.truncate(cut);
    }
    if out.is_empty() {
        format!("c-{}", hash(name))
    } else {
        out
    }
}

/// Slugs for `names` (in the order given, distinct names), unique among them. Names that read
/// the same as ASCII ("Sweets" and "sweets") share a slug, so all but the first get the
/// name's hash as well: each keeps its own slug whichever others come and go, except the
/// first of such a pair, which keeps the plain one.
pub fn slugs<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    names
        .map(|name| {
            let plain = slug_of(name);
            let mut slug = plain.clone();
            if taken.contains(&slug) {
                slug = format!("{plain}-{}", hash(name));
            }
            // Only a name made to look like another's hashed slug gets this far.
            let mut n = 2;
            while taken.contains(&slug) {
                slug = format!("{plain}-{}-{n}", hash(name));
                n += 1;
            }
            taken.insert(slug.clone());
            slug
        })
        .collect()
}

/// Eight hex digits of the name's SHA-256: short, and the same everywhere and forever.
fn hash(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_made_from_the_name_and_unique_within_the_shop() {
        assert_eq!(slug_of("Sweets"), "sweets");
        assert_eq!(slug_of("  Bengali Sweets!"), "bengali-sweets");
        assert_eq!(
            slug_of("Dry Fruits & Nuts (500 g)"),
            "dry-fruits-nuts-500-g"
        );
        assert_eq!(slug_of("Café"), "caf");
        let hindi = slug_of("मिठाई");
        assert!(hindi.starts_with("c-") && hindi.len() == 10, "{hindi}");
        assert_eq!(slug_of("मिठाई"), hindi, "the same name, the same slug");
        assert_ne!(slug_of("नमकीन"), hindi);
        let long = slug_of(&"Very long name ".repeat(10));
        assert!(long.len() <= MAX_SLUG && !long.ends_with('-'), "{long}");
        for s in [&hindi, &long, "sweets", "dry-fruits-nuts-500-g"] {
            assert!(is_slug(s), "{s}");
        }

        let all = slugs(["Sweets", "sweets", "SWEETS", "Namkeen"].into_iter());
        assert_eq!(all[0], "sweets");
        assert_eq!(all[3], "namkeen");
        let set: HashSet<_> = all.iter().collect();
        assert_eq!(set.len(), 4, "{all:?}");
        assert!(all[1].starts_with("sweets-"), "{all:?}");
        // A second same-looking name's slug does not depend on the others present.
        assert_eq!(slugs(["Sweets", "sweets"].into_iter())[1], all[1]);
    }

    #[test]
    fn only_slug_shaped_text_is_a_slug() {
        for bad in [
            "", "-a", "a-", "a--b", "Sweets", "a/b", "a?b", "../x", "a b",
        ] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }
}
