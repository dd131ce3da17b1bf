//! Scores the reader against a labelled JSONL corpus as the corpus README defines it:
//! exact-match rate, item precision/recall, per-field accuracy, and the misses.

use super::{read, ProductIndex};
use serde_json::Value;
use std::collections::BTreeMap;

const FIELDS: [&str; 4] = ["name", "phone", "address", "notes"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldScore {
    /// Messages whose field agrees: both absent, or both present and equal.
    pub agree: usize,
    /// Messages where the corpus states the field.
    pub expected: usize,
    /// Of those, how many the reader got right.
    pub found: usize,
    /// Messages where the reader gave a field the corpus does not state.
    pub spurious: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub id: String,
    pub text: String,
    pub expected: Value,
    pub got: Value,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub total: usize,
    pub exact: usize,
    pub intent_right: usize,
    /// (sku, qty) pairs the reader got right, gave, and should have given.
    pub items_right: usize,
    pub items_got: usize,
    pub items_expected: usize,
    pub fields: BTreeMap<String, FieldScore>,
    /// Messages not read right (intent, items, unclear or unknown).
    pub misses: Vec<Miss>,
    /// Messages read right whose fields differ.
    pub field_misses: Vec<Miss>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

impl Score {
    pub fn exact_rate(&self) -> f64 {
        ratio(self.exact, self.total)
    }

    pub fn item_precision(&self) -> f64 {
        ratio(self.items_right, self.items_got)
    }

    pub fn item_recall(&self) -> f64 {
        ratio(self.items_right, self.items_expected)
    }

    pub fn field_accuracy(&self, field: &str) -> f64 {
        ratio(self.fields.get(field).map_or(0, |f| f.agree), self.total)
    }

    pub fn summary(&self) -> String {
        let mut s = format!(
            "exact {}/{} ({:.3}) intent {}/{} items P {:.3} R {:.3}",
            self.exact,
            self.total,
            self.exact_rate(),
            self.intent_right,
            self.total,
            self.item_precision(),
            self.item_recall()
        );
        for (k, f) in &self.fields {
            s += &format!(
                " | {k} {:.3} ({}/{} found, {} spurious)",
                self.field_accuracy(k),
                f.found,
                f.expected,
                f.spurious
            );
        }
        s
    }
}

/// Scores every `{"id", "text", "expect"}` line of `corpus_jsonl`.
pub fn score(catalog: &ProductIndex, corpus_jsonl: &str) -> Result<Score, String> {
    let mut s = Score::default();
    for (n, line) in corpus_jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let text = row["text"]
            .as_str()
            .ok_or(format!("line {}: no text", n + 1))?;
        let expected = row["expect"].clone();
        let got = read(catalog, text).to_expect_json();
        let miss = Miss {
            id: row["id"].as_str().unwrap_or("").to_owned(),
            text: text.to_owned(),
            expected,
            got,
        };
        s.add(miss);
    }
    Ok(s)
}

impl Score {
    fn add(&mut self, m: Miss) {
        let (e, g) = (&m.expected, &m.got);
        self.total += 1;
        let intent = e["intent"] == g["intent"];
        self.intent_right += usize::from(intent);
        let (ei, gi) = (items(e), items(g));
        self.items_expected += ei.len();
        self.items_got += gi.len();
        self.items_right += ei.iter().filter(|(k, v)| gi.get(*k) == Some(v)).count();
        let counts = ["unclear", "unknown"]
            .iter()
            .all(|k| count(e, k) == count(g, k));
        let mut fields_ok = true;
        for f in FIELDS {
            let (ev, gv) = (
                e.get(f).and_then(Value::as_str),
                g.get(f).and_then(Value::as_str),
            );
            let agree = field_eq(f, ev, gv);
            fields_ok &= agree;
            let fs = self.fields.entry(f.to_owned()).or_default();
            fs.agree += usize::from(agree);
            fs.expected += usize::from(ev.is_some());
            fs.found += usize::from(ev.is_some() && agree);
            fs.spurious += usize::from(ev.is_none() && gv.is_some());
        }
        if intent && ei == gi && counts {
            self.exact += 1;
            if !fields_ok {
                self.field_misses.push(m);
            }
        } else {
            self.misses.push(m);
        }
    }
}

/// Items as sku → total quantity, so order and repeats don't matter.
fn items(v: &Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for it in v["items"].as_array().into_iter().flatten() {
        let sku = it["sku"].as_str().unwrap_or("").to_owned();
        *out.entry(sku).or_insert(0) += it["qty"].as_u64().unwrap_or(0);
    }
    out
}

fn count(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

fn field_eq(field: &str, e: Option<&str>, g: Option<&str>) -> bool {
    match (e, g) {
        (None, None) => true,
        (Some(e), Some(g)) if field == "address" => fold_address(e) == fold_address(g),
        (Some(e), Some(g)) => e.trim() == g.trim(),
        _ => false,
    }
}

/// Address equality per the corpus: trimmed, case and whitespace folded, trailing
/// punctuation dropped.
fn fold_address(s: &str) -> String {
    let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
    words
        .join(" ")
        .trim_end_matches(|c: char| c.is_ascii_punctuation())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = include_str!("../../tests/data/sweetshop-catalog.csv");
    const CORPUS: &str = include_str!("../../tests/data/orders-dev.jsonl");

    fn catalog() -> ProductIndex {
        ProductIndex::from_csv(CATALOG).unwrap_or_else(|e| panic!("catalog: {e}"))
    }

    #[test]
    fn dev_corpus_is_read_right() {
        let s = score(&catalog(), CORPUS).unwrap_or_else(|e| panic!("corpus: {e}"));
        for m in &s.misses {
            eprintln!(
                "MISS {} {:?}\n  want {}\n  got  {}",
                m.id, m.text, m.expected, m.got
            );
        }
        for m in &s.field_misses {
            eprintln!(
                "FIELD {} {:?}\n  want {}\n  got  {}",
                m.id, m.text, m.expected, m.got
            );
        }
        eprintln!("{}", s.summary());
        assert_eq!(s.total, 120);
        assert!(s.exact_rate() >= 0.95, "{}", s.summary());
    }

    #[test]
    fn scoring_rules() {
        let cat = catalog();
        let line = r#"{"id":"x","text":"1 kg jalebi","expect":{"intent":"order","items":[{"sku":"jalebi","qty":600},{"sku":"jalebi","qty":400}],"unclear":0,"unknown":0}}"#;
        let s = score(&cat, line).unwrap_or_default();
        assert_eq!((s.exact, s.items_right), (1, 1));
        assert!(score(&cat, "not json").is_err());
        assert!(field_eq(
            "address",
            Some("5 Park St, Kolkata."),
            Some(" 5  park st, kolkata")
        ));
    }
}
