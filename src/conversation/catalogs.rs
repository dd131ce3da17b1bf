//! Each shop's catalog as the message reader indexes it, kept from one batch to the next.
//! Building the index reads every product and its packs: in a steady flow of webhooks, where
//! batches hold a message or two, building it again for each batch was nearly a third of the
//! worker's time (2,000 webhooks a second, `perf`).
//!
//! An index is used only while its shop's stamp in `catalog_index_stamps` is the one it was
//! built under. Triggers change the stamp whenever a product or pack the reader sees is added,
//! changed or removed, whoever writes (see migration V43), so an owner's change is read by the
//! next batch, as before. Stock and prices are not in the index: an order leaves it standing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::catalog::products;
use crate::error::AppResult;
use crate::reader::ProductIndex;

/// The indexes the worker holds: the batch being answered and the one read ahead share them.
#[derive(Default)]
pub struct Catalogs {
    held: Mutex<HashMap<i64, Held>>,
}

struct Held {
    stamp: i64,
    index: Arc<ProductIndex>,
}

/// Most shops held at once; past it, the worker starts again with none (a host of many shops
/// keeps the busy ones, whose messages come back first).
const MOST: usize = 256;

impl Catalogs {
    /// Shop `business_id`'s index: the one held while its stamp stands, else built anew.
    pub fn index(&self, conn: &Connection, business_id: i64) -> AppResult<Arc<ProductIndex>> {
        // The stamp is read before the products: products newer than their stamp only cost a
        // build again at the next batch, never an index kept for newer than it is.
        let stamp = products::index_stamp(conn, business_id)?;
        if let Some(stamp) = stamp {
            let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(h) = held.get(&business_id).filter(|h| h.stamp == stamp) {
                return Ok(Arc::clone(&h.index));
            }
        }
        let index = Arc::new(ProductIndex::for_business(conn, business_id)?);
        if let Some(stamp) = stamp {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            if held.len() >= MOST && !held.contains_key(&business_id) {
                held.clear();
            }
            let index = Arc::clone(&index);
            held.insert(business_id, Held { stamp, index });
        }
        Ok(index)
    }

    /// Drops every index: at the quiet after a busy spell, so an idle server holds none.
    pub fn clear(&self) {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

#[cfg(test)]
#[path = "catalogs_tests.rs"]
mod tests;
