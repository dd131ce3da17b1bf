//! Picking an item for an order line by typing: a text field with the catalog as a datalist
//! (the browser's own suggestions as one types, no script), read back by its label
//! ("Kaju Katli — 500 g"), the product's name or SKU, or the `sku|variant` value forms post.

use maud::{html, Markup};

use crate::catalog::products::Product;
use crate::domain::Unit;

/// The datalist's id, shared by every item field of a page.
pub const LIST: &str = "catalog-items";

/// What a product sold loose is called beside its name.
fn loose(p: &Product) -> &'static str {
    if p.unit == Unit::Kg {
        "by weight"
    } else {
        "by piece"
    }
}

/// Every item as `(value, label)`: each pack, then the product loose.
fn items(catalog: &[Product]) -> impl Iterator<Item = (String, String)> + '_ {
    catalog.iter().flat_map(|p| {
        let packs = p.variants.iter().map(move |v| {
            (
                format!("{}|{}", p.sku, v.label),
                format!("{} — {}", p.name, v.label),
            )
        });
        packs.chain(std::iter::once((
            format!("{}|", p.sku),
            format!("{} — {}", p.name, loose(p)),
        )))
    })
}

/// The catalog as suggestions for the item fields.
pub fn datalist(catalog: &[Product]) -> Markup {
    html! {
        datalist id=(LIST) { @for (_, label) in items(catalog) { option value=(label) {} } }
    }
}

/// An item field showing `item` (as posted or stored) by its label.
pub fn field(name: &str, item: &str, catalog: &[Product]) -> Markup {
    html! {
        input type="text" name=(name) value=(label(item, catalog)) list=(LIST)
              aria-label="Item" placeholder="Type to search: kaju, samosa…" autocomplete="off";
    }
}

/// How `item` reads: its label when it names an item, else as typed.
fn label(item: &str, catalog: &[Product]) -> String {
    let value = resolve(item, catalog);
    items(catalog)
        .find(|(v, _)| *v == value)
        .map_or_else(|| item.to_owned(), |(_, l)| l)
}

/// The `sku|variant` an item field names: a label, a `sku|variant` value, or a product's name
/// or SKU (the product loose); anything else is returned as typed, and is then not an item.
pub fn resolve(typed: &str, catalog: &[Product]) -> String {
    let t = typed.trim();
    if t.contains('|') {
        return t.to_owned();
    }
    let same = |a: &str| a.eq_ignore_ascii_case(t);
    if let Some((v, _)) = items(catalog).find(|(_, l)| same(l)) {
        return v;
    }
    catalog
        .iter()
        .find(|p| same(&p.name) || same(&p.sku))
        .map_or_else(|| t.to_owned(), |p| format!("{}|", p.sku))
}
