//! Product SKUs: short codes like `kaju-katli` that identify a product in files, URLs and orders.
//! Parsing trims and folds ASCII uppercase to lowercase: `Kaju-Katli` is `kaju-katli`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const MAX_LEN: usize = 64;

/// 1 to 64 of `a-z`, `0-9` and `-`, neither starting nor ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sku(String);

/// Why a SKU was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkuError {
    #[error("sku is empty")]
    Empty,
    #[error("sku \"{sku}\" can only have letters a–z, digits and dashes, but it has \"{found}\"")]
    InvalidCharacter { sku: String, found: char },
    #[error("sku is {0} characters long; it can be at most 64")]
    TooLong(usize),
    #[error("sku \"{0}\" cannot start or end with a dash")]
    EdgeDash(String),
}

impl Sku {
    /// Trims the input and lowercases ASCII letters before checking it.
    pub fn parse(input: &str) -> Result<Sku, SkuError> {
        // Errors quote the trimmed input, not the folded one, so owners see what they typed.
        let trimmed = input.trim();
        let sku = trimmed.to_ascii_lowercase();
        if sku.is_empty() {
            return Err(SkuError::Empty);
        }
        if let Some(found) = sku.chars().find(|&c| !is_sku_char(c)) {
            let sku = trimmed.to_owned();
            return Err(SkuError::InvalidCharacter { sku, found });
        }
        if sku.len() > MAX_LEN {
            return Err(SkuError::TooLong(sku.len()));
        }
        if sku.starts_with('-') || sku.ends_with('-') {
            return Err(SkuError::EdgeDash(trimmed.to_owned()));
        }
        Ok(Sku(sku))
    }

    /// Suggests a SKU from a product name, e.g. `Kaju Katli (500g)` → `kaju-katli-500g`.
    /// `None` when the name has no ASCII letters or digits to build one from.
    pub fn from_name(name: &str) -> Option<Sku> {
        let mut slug = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        slug.truncate(MAX_LEN);
        Sku::parse(slug.trim_end_matches('-')).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_sku_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

impl FromStr for Sku {
    type Err = SkuError;

    fn from_str(s: &str) -> Result<Sku, SkuError> {
        Sku::parse(s)
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Sku {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Sku {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sku {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Sku::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sku(s: &str) -> Result<String, SkuError> {
        Sku::parse(s).map(|s| s.as_str().to_owned())
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(sku("kaju-katli").as_deref(), Ok("kaju-katli"));
        assert_eq!(sku("  Kaju-Katli ").as_deref(), Ok("kaju-katli"));
        assert_eq!(sku("a").as_deref(), Ok("a"));
        assert_eq!(sku("box-of-12").as_deref(), Ok("box-of-12"));
        assert_eq!(sku("a--b").as_deref(), Ok("a--b"));
        let longest = "a".repeat(64);
        assert_eq!(sku(&longest), Ok(longest.clone()));
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(sku(""), Err(SkuError::Empty));
        assert_eq!(sku(" \t "), Err(SkuError::Empty));
    }

    #[test]
    fn rejects_bad_characters() {
        let cases = [
            ("Kaju Katli", ' '),
            ("kaju_katli", '_'),
            ("café", 'é'),
            ("a/b", '/'),
        ];
        for (input, found) in cases {
            let expected = SkuError::InvalidCharacter {
                sku: input.to_owned(),
                found,
            };
            assert_eq!(sku(input), Err(expected));
        }
    }

    #[test]
    fn rejects_too_long_and_edge_dashes() {
        assert_eq!(sku(&"a".repeat(65)), Err(SkuError::TooLong(65)));
        assert_eq!(sku("-kaju"), Err(SkuError::EdgeDash("-kaju".into())));
        assert_eq!(sku("kaju-"), Err(SkuError::EdgeDash("kaju-".into())));
        assert_eq!(sku("-"), Err(SkuError::EdgeDash("-".into())));
        assert_eq!(sku(" -Kaju "), Err(SkuError::EdgeDash("-Kaju".into())));
    }

    #[test]
    fn suggests_from_names() {
        let from = |n: &str| Sku::from_name(n).map(|s| s.to_string());
        assert_eq!(from("Kaju Katli").as_deref(), Some("kaju-katli"));
        assert_eq!(
            from("  Kaju Katli (500g) ").as_deref(),
            Some("kaju-katli-500g")
        );
        assert_eq!(
            from("Dry Fruit Gift Box!").as_deref(),
            Some("dry-fruit-gift-box")
        );
        assert_eq!(from("काजू कतली"), None);
        assert_eq!(from(""), None);
        let long = format!("{} b", "a".repeat(64));
        assert_eq!(from(&long), Some("a".repeat(64)));
        let dash_at_cut = format!("{} b", "a".repeat(63));
        assert_eq!(from(&dash_at_cut), Some("a".repeat(63)));
    }

    #[test]
    fn round_trips_through_text_and_serde() {
        let s = Sku::parse("kaju-katli").unwrap();
        assert_eq!(s.to_string().parse::<Sku>(), Ok(s.clone()));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"kaju-katli\"");
        assert_eq!(serde_json::from_str::<Sku>(&json).unwrap(), s);
        assert!(serde_json::from_str::<Sku>("\"kaju katli\"").is_err());
    }

    #[test]
    fn error_messages_read_as_sentences() {
        let err = Sku::parse("kaju katli").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sku \"kaju katli\" can only have letters a–z, digits and dashes, but it has \" \""
        );
        assert_eq!(
            SkuError::TooLong(70).to_string(),
            "sku is 70 characters long; it can be at most 64"
        );
    }
}
