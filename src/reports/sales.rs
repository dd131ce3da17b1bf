//! Sales for a range of shop-local days by day, by product or by category (orders that stand),
//! as rows the reports page shows, as CSV (formula-safe, money in major units) and as JSON
//! (money in whole minor units under `*_minor`, as the orders export).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};

use super::cache::Cache;
use super::figures::{add_products, day_entries};
use super::period::Period;
use crate::accounts::businesses::Business;
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::export::cell;
use crate::orders::figures::ProductSales;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Day,
    Product,
    Category,
}

impl By {
    pub fn parse(text: &str) -> AppResult<By> {
        match text {
            "day" => Ok(By::Day),
            "product" => Ok(By::Product),
            "category" => Ok(By::Category),
            other => Err(AppError::Invalid(format!(
                "sales can be shown by day, product or category, not \"{other}\""
            ))),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            By::Day => "day",
            By::Product => "product",
            By::Category => "category",
        }
    }

    /// The CSV's header; JSON names the same fields, money as `sales_minor`.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            By::Day => &["day", "orders", "cancelled", "sales"],
            By::Product => &[
                "sku", "product", "category", "unit", "quantity", "orders", "sales",
            ],
            By::Category => &["category", "products", "grams", "pieces", "sales"],
        }
    }
}

/// One row: text cells first, then counts, then money (minor units), in header order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub text: Vec<String>,
    pub counts: Vec<i64>,
    pub sales_minor: i64,
}

pub struct Sales {
    pub by: By,
    pub rows: Vec<Row>,
}

/// The sales of `p`, by `by`: days oldest first, products and categories by sales, largest first.
pub fn sales(
    conn: &Connection,
    b: &Business,
    p: &Period,
    by: By,
    cache: Option<&Cache>,
) -> AppResult<Sales> {
    let days = day_entries(conn, b, p, cache)?;
    let rows = match by {
        By::Day => days
            .iter()
            .map(|(d, e)| Row {
                text: vec![d.format("%Y-%m-%d").to_string()],
                counts: vec![e.orders.orders, e.orders.cancelled],
                sales_minor: e.orders.order_totals_minor,
            })
            .collect(),
        By::Product | By::Category => {
            let mut products = BTreeMap::new();
            for (_, e) in &days {
                add_products(&mut products, &e.orders.products);
            }
            categories_now(conn, b.id, &mut products)?;
            let mut rows = if by == By::Product {
                product_rows(&products)
            } else {
                category_rows(&products)
            };
            rows.sort_by(|a, b| b.sales_minor.cmp(&a.sales_minor).then(a.text.cmp(&b.text)));
            rows
        }
    };
    Ok(Sales { by, rows })
}

/// A product's category is its category now: kept days were summed with the category of
/// their time, and a product moved since (or renamed) would be counted where it was.
fn categories_now(
    conn: &Connection,
    business_id: i64,
    products: &mut BTreeMap<String, ProductSales>,
) -> AppResult<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, category FROM products WHERE business_id = ?1 AND sku = ?2",
    )?;
    for (sku, s) in products.iter_mut() {
        let now: Option<(String, String)> = stmt
            .query_row(rusqlite::params![business_id, sku], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((name, category)) = now {
            (s.name, s.category) = (name, category);
        }
    }
    Ok(())
}

/// The unit as the orders export writes it: grams or pieces.
fn unit(u: &str) -> &'static str {
    if u == "kg" {
        "g"
    } else {
        "pc"
    }
}

fn product_rows(products: &BTreeMap<String, ProductSales>) -> Vec<Row> {
    products
        .iter()
        .map(|(sku, s)| Row {
            text: vec![
                sku.clone(),
                s.name.clone(),
                s.category.clone(),
                unit(&s.unit).into(),
            ],
            counts: vec![s.qty, s.orders],
            sales_minor: s.takings_minor,
        })
        .collect()
}

fn category_rows(products: &BTreeMap<String, ProductSales>) -> Vec<Row> {
    let mut by: BTreeMap<&str, (i64, i64, i64, i64)> = BTreeMap::new();
    for s in products.values() {
        let e = by.entry(s.category.as_str()).or_default();
        e.0 += 1;
        if s.unit == "kg" {
            e.1 = e.1.saturating_add(s.qty);
        } else {
            e.2 = e.2.saturating_add(s.qty);
        }
        e.3 = e.3.saturating_add(s.takings_minor);
    }
    by.into_iter()
        .map(|(c, (n, g, pc, minor))| Row {
            text: vec![c.to_owned()],
            counts: vec![n, g, pc],
            sales_minor: minor,
        })
        .collect()
}

impl Sales {
    pub fn write_csv(&self, out: impl std::io::Write) -> AppResult<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.by.header())
            .map_err(AppError::internal)?;
        for r in &self.rows {
            let record = r
                .text
                .iter()
                .map(|t| cell(t))
                .chain(r.counts.iter().map(i64::to_string))
                .chain([Money::from_minor(r.sales_minor).to_major_string()]);
            w.write_record(record).map_err(AppError::internal)?;
        }
        w.flush().map_err(AppError::internal)?;
        Ok(())
    }

    pub fn json(&self) -> Value {
        let header = self.by.header();
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                for (k, t) in header.iter().zip(&r.text) {
                    o.insert((*k).into(), json!(t));
                }
                for (k, n) in header[r.text.len()..].iter().zip(&r.counts) {
                    o.insert((*k).into(), json!(n));
                }
                o.insert("sales_minor".into(), json!(r.sales_minor));
                Value::Object(o)
            })
            .collect();
        Value::Array(rows)
    }
}
