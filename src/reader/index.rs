//! The shop's catalog as the reader needs it: products with their unit, aliases and
//! variants, plus the name index and box sizes worked out once in `ProductIndex::new`.

use rusqlite::Connection;

use super::lexer::Tok;
use super::matcher::NameIndex;
use super::numbers::{self, Pack, QUnit, Qty};
use super::words;
use crate::catalog::products;
use crate::error::AppResult;

/// How a product is sold: the same `Unit` as the rest of Novi.
pub use crate::domain::Unit;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedProduct {
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    /// The shop's own grouping ("Sweets"), which a generic word like "mithai" asks about.
    pub category: String,
    pub aliases: Vec<String>,
    /// (label, amount in the base unit): grams for kg products, pieces for pc ones.
    pub variants: Vec<(String, u32)>,
}

#[derive(Debug, Clone)]
pub struct ProductIndex {
    items: Vec<IndexedProduct>,
    /// Per product, the containers its variant labels name and what each holds.
    packs: Vec<Vec<(Pack, u32)>>,
    /// Per product sold by the piece, the size its name carries ("Tata Salt 1 kg"), as
    /// `numbers::measure` gives it.
    sizes: Vec<Option<(bool, u64)>>,
    pub(crate) index: NameIndex,
}

impl From<crate::catalog::csv::ProductRow> for IndexedProduct {
    fn from(r: crate::catalog::csv::ProductRow) -> Self {
        IndexedProduct {
            sku: r.sku.to_string(),
            name: r.name,
            unit: r.unit,
            category: r.category,
            aliases: r.aliases,
            variants: r
                .variants
                .into_iter()
                .map(|v| (v.label, v.amount))
                .collect(),
        }
    }
}

impl From<&crate::catalog::products::Product> for IndexedProduct {
    fn from(p: &crate::catalog::products::Product) -> Self {
        IndexedProduct {
            sku: p.sku.clone(),
            name: p.name.clone(),
            unit: p.unit,
            category: p.category.clone(),
            aliases: p.aliases.clone(),
            variants: p
                .variants
                .iter()
                .map(|v| (v.label.clone(), v.amount))
                .collect(),
        }
    }
}

impl ProductIndex {
    pub fn new(items: Vec<IndexedProduct>) -> Self {
        let packs = items.iter().map(packs_of).collect();
        let sizes = items.iter().map(size_of).collect();
        let index = NameIndex::build(&super::roman::catalog_names(&items));
        ProductIndex {
            items,
            packs,
            sizes,
            index,
        }
    }

    /// The catalog a business's customers order from: its active products. Build it per
    /// message (or cache it until the catalog changes); it is a snapshot, not a live view.
    pub fn for_business(conn: &Connection, business_id: i64) -> AppResult<Self> {
        let products = products::on_sale(conn, business_id)?;
        Ok(ProductIndex::new(
            products.iter().map(IndexedProduct::from).collect(),
        ))
    }

