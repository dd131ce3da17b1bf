//! Scores the chat on a corpus of whole conversations: each is replayed through the real
//! conversation code on a scratch copy of the shop, and the order it ends with is compared
//! with the one the corpus expects.

mod compare;
mod corpus;
mod replay;

use std::collections::HashSet;

use rusqlite::Connection;

pub use corpus::{parse, Conversation};

use crate::accounts::businesses::{self, Business};
use crate::catalog::csv::ProductRow;
use crate::catalog::{import, products};
use crate::db::Db;
use crate::error::AppResult;

/// The shop every conversation starts from: a business's profile and its products on sale.
pub struct Shop {
    pub business: Business,
    pub catalog: Vec<ProductRow>,
}

impl Shop {
    /// Reads business `code` from its own database.
    pub fn of(conn: &Connection, code: &str) -> AppResult<Shop> {
        let business = businesses::require(conn, code)?;
        let on_sale: HashSet<String> = products::on_sale(conn, business.id)?
            .into_iter()
            .map(|p| p.sku)
            .collect();
        let catalog = import::export(conn, business.id)?
            .into_iter()
            .filter(|row| on_sale.contains(row.sku.as_str()))
            .collect();
        Ok(Shop { business, catalog })
    }
}

/// A conversation that did not end as expected, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: String,
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Score {
    pub total: usize,
    pub exact: usize,
    pub failures: Vec<Failure>,
}

impl Score {
    /// Exact conversations as a percentage.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        self.exact as f64 * 100.0 / self.total as f64
    }
}

/// Replays every conversation into `scratch`, an empty database of its own (each conversation
/// gets a fresh business there, copied from `shop`), and compares how each ended.
pub fn score(scratch: &Db, shop: &Shop, corpus: &[Conversation]) -> AppResult<Score> {
    let mut score = Score::default();
    for (n, c) in corpus.iter().enumerate() {
        let outcome = replay::replay(scratch, shop, n + 1, c)?;
        let differences = compare::differences(&c.expect, &outcome);
        score.total += 1;
        if differences.is_empty() {
            score.exact += 1;
        } else {
            score.failures.push(Failure {
                id: c.id.clone(),
                differences,
            });
        }
    }
    Ok(score)
}
