//! The conversation corpus: one JSON line per conversation, `{"id", "messages", "setup",
//! "expect"}`, checked against the shop's catalog before anything is replayed.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Number;

use crate::accounts::businesses::Profile;
use crate::catalog::csv::ProductRow;
use crate::domain::Money;

/// One conversation: what the customer sends, in order, and the order it should end with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    pub id: String,
    pub messages: Vec<String>,
    #[serde(default)]
    pub setup: Setup,
    pub expect: Expect,
}

/// Changes to the shop for one conversation: pack prices, stock, the delivery fee.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default)]
    variant_price: OneOrMany<VariantPrice>,
    /// Grams or pieces, by sku.
    #[serde(default)]
    stock: BTreeMap<String, u64>,
    delivery_fee_minor: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    fn all(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// A pack with its own price, in rupees as in the catalog file (`420`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantPrice {
    sku: String,
    variant: String,
    price: Number,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `null`: the chat ends with no order.
    pub order: Option<ExpectOrder>,
    /// Scored only when stated.
    pub needs_person: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectOrder {
    pub lines: Vec<ExpectLine>,
    pub fulfilment: Option<Fulfilment>,
    pub total_minor: i64,
    pub address: Option<String>,
    #[serde(default)]
    pub notes_contains: Vec<String>,
    /// Days after the shop's today: `kal` is 1, `parso` 2.
    pub deliver_on_offset_days: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fulfilment {
    Delivery,
    Pickup,
}

impl Fulfilment {
    pub fn as_str(self) -> &'static str {
        match self {
            Fulfilment::Delivery => "delivery",
            Fulfilment::Pickup => "pickup",
        }
    }
}

/// A line as expected: an amount of a product (`qty` in grams or pieces, however it is
/// packed), or a count of one of its packs.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ExpectLine {
    Packs(Packs),
    Amount(Amount),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packs {
    pub sku: String,
    pub variant: String,
    pub count: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    pub sku: String,
    pub qty: u32,
}

impl ExpectLine {
    pub fn sku(&self) -> &str {
        match self {
            ExpectLine::Packs(p) => &p.sku,
            ExpectLine::Amount(a) => &a.sku,
        }
    }
}

/// Reads the corpus, checking every name in it against `catalog`; the first bad line stops
/// it with its number, so nothing is scored against a corpus that does not mean what it says.
pub fn parse(text: &str, catalog: &[ProductRow]) -> Result<Vec<Conversation>, String> {
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |problem: String| format!("line {}: {problem}", n + 1);
        let c: Conversation = serde_json::from_str(line).map_err(|e| at(shape_error(&e)))?;
        c.check(catalog).map_err(at)?;
        if !seen.insert(c.id.clone()) {
            return Err(at(format!("id \"{}\" is used twice", c.id)));
        }
        all.push(c);
    }
    if all.is_empty() {
        return Err("no conversations".into());
    }
    Ok(all)
}

fn shape_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("data did not match any variant") {
        // serde's words for a line that is neither shape.
        return "a line is {\"sku\",\"qty\"} or {\"sku\",\"variant\",\"count\"}".into();
    }
    text
}

fn product<'a>(catalog: &'a [ProductRow], sku: &str) -> Result<&'a ProductRow, String> {
    catalog
        .iter()
        .find(|p| p.sku.as_str() == sku)
        .ok_or_else(|| format!("no product \"{sku}\" in the shop's catalog"))
}

fn has_variant(p: &ProductRow, label: &str) -> Result<(), String> {
    match p.variants.iter().any(|v| v.label == label) {
        true => Ok(()),
        false => Err(format!("{} has no variant \"{label}\"", p.sku.as_str())),
    }
}

impl Conversation {
    fn check(&self, catalog: &[ProductRow]) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("an empty \"id\"".into());
        }
        if self.messages.is_empty() || self.messages.iter().any(|m| m.trim().is_empty()) {
            return Err("\"messages\" must be one or more non-empty messages".into());
        }
        self.setup.check(catalog)?;
        for line in self.expect.order.iter().flat_map(|o| &o.lines) {
            let p = product(catalog, line.sku())?;
            if let ExpectLine::Packs(packs) = line {
                has_variant(p, &packs.variant)?;
            }
        }
        Ok(())
    }
}

impl Setup {
    fn check(&self, catalog: &[ProductRow]) -> Result<(), String> {
        for v in self.variant_price.all() {
            has_variant(product(catalog, &v.sku)?, &v.variant)?;
            price(v)?;
        }
        for sku in self.stock.keys() {
            product(catalog, sku)?;
        }
        match self.delivery_fee_minor {
            Some(fee) if fee < 0 => Err("a negative delivery fee".into()),
            _ => Ok(()),
        }
    }