    /// Reads a catalog file in Novi's catalog format (see `crate::catalog::csv`).
    pub fn from_csv(text: &str) -> Result<Self, String> {
        let rows =
            crate::catalog::csv::parse_catalog(text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(ProductIndex::new(
            rows.into_iter().map(IndexedProduct::from).collect(),
        ))
    }

    pub fn items(&self) -> &[IndexedProduct] {
        &self.items
    }

    pub fn find(&self, sku: &str) -> Option<&IndexedProduct> {
        self.items.iter().find(|i| i.sku == sku)
    }

    pub(crate) fn sku(&self, id: u32) -> &str {
        self.item(id).map_or("", |i| i.sku.as_str())
    }

    pub(crate) fn item(&self, id: u32) -> Option<&IndexedProduct> {
        self.items.get(usize::try_from(id).ok()?)
    }

    /// A weight or liquid amount of a piece product whose name carries that size, as
    /// the pieces it makes: "1 kg" of "Tata Salt 1 kg" is one, "2 litre" of an oil sold
    /// in "1 L" bottles two. Any other amount is returned as it is.
    pub(crate) fn in_pieces(&self, id: u32, q: &Qty) -> Qty {
        let size = usize::try_from(id).ok().and_then(|at| *self.sizes.get(at)?);
        match (size, numbers::measure(q.unit, q.milli)) {
            (Some((liquid, each)), Some((l, amount)))
                if liquid == l && each > 0 && amount.is_multiple_of(each) =>
            {
                Qty {
                    milli: (amount / each).saturating_mul(1000),
                    unit: QUnit::Piece,
                    ..*q
                }
            }
            _ => *q,
        }
    }

    /// What one `pack` of the product holds (pieces, or grams for a kg product), read
    /// from its variant labels: "Box of 12", "Bag of 5 kg", "Bunch". A box and a packet
    /// stand in for each other; a bunch, plate, packet or cup of a piece product without
    /// such a variant is one piece. None when the labels disagree or say nothing.
    pub(crate) fn pack_size(&self, id: u32, pack: Pack) -> Option<u32> {
        let at = usize::try_from(id).ok()?;
        let packs = self.packs.get(at)?;
        let other = match pack {
            Pack::Box => Some(Pack::Packet),
            Pack::Packet => Some(Pack::Box),
            _ => None,
        };
        let found = one_size(packs, pack).or_else(|| one_size(packs, other?));
        let piece = pack.counts_pieces() && self.items.get(at)?.unit == Unit::Pc;
        found.or(piece.then_some(1))
    }
}

/// The size the name of a piece product carries: a number and a weight or liquid unit
/// ("1 kg", "500 ml", "200 g"), when it carries exactly one.
fn size_of(item: &IndexedProduct) -> Option<(bool, u64)> {
    if item.unit != Unit::Pc {
        return None;
    }
    let lx = super::lexer::lex(&item.name);
    let mut found = (0..lx.len().saturating_sub(1)).filter_map(|i| {
        let Tok::Num(v) = lx.kind(i) else {
            return None;
        };
        let w = lx.low(i + 1);
        let v = if words::unit_spelling(w) == Some("ml") {
            v / 1000
        } else {
            v
        };
        numbers::measure(words::unit(w)?, v)
    });
    let size = found.next()?;
    found.next().is_none().then_some(size)
}

/// The one size given for `pack` (None when none is, or several differ).
fn one_size(packs: &[(Pack, u32)], pack: Pack) -> Option<u32> {
    let mut sizes = packs.iter().filter(|p| p.0 == pack).map(|p| p.1);
    let first = sizes.next()?;
    sizes.all(|n| n == first).then_some(first)
}

/// The containers a product's variant labels name: a label's first container word
/// ("Box of 12", "Plate", "Peti (24)") sets what that variant is.
fn packs_of(item: &IndexedProduct) -> Vec<(Pack, u32)> {
    let container = |w: &str| {
        let w = w.to_lowercase();
        (words::unit(&w) == Some(QUnit::Box)).then(|| words::pack(&w))
    };
    item.variants
        .iter()
        .filter_map(|(label, n)| {
            let mut ws = label.split(|c: char| !c.is_alphanumeric());
            ws.find_map(container).map(|p| (p, *n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_demo_catalog() {
        let cat = ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"));
        let cat = cat.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.items().len(), 18);
        let rasmalai = cat.items().iter().position(|i| i.sku == "rasmalai");
        let id = rasmalai
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(u32::MAX);
        assert_eq!(cat.pack_size(id, Pack::Box), Some(4));
        assert_eq!(cat.find("jalebi").map(|i| i.unit), Some(Unit::Kg));
    }

    /// A business with the demo catalog imported, and a second, empty business.
    fn shop_db() -> (tempfile::TempDir, crate::db::Db, i64, i64) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = crate::db::Db::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let new = |name, code| crate::accounts::create_business(&db, name, code).map(|b| b.id);
        let (shop, other) = (new("Shop", "shop"), new("Other", "other"));
        let (shop, other) = (shop.unwrap_or(-1), other.unwrap_or(-1));
        let csv = include_str!("../../tests/data/sweetshop-catalog.csv");
        let rows =
            crate::catalog::csv::parse_catalog(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        db.with_tx(|tx| crate::catalog::import::import(tx, shop, &rows, "test"))
            .unwrap_or_else(|e| panic!("{e}"));
        (dir, db, shop, other)
    }

    #[test]
    fn for_business_reads_the_shops_active_products() {
        let (_dir, db, shop, other) = shop_db();
        let load = |id| db.with_conn(|c| ProductIndex::for_business(c, id));
        let cat = load(shop).unwrap_or_else(|e| panic!("{e}"));
        let from_file =
            ProductIndex::from_csv(include_str!("../../tests/data/sweetshop-catalog.csv"));
        let from_file = from_file.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cat.items().len(), 18);
        for item in from_file.items() {
            assert_eq!(cat.find(&item.sku), Some(item), "same as the file");
        }
        let r = super::super::read(&cat, "2 kg jalebi");
        assert_eq!(r.items.len(), 1);
        // An inactive product is not for sale, so the reader must not offer it.
        let hidden = db.with_conn(|c| {
            c.execute(
                "UPDATE products SET active = 0 WHERE business_id = ?1 AND sku = 'jalebi'",
                [shop],
            )?;
            ProductIndex::for_business(c, shop)
        });
        let hidden = hidden.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(hidden.items().len(), 17);
        assert!(hidden.find("jalebi").is_none());
        let other = load(other).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            other.items().is_empty(),
            "another shop's products stay its own"
        );
    }
}
