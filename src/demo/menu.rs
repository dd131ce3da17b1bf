//! What a filled book's orders hold: the shop's catalog as a menu of lines, each priced once by
//! the order book's own pricing, and how popular each product is.

use rand::distributions::WeightedIndex;
use rand::prelude::Distribution;
use rand::seq::SliceRandom;
use rand::Rng;
use rusqlite::Connection;

use crate::catalog::products::{self, Product};
use crate::domain::Unit;
use crate::error::{AppError, AppResult};
use crate::orders::model::Line;
use crate::orders::service::price_lines;
use crate::orders::LineRequest;

/// How many lines an order has: 1 to 5, mostly one or two.
const LINES: [u32; 5] = [35, 30, 20, 10, 5];

pub struct Menu {
    /// For each product, the lines customers order of it, priced.
    lines: Vec<Vec<Line>>,
    popular: WeightedIndex<f64>,
    count: WeightedIndex<u32>,
}

impl Menu {
    pub fn of(conn: &Connection, business_id: i64, rng: &mut impl Rng) -> AppResult<Menu> {
        let mut lines = Vec::new();
        for p in products::on_sale(conn, business_id)? {
            let priced: Vec<Line> = requests(&p)
                .into_iter()
                .filter_map(|r| price_lines(conn, business_id, &[r]).ok()?.pop())
                .collect();
            if !priced.is_empty() {
                lines.push(priced);
            }
        }
        if lines.is_empty() {
            return Err(AppError::Invalid(
                "the business has nothing on sale to order: import a catalog first".into(),
            ));
        }
        // A few products sell most: the r-th best seller sells about 1/(r+1)^0.8 as much.
        let mut weights: Vec<f64> = (0..lines.len())
            .map(|r| (r as f64 + 1.0).powf(-0.8))
            .collect();
        weights.shuffle(rng);
        Ok(Menu {
            lines,
            popular: WeightedIndex::new(weights).map_err(AppError::internal)?,
            count: WeightedIndex::new(LINES).map_err(AppError::internal)?,
        })
    }

    /// One order's lines: a few different products, each in an amount people buy.
    pub fn order(&self, rng: &mut impl Rng) -> Vec<Line> {
        let n = (self.count.sample(rng) + 1).min(self.lines.len());
        let mut chosen: Vec<usize> = Vec::with_capacity(n);
        // Draws past a handful of repeats settle for fewer lines rather than loop.
        for _ in 0..n * 4 {
            let p = self.popular.sample(rng);
            if !chosen.contains(&p) {
                chosen.push(p);
            }
            if chosen.len() == n {
                break;
            }
        }
        chosen
            .into_iter()
            .filter_map(|p| self.lines[p].choose(rng).cloned())
            .collect()
    }
}

/// The ways a product is ordered: one or two of each pack, or a few pieces.
fn requests(p: &Product) -> Vec<LineRequest> {
    let mut out: Vec<LineRequest> = p
        .variants
        .iter()
        .flat_map(|v| {
            [1, 2].map(|count| LineRequest::Variant {
                sku: p.sku.clone(),
                variant: v.label.clone(),
                count,
            })
        })
        .collect();
    let loose: &[u32] = match p.unit {
        Unit::Pc => &[2, 4, 6, 10],
        Unit::Kg => &[250, 500, 1_000],
    };
    if out.is_empty() || p.unit == Unit::Pc {
        out.extend(loose.iter().map(|&qty| LineRequest::Qty {
            sku: p.sku.clone(),
            qty,
        }));
    }
    out
}