    /// The shop as this conversation needs it. Names were checked by `parse`.
    pub fn apply(&self, profile: &mut Profile, catalog: &mut [ProductRow]) {
        if let Some(fee) = self.delivery_fee_minor {
            profile.delivery_fee_minor = fee;
        }
        for p in catalog.iter_mut() {
            if let Some(stock) = self.stock.get(p.sku.as_str()) {
                p.stock = *stock;
            }
            for v in self
                .variant_price
                .all()
                .iter()
                .filter(|v| v.sku == p.sku.as_str())
            {
                if let Some(pack) = p.variants.iter_mut().find(|pv| pv.label == v.variant) {
                    pack.price = price(v).ok();
                }
            }
        }
    }
}

fn price(v: &VariantPrice) -> Result<Money, String> {
    Money::parse_major(&v.price.to_string()).map_err(|e| e.describe("price"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::csv::parse_catalog;

    fn catalog() -> Vec<ProductRow> {
        let file = include_str!("../../../tests/data/sweetshop-catalog.csv");
        parse_catalog(file.as_bytes()).unwrap()
    }

    #[test]
    fn reads_lines_of_both_shapes_and_a_setup() {
        let text = r#"{"id":"a","messages":["2 dabba gulab jamun","haan"],"setup":{"variant_price":{"sku":"gulab-jamun","variant":"Box of 12","price":420},"stock":{"kaju-katli":17000}},"expect":{"order":{"lines":[{"sku":"gulab-jamun","variant":"Box of 12","count":2},{"sku":"jalebi","qty":500}],"fulfilment":"pickup","total_minor":100}}}

{"id":"b","messages":["20 kg kaju katli","nahi"],"expect":{"order":null,"needs_person":true}}"#;
        let mut rows = catalog();
        let all = parse(text, &rows).unwrap();
        assert_eq!(all.len(), 2);
        let order = all[0].expect.order.as_ref().unwrap();
        assert!(matches!(&order.lines[0], ExpectLine::Packs(p) if p.count == 2));
        assert!(matches!(&order.lines[1], ExpectLine::Amount(a) if a.qty == 500));
        assert_eq!(order.fulfilment, Some(Fulfilment::Pickup));
        assert_eq!(all[1].expect.needs_person, Some(true));

        let mut profile = Profile {
            name: "S".into(),
            address: String::new(),
            phone: String::new(),
            currency: "INR".into(),
            delivery_fee_minor: 4000,
        };
        all[0].setup.apply(&mut profile, &mut rows);
        let jamun = rows
            .iter()
            .find(|r| r.sku.as_str() == "gulab-jamun")
            .unwrap();
        assert_eq!(jamun.variants[1].price, Some(Money::from_minor(42_000)));
        let kaju = rows
            .iter()
            .find(|r| r.sku.as_str() == "kaju-katli")
            .unwrap();
        assert_eq!(kaju.stock, 17_000);
        assert_eq!(profile.delivery_fee_minor, 4000, "kept when not set");
    }

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let rows = catalog();
        let good = r#"{"id":"a","messages":["hi"],"expect":{"order":null}}"#;
        let cases = [
            (
                r#"{"id":"b","messages":["hi"],"expect":{"order":null},"x":1}"#,
                "unknown field `x`",
            ),
            (
                r#"{"id":"a","messages":["hi"],"expect":{"order":null}}"#,
                "used twice",
            ),
            (
                r#"{"id":"b","messages":[],"expect":{"order":null}}"#,
                "one or more",
            ),
            (
                r#"{"id":"b","messages":["hi"],"setup":{"stock":{"rabri":5}},"expect":{"order":null}}"#,
                "no product \"rabri\"",
            ),
            (
                r#"{"id":"b","messages":["hi"],"setup":{"variant_price":{"sku":"jalebi","variant":"Box","price":1}},"expect":{"order":null}}"#,
                "jalebi has no variant \"Box\"",
            ),
            (
                r#"{"id":"b","messages":["hi"],"expect":{"order":{"lines":[{"sku":"jalebi"}],"total_minor":1}}}"#,
                "a line is",
            ),
            (
                r#"{"id":"b","messages":["hi"],"expect":{"order":{"lines":[],"fulfilment":"courier","total_minor":1}}}"#,
                "unknown variant `courier`",
            ),
        ];
        for (bad, why) in cases {
            let err = parse(&format!("{good}\n{bad}"), &rows).unwrap_err();
            assert!(
                err.starts_with("line 2: ") && err.contains(why),
                "{bad}: {err}"
            );
        }
        assert_eq!(parse("\n", &rows).unwrap_err(), "no conversations");
    }
}
