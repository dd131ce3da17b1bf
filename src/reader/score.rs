//! Scores the reader against a labelled JSONL corpus as the corpus README defines it:
//! exact-match rate, item precision/recall, per-field accuracy, the misses, and how each
//! miss went wrong line by line (the confusion tally).

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
    /// How this message's reading differs from the expected one.
    pub confusion: Confusion,
}

/// How readings differ from the expected ones, line by line. A message's lines are its items
/// (one per sku, amounts summed), its unclear lines and its unknown lines. Items of the same
/// sku are paired first, then unclear with unclear and unknown with unknown; what is left on
/// the two sides is paired up as a wrong product, and the rest is missed or extra. Every line
/// that differs is counted once, so a message is read right exactly when all are zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    /// 1 when the intent differs (the only count by message, not by line).
    pub wrong_intent: usize,
    /// An expected line read as another product, or as unclear or unknown instead of a
    /// product (or the other way round): left over on both sides after pairing.
    pub wrong_product: usize,
    /// The right product with another amount.
    pub wrong_amount: usize,
    /// An expected line with nothing left in the reading to stand for it.
    pub missed_line: usize,
    /// A line in the reading with nothing left in the expectation to stand for it.
    pub extra_line: usize,
}

impl Confusion {
    /// The counts by name, in the order they are reported.
    pub fn named(&self) -> [(&'static str, usize); 5] {
        [
            ("wrong intent", self.wrong_intent),
            ("wrong product", self.wrong_product),
            ("wrong amount", self.wrong_amount),
            ("missed line", self.missed_line),
            ("extra line", self.extra_line),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.named().iter().all(|(_, n)| *n == 0)
    }

    fn add(&mut self, o: &Confusion) {
        self.wrong_intent += o.wrong_intent;
        self.wrong_product += o.wrong_product;
        self.wrong_amount += o.wrong_amount;
        self.missed_line += o.missed_line;
        self.extra_line += o.extra_line;
    }

    /// 1 for every kind this message has, to count the messages of each kind.
    fn messages(&self) -> Confusion {
        let one = |n: usize| usize::from(n > 0);
        Confusion {
            wrong_intent: one(self.wrong_intent),
            wrong_product: one(self.wrong_product),
            wrong_amount: one(self.wrong_amount),
            missed_line: one(self.missed_line),
            extra_line: one(self.extra_line),
        }
    }

    /// Compares an expected reading with the one got, both in the corpus `expect` shape.
    pub fn of(e: &Value, g: &Value) -> Confusion {
        let (ei, gi) = (items(e), items(g));
        let wrong_amount = ei
            .iter()
            .filter(|(k, v)| gi.get(*k).is_some_and(|q| q != *v))
            .count();
        let left = |a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>| {
            a.keys().filter(|k| !b.contains_key(*k)).count()
        };
        let extra = |k: &str| count(g, k).saturating_sub(count(e, k));
        let short = |k: &str| count(e, k).saturating_sub(count(g, k));
        let to_num = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let expected_left = left(&ei, &gi) + to_num(short("unclear")) + to_num(short("unknown"));
        let got_left = left(&gi, &ei) + to_num(extra("unclear")) + to_num(extra("unknown"));
        let wrong_product = expected_left.min(got_left);
        Confusion {
            wrong_intent: usize::from(e["intent"] != g["intent"]),
            wrong_product,
            wrong_amount,
            missed_line: expected_left - wrong_product,
            extra_line: got_left - wrong_product,
        }
    }
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
    /// The misses' confusion, summed.
    pub confusion: Confusion,
    /// How many messages have each kind of confusion.
    pub confused_messages: Confusion,
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
            confusion: Confusion::of(&expected, &got),
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
        self.confusion.add(&m.confusion);
        self.confused_messages.add(&m.confusion.messages());
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

/// The figures of several corpora together; misses are left with their own corpus.
pub fn total<'a>(scores: impl IntoIterator<Item = &'a Score>) -> Score {
    let mut t = Score::default();
    for s in scores {
        t.total += s.total;
        t.exact += s.exact;
        t.intent_right += s.intent_right;
        t.items_right += s.items_right;
        t.items_got += s.items_got;
        t.items_expected += s.items_expected;
        for (k, f) in &s.fields {
            let tf = t.fields.entry(k.clone()).or_default();
            tf.agree += f.agree;
            tf.expected += f.expected;
            tf.found += f.found;
            tf.spurious += f.spurious;
        }
        t.confusion.add(&s.confusion);
        t.confused_messages.add(&s.confused_messages);
    }
    t
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

    fn expect(intent: &str, items: &[(&str, u64)], unclear: u64, unknown: u64) -> Value {
        let items: Vec<Value> = items
            .iter()
            .map(|(sku, qty)| serde_json::json!({"sku": sku, "qty": qty}))
            .collect();
        serde_json::json!({"intent": intent, "items": items, "unclear": unclear, "unknown": unknown})
    }

    fn tally(c: Confusion) -> [usize; 5] {
        c.named().map(|(_, n)| n)
    }

    #[test]
    fn confusion_counts_each_differing_line_once() {
        let e = expect("order", &[("kaju-katli", 1000), ("jalebi", 500)], 1, 0);
        assert!(Confusion::of(&e, &e).is_empty());
        // [intent, product, amount, missed, extra]
        let cases = [
            (expect("menu", &[], 0, 0), [1, 0, 0, 3, 0]),
            (
                expect("order", &[("kaju-katli", 2000), ("jalebi", 500)], 1, 0),
                [0, 0, 1, 0, 0],
            ),
            // Jalebi read as another product, and as an unknown name.
            (
                expect("order", &[("kaju-katli", 1000), ("imarti", 500)], 1, 0),
                [0, 1, 0, 0, 0],
            ),
            (
                expect("order", &[("kaju-katli", 1000)], 1, 1),
                [0, 1, 0, 0, 0],
            ),
            // The unclear line taken for sure: a product where a question was expected.
            (
                expect(
                    "order",
                    &[("kaju-katli", 1000), ("jalebi", 500), ("laddu", 1000)],
                    0,
                    0,
                ),
                [0, 1, 0, 0, 0],
            ),
            (
                expect("order", &[("kaju-katli", 1000)], 1, 0),
                [0, 0, 0, 1, 0],
            ),
            (
                expect("order", &[("kaju-katli", 1000), ("jalebi", 500)], 2, 1),
                [0, 0, 0, 0, 2],
            ),
        ];
        for (got, want) in cases {
            assert_eq!(tally(Confusion::of(&e, &got)), want, "{got}");
        }
    }

    #[test]
    fn every_miss_has_a_confusion_and_totals_add_up() {
        let line = |id: &str, text: &str, want: Value| {
            serde_json::json!({"id": id, "text": text, "expect": want}).to_string()
        };
        let corpus = [
            line(
                "right",
                "1 kg jalebi",
                expect("order", &[("jalebi", 1000)], 0, 0),
            ),
            line(
                "amount",
                "2 kg jalebi",
                expect("order", &[("jalebi", 1000)], 0, 0),
            ),
            line(
                "missed",
                "1 kg jalebi aur 10 samosa",
                expect("order", &[("jalebi", 1000)], 0, 0),
            ),
            line("intent", "namaste", expect("other", &[], 0, 0)),
        ]
        .join("\n");
        let s = score(&catalog(), &corpus).unwrap_or_default();
        assert_eq!((s.total, s.exact, s.misses.len()), (4, 1, 3));
        assert!(s.misses.iter().all(|m| !m.confusion.is_empty()));
        assert_eq!(tally(s.confusion), [1, 0, 1, 0, 1]);
        assert_eq!(tally(s.confused_messages), [1, 0, 1, 0, 1]);
        let t = total([&s, &s]);
        assert_eq!((t.total, t.exact, t.items_expected), (8, 2, 6));
        assert_eq!(tally(t.confusion), [2, 0, 2, 0, 2]);
        assert_eq!(t.fields["name"].agree, 2 * s.fields["name"].agree);
        assert!(t.misses.is_empty(), "misses stay with their corpus");
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
