//! The product form: what an owner typed, turned into a `ProductInput` or a list of what is
//! wrong, and drawn again with the typed values kept. Variants need no script: a few blank rows.

use std::collections::BTreeMap;

use maud::{html, Markup};

use crate::catalog::products::{Product, ProductInput, VariantInput};
use crate::domain::limits::{check_line_amount, MAX_PRICE};
use crate::domain::{format_amount, parse_amount, Money, Sku, Unit};
use crate::web::layout::{csrf_field, error_box, field_with_error, MONEY};

/// Blank variant rows offered below the filled ones.
const BLANK_ROWS: usize = 3;
/// More rows than any form draws: anything beyond is not from our page.
const MAX_ROWS: usize = 50;

#[derive(Debug, Default, Clone)]
pub struct VariantFields {
    pub label: String,
    pub amount: String,
    pub price: String,
}

#[derive(Debug, Default, Clone)]
pub struct ProductForm {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub price: String,
    pub aliases: String,
    pub active: bool,
    pub low_stock: String,
    /// Only on the new-product form: stock to start with, recorded as a stock move.
    pub opening_stock: String,
    pub variants: Vec<VariantFields>,
    /// The product's [`Product::edit_version`] when the page was opened (edit form only).
    pub seen: String,
}

impl ProductForm {
    pub fn blank() -> Self {
        Self {
            unit: "kg".into(),
            active: true,
            ..Self::default()
        }
    }

