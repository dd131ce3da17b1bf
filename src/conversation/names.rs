//! Customers' names as the conversation worker last read them, by shop and number. Every reply
//! greets the customer by the name on file, and reading it for each message was a twelfth of
//! the worker's time answering a backlog.
//!
//! Owners rename customers and webhooks add them between the worker's batches, so a shop's
//! names are used only while its stamp in `customer_search_stamps` is the one they were read
//! under (triggers change it whenever a customer is added, renamed, renumbered or removed,
//! whoever writes; see migration V22). The stamp is read again at the first message of each
//! batch, after any customer the worker itself adds or renames ([`customers::namings`]), and
//! after a message's writes are undone: a name read in between is never used once it may be
//! out of date.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use rusqlite::Connection;

use crate::customers;
use crate::error::AppResult;

/// The names the worker holds, kept from one batch to the next.
#[derive(Default)]
pub struct Names {
    shops: RefCell<HashMap<i64, Shop>>,
    /// Moves on for each batch and each message undone: every shop's stamp is read again.
    round: Cell<u64>,
}

/// One shop's names, read under `stamp`.
#[derive(Default)]
struct Shop {
    stamp: Option<i64>,
    /// The round and [`customers::namings`] when the stamp was last read; `None` before.
    checked: Option<(u64, u64)>,
    /// By number: the name on file, `None` for no customer with that number.
    by_phone: HashMap<String, Option<String>>,
}

/// Most names [`Names`] holds for one shop; past it, it starts again empty.
const MOST: usize = 10_000;

impl Names {
    /// The name on file for number `phone` (digits) in shop `business_id`, read inside the
    /// batch's write transaction.
    pub fn name(
        &self,
        conn: &Connection,
        business_id: i64,
        phone: &str,
    ) -> AppResult<Option<String>> {
        let mut shops = self.shops.borrow_mut();
        let shop = shops.entry(business_id).or_default();
        let now = (self.round.get(), customers::namings());
        if shop.checked != Some(now) {
            let stamp = customers::stamp(conn, business_id)?;
            if stamp != shop.stamp {
                shop.by_phone.clear();
                shop.stamp = stamp;
            }
            shop.checked = Some(now);
        }
        if shop.stamp.is_none() {
            // Nothing would tell a copy is out of date.
            return customers::name_by_phone(conn, business_id, phone);
        }
        if let Some(name) = shop.by_phone.get(phone) {
            return Ok(name.clone());
        }
        let name = customers::name_by_phone(conn, business_id, phone)?;
        if shop.by_phone.len() >= MOST {
            shop.by_phone.clear();
        }
        shop.by_phone.insert(phone.to_owned(), name.clone());
        Ok(name)
    }

    /// A batch begins, or a message's writes were undone: each shop's stamp is read again
    /// before its names are used.
    pub fn next_round(&self) {
        self.round.set(self.round.get().wrapping_add(1));
    }

    /// Hands the memory back, after a busy spell.
    pub fn clear(&self) {
        self.shops.borrow_mut().clear();
    }
}