    /// Reads a posted form; variant rows arrive as `v0_label`, `v0_amount`, `v0_price`, ...
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        let mut rows: BTreeMap<usize, VariantFields> = BTreeMap::new();
        for (key, value) in pairs {
            match key.as_str() {
                "sku" => f.sku = value,
                "name" => f.name = value,
                "category" => f.category = value,
                "unit" => f.unit = value,
                "price" => f.price = value,
                "aliases" => f.aliases = value,
                "active" => f.active = true,
                "low_stock" => f.low_stock = value,
                "opening_stock" => f.opening_stock = value,
                "seen" => f.seen = value,
                other => variant_field(&mut rows, other, value),
            }
        }
        // Blank rows are drawn again after the filled ones; kept here too, each refused save
        // would add another three.
        f.variants = rows.into_values().filter(|r| !r.is_blank()).collect();
        f
    }

    pub fn from_product(p: &Product) -> Self {
        let amount = |n: u32| format_amount(p.unit, u64::from(n));
        Self {
            sku: p.sku.clone(),
            name: p.name.clone(),
            category: p.category.clone(),
            unit: p.unit.to_string(),
            price: p.price.to_major_string(),
            aliases: p.aliases.join(", "),
            active: p.active,
            low_stock: format_amount(p.unit, p.low_stock.unsigned_abs()),
            opening_stock: String::new(),
            seen: p.edit_version(),
            variants: p
                .variants
                .iter()
                .map(|v| VariantFields {
                    label: v.label.clone(),
                    amount: amount(v.amount),
                    price: v.price.map(|m| m.to_major_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// The product this form describes and its opening stock, or every problem in it.
    pub fn parse(&self) -> Result<(ProductInput, i64), Problems> {
        let mut problems = Problems::default();
        let built = self.build(&mut problems);
        match built {
            Some(done) if problems.fields.is_empty() => Ok(done),
            _ => Err(problems),
        }
    }

    /// Parses every field, noting one message per bad one, so the owner sees all at once.
    fn build(&self, problems: &mut Problems) -> Option<(ProductInput, i64)> {
        let p = problems;
        let unit = keep(
            "unit",
            self.unit.parse::<Unit>().map_err(|e| e.to_string()),
            p,
        );
        let name = keep("name", text(&self.name, "name", true), p);
        let sku = keep("sku", self.sku(), p);
        let category = keep("category", text(&self.category, "category", false), p);
        let price = Money::parse_major(&self.price).map_err(|e| e.describe("price"));
        let price = keep("price", price, p);
        let aliases = keep("aliases", parse_aliases(&self.aliases), p);
        // Amounts mean nothing without a unit, so they are only read when it is good.
        let unit = unit?;
        let low_stock = optional_amount(unit, &self.low_stock, "low-stock level");
        let low_stock = keep("low_stock", low_stock, p);
        let opening = optional_amount(unit, &self.opening_stock, "opening stock");
        let opening = keep("opening_stock", opening, p);
        let variants = keep("variants", parse_variants(unit, &self.variants), p);
        let input = ProductInput {
            sku: sku?,
            name: name?,
            category: category?,
            unit,
            price: price?,
            aliases: aliases?,
            active: self.active,
            low_stock: low_stock?,
            variants: variants?,
        };
        Some((input, opening?))
    }

    fn sku(&self) -> Result<Sku, String> {
        match self.sku.trim() {
            "" => Sku::from_name(self.name.trim())
                .ok_or_else(|| "sku is empty and cannot be made from the name".to_owned()),
            typed => Sku::parse(typed).map_err(|e| e.to_string()),
        }
    }
}

fn variant_field(rows: &mut BTreeMap<usize, VariantFields>, key: &str, value: String) {
    let Some((index, part)) = key.strip_prefix('v').and_then(|k| k.split_once('_')) else {
        return;
    };
    let Some(index) = index.parse::<usize>().ok().filter(|i| *i < MAX_ROWS) else {
        return;
    };
    let row = rows.entry(index).or_default();
    match part {
        "label" => row.label = value,
        "amount" => row.amount = value,
        "price" => row.price = value,
        _ => {}
    }
}

/// What is wrong with a posted form: a message beside each field that is wrong, and one for
/// the whole form when the problem is no one field's (a sku already taken).
#[derive(Debug, Default, Clone)]
pub struct Problems {
    /// `(field name, message)`, in form order.
    pub fields: Vec<(&'static str, String)>,
    pub general: Option<String>,
}

impl Problems {
    pub fn general(message: impl Into<String>) -> Self {
        Self {
            fields: Vec::new(),
            general: Some(message.into()),
        }
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.as_str())
    }

    /// The box above the form: the general problem, or a pointer to the marked fields.
    fn summary(&self) -> Option<String> {
        let marked = (!self.fields.is_empty()).then(|| {
            let n = self.fields.len();
            let what = if n == 1 { "field" } else { "fields" };
            format!("Please correct the {what} marked below.")
        });
        match (&self.general, marked) {
            (Some(g), Some(m)) => Some(format!("{g} {m}")),
            (g, m) => g.clone().or(m),
        }
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all: Vec<&str> = self
            .general
            .iter()
            .map(String::as_str)
            .chain(self.fields.iter().map(|(_, m)| m.as_str()))
            .collect();
        f.write_str(&all.join("; "))
    }
}

fn keep<T>(field: &'static str, result: Result<T, String>, p: &mut Problems) -> Option<T> {
    result.map_err(|m| p.fields.push((field, m))).ok()
}

fn text(value: &str, what: &str, required: bool) -> Result<String, String> {
    crate::catalog::products::text(value, what, required)
}

/// Aliases may be separated by commas or `|`; repeats are dropped.
fn parse_aliases(value: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for alias in value
        .split([',', '|'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        let alias = text(alias, "an alias", true)?;
        if !out.iter().any(|a| a.eq_ignore_ascii_case(&alias)) {
            out.push(alias);
        }
    }
    Ok(out)
}

fn optional_amount(unit: Unit, value: &str, what: &str) -> Result<i64, String> {
    if value.trim().is_empty() {
        return Ok(0);
    }
    parse_amount(unit, value).map_err(|e| format!("{what}: {e}"))
}

impl VariantFields {
    fn is_blank(&self) -> bool {
        self.label.trim().is_empty()
            && self.amount.trim().is_empty()
            && self.price.trim().is_empty()
    }
}

/// Filled rows become variants, first is the default; entirely blank rows are ignored.
fn parse_variants(unit: Unit, rows: &[VariantFields]) -> Result<Vec<VariantInput>, String> {
    let mut out: Vec<VariantInput> = Vec::new();
    let filled = rows.iter().filter(|r| !r.is_blank());
    for (i, row) in filled.enumerate() {
        let v = parse_variant(unit, row).map_err(|e| format!("variant {}: {e}", i + 1))?;
        if out.iter().any(|o| o.label.eq_ignore_ascii_case(&v.label)) {
            return Err(format!("variant \"{}\" is listed twice", v.label));
        }
        out.push(v);
    }
    Ok(out)
}

fn parse_variant(unit: Unit, row: &VariantFields) -> Result<VariantInput, String> {
    let label = text(&row.label, "label", true)?;
    // The catalog file separates variants with these, so a label holding one could not be exported.
    if label.contains(['=', ';']) {
        return Err(format!("label \"{label}\" cannot contain = or ;"));
    }
    let amount = parse_amount(unit, &row.amount).map_err(|e| format!("amount: {e}"))?;
    let amount = u32::try_from(amount)
        .ok()
        .filter(|a| *a > 0)
        .ok_or_else(|| format!("amount of \"{label}\" must be more than zero"))?;
    // A pack larger than an order line could never be ordered.
    check_line_amount(unit, u64::from(amount)).map_err(|e| format!("amount: {e}"))?;
    let price = match row.price.trim() {
        "" => None,
        p => Some(Money::parse_major(p).map_err(|e| e.describe("price"))?),
    };
    Ok(VariantInput {
        label,
        amount,
        price,
    })
}

/// A labelled text input with what is wrong with it, if anything, just below it.
fn checked(label: &str, name: &str, value: &str, problems: &Problems) -> Markup {
    let kind = if name == "price" { MONEY } else { "text" };
    field_with_error(label, name, kind, value, problems.field(name))
}

/// What is wrong with a field that is not a text input (the unit, the variant rows).
fn field_error(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = error { small.field-error id=(id) { (m) } }
    }
}

/// The variant rows, the filled ones then a few blank ones, with what is wrong with them.
fn variants_fieldset(f: &ProductForm, p: &Problems) -> Markup {
    let blank = VariantFields::default();
    let rows = f
        .variants
        .iter()
        .chain(std::iter::repeat_n(&blank, BLANK_ROWS));
    html! {
        fieldset {
            legend { "Variants (pack sizes; the first is the default)" }
            (field_error("variants-error", p.field("variants")))
            table.variants.stacked {
                thead { tr { th { "Label" } th { "Amount (e.g. 250 g, 1 kg, 12)" } th { "Own price (optional)" } } }
                tbody {
                    @for (i, v) in rows.enumerate() {
                        tr {
                            td data-label="Label" { input type="text" name={ "v" (i) "_label" } value=(v.label) aria-label="Label"; }
                            td data-label="Amount" { input type="text" name={ "v" (i) "_amount" } value=(v.amount) aria-label="Amount"; }
                            td data-label="Own price (optional)" { input type="text" inputmode="decimal" name={ "v" (i) "_price" } value=(v.price) aria-label="Own price"; }
                        }
                    }
                }
            }
            p.muted { "Leave a row blank to skip it; clear a row to remove that variant." }
        }
    }
}

/// The form, for a new product (`is_new`) or an existing one.
pub fn render(
    action: &str,
    csrf: &str,
    f: &ProductForm,
    problems: &Problems,
    is_new: bool,
) -> Markup {
    let p = problems;
    html! {
        (error_box(p.summary().as_deref()))
        form.stack.product method="post" action=(action) {
            (csrf_field(csrf))
            @if !is_new && !f.seen.is_empty() { input type="hidden" name="seen" value=(f.seen); }
            (checked("Name", "name", &f.name, p))
            (checked("SKU (letters, digits and dashes; blank makes one from the name)", "sku", &f.sku, p))
            (checked("Category", "category", &f.category, p))
            label {
                span { "Sold by" }
                select name="unit" {
                    option value="kg" selected[f.unit == "kg"] { "weight (price per kg)" }
                    option value="pc" selected[f.unit == "pc"] { "piece (price per piece)" }
                }
                (field_error("unit-error", p.field("unit")))
            }
            (checked(&format!("Price (per kg or per piece, at most {})", MAX_PRICE.to_major_string()), "price", &f.price, p))
            (checked("Aliases (other spellings customers use, separated by commas)", "aliases", &f.aliases, p))
            (checked("Low-stock level (e.g. 2 kg, 500 g or 10; blank on a new product: 1 kg, or 10 pieces)", "low_stock", &f.low_stock, p))
            @if is_new {
                (checked("Opening stock (e.g. 5 kg or 40)", "opening_stock", &f.opening_stock, p))
            }
            label.check {
                input type="checkbox" name="active" value="1" checked[f.active];
                span { "Active (offered to customers)" }
            }
            (variants_fieldset(f, p))
            button type="submit" { (if is_new { "Create product" } else { "Save product" }) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let base = [
            ("name", "Kaju Katli"),
            ("unit", "kg"),
            ("price", "1200"),
            ("aliases", "kaju, cashew katli | Kaju"),
            ("low_stock", "2 kg"),
            ("active", "1"),
            ("v0_label", "250 g"),
            ("v0_amount", "250 g"),
            ("v0_price", ""),
            ("v1_label", ""),
            ("v1_amount", ""),
            ("v1_price", ""),
            ("v2_label", "Box"),
            ("v2_amount", "1 kg"),
            ("v2_price", "1100"),
        ];
        base.iter()
            .chain(extra)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_a_good_form() {
        let (p, opening) = ProductForm::from_pairs(pairs(&[])).parse().unwrap();
        assert_eq!(p.sku.as_str(), "kaju-katli", "made from the name");
        assert_eq!(p.aliases, ["kaju", "cashew katli"]);
        assert_eq!(p.low_stock, 2000);
        assert_eq!(opening, 0);
        assert!(p.active);
        let v: Vec<_> = p
            .variants
            .iter()
            .map(|v| (v.label.as_str(), v.amount, v.price))
            .collect();
        assert_eq!(
            v,
            [
                ("250 g", 250, None),
                ("Box", 1000, Some(Money::from_minor(110_000)))
            ]
        );
    }

    #[test]
    fn reports_every_problem() {
        let form = ProductForm::from_pairs(pairs(&[
            ("price", "12x"),
            ("low_stock", "lots"),
            ("v1_label", "Half"),
        ]));
        let err = form.parse().unwrap_err();
        assert_eq!(err.field("price"), Some("price \"12x\" is not a number"));
        assert_eq!(
            err.field("low_stock")
                .map(|m| m.starts_with("low-stock level")),
            Some(true)
        );
        let err = err.to_string();
        assert!(err.contains("price \"12x\" is not a number"), "{err}");
        assert!(err.contains("low-stock level"), "{err}");
        assert!(err.contains("variant 2: amount"), "{err}");
    }

    #[test]
    fn refuses_bad_variants_and_units() {
        let dup = ProductForm::from_pairs(pairs(&[("v1_label", "box"), ("v1_amount", "500 g")]));
        assert!(dup
            .parse()
            .unwrap_err()
            .to_string()
            .contains("listed twice"));
        let eq = ProductForm::from_pairs(pairs(&[("v1_label", "a=b"), ("v1_amount", "5 g")]));
        assert!(eq
            .parse()
            .unwrap_err()
            .to_string()
            .contains("cannot contain"));
        let zero = ProductForm::from_pairs(pairs(&[("v1_label", "none"), ("v1_amount", "0 g")]));
        assert!(zero
            .parse()
            .unwrap_err()
            .to_string()
            .contains("more than zero"));
        let unit = ProductForm::from_pairs(pairs(&[("unit", "ltr")]));
        assert!(unit
            .parse()
            .unwrap_err()
            .to_string()
            .contains("unit must be kg or pc"));
    }

    #[test]
    fn refuses_prices_and_packs_above_the_limits_beside_their_fields() {
        let form = ProductForm::from_pairs(pairs(&[
            ("price", "50000000000000000"),
            ("v1_label", "Sack"),
            ("v1_amount", "1001 kg"),
        ]));
        let err = form.parse().unwrap_err();
        assert_eq!(
            err.field("price"),
            Some("price \"50000000000000000\" is more than the highest price Novi takes (1000000)")
        );
        assert_eq!(
            err.field("variants"),
            Some(
                "variant 2: amount: 1001 kg is more than one order line can hold (at most 1000 kg)"
            )
        );
        let top = err.summary().unwrap_or_default();
        assert_eq!(top, "Please correct the fields marked below.");
        let ok = ProductForm::from_pairs(pairs(&[
            ("price", "10,00,000"),
            ("v1_label", "Sack"),
            ("v1_amount", "1000 kg"),
        ]));
        assert_eq!(ok.parse().unwrap().0.price, MAX_PRICE);
    }

    #[test]
    fn ignores_rows_beyond_the_limit_and_unknown_fields() {
        let form = ProductForm::from_pairs(pairs(&[
            ("v999_label", "x"),
            ("vx_label", "y"),
            ("other", "z"),
        ]));
        assert_eq!(form.variants.len(), 2, "the base's two filled rows");
    }

    #[test]
    fn a_form_drawn_again_keeps_its_filled_rows_and_only_three_blank_ones() {
        // As the page posts it after a refusal: one filled row, then its three blank rows.
        let form = ProductForm::from_pairs(pairs(&[("v3_label", ""), ("v4_amount", " ")]));
        assert_eq!(form.variants.len(), 2, "blank rows are not kept");
        let drawn = variants_fieldset(&form, &Problems::default()).into_string();
        assert_eq!(drawn.matches("name=\"v").count(), 3 * (2 + BLANK_ROWS));
    }

    #[test]
    fn a_product_fills_the_form_so_it_parses_back() {
        let (input, _) = ProductForm::from_pairs(pairs(&[])).parse().unwrap();
        let product = Product {
            id: 1,
            sku: input.sku.to_string(),
            name: input.name.clone(),
            category: input.category.clone(),
            unit: input.unit,
            price: input.price,
            aliases: input.aliases.clone(),
            image: None,
            image_type: None,
            active: input.active,
            stock: 0,
            low_stock: input.low_stock,
            variants: Vec::new(),
        };
        let again = ProductForm::from_product(&product).parse().unwrap().0;
        assert_eq!(
            (again.sku, again.low_stock, again.aliases),
            (input.sku, 2000, input.aliases)
        );
    }
}
