//! Drafts: the order being agreed in a chat, kept between messages until the customer
//! confirms it or calls it off.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::db::now;
use crate::domain::limits::MAX_LINES;
use crate::error::{AppError, AppResult};
use crate::orders::{Fulfilment, LineRequest, NewUnread};
use crate::reader::{self, Item, Unclear};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Collecting,
    Confirming,
    /// The customer asked to change it: the next lines they send replace these.
    Changing,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Collecting => "collecting",
            Stage::Confirming => "confirming",
            Stage::Changing => "changing",
        }
    }

    fn parse(s: &str) -> Stage {
        match s {
            "confirming" => Stage::Confirming,
            "changing" => Stage::Changing,
            _ => Stage::Collecting,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub lines: Vec<Item>,
    pub questions: Vec<Unclear>,
    pub name: String,
    pub address: String,
    pub notes: String,
    #[serde(skip, default = "collecting")]
    pub stage: Stage,
    pub first_message_ms: i64,
    pub first_reply_ms: Option<i64>,
    #[serde(default)]
    pub terms: Terms,
    /// What the last message changed, for the next summary to show; not kept.
    #[serde(skip)]
    pub changes: Vec<String>,
    /// What the customer wrote for the lines, for the order to keep.
    #[serde(default)]
    pub read_from: ReadFrom,
}

/// Most unread lines a draft keeps: a customer who keeps writing names the shop does not
/// know cannot grow it without end.
const MAX_UNREAD: usize = 20;

/// What the customer wrote, kept with the draft until the order is taken: the words each
/// product was read from, and the lines that were not read for sure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadFrom {
    #[serde(default)]
    pub said: Vec<SaidWords>,
    #[serde(default)]
    pub unread: Vec<NewUnread>,
}

/// The words (as an alias holds them) a product was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaidWords {
    pub sku: String,
    pub words: String,
}

impl ReadFrom {
    /// Keeps the words `sku` was first read from, the line `text` as written.
    pub fn said(&mut self, sku: &str, text: &str) {
        // Checked before the words are worked out: most lines of a later message are
        // products said before.
        if self.said.iter().any(|s| s.sku == sku) || self.said.len() >= MAX_LINES {
            return;
        }
        let words = reader::alias_words(text);
        if words.is_empty() {
            return;
        }
        self.said.push(SaidWords {
            sku: sku.to_owned(),
            words,
        });
    }

    /// Keeps the names a reading found no product for.
    pub fn unknown(&mut self, names: &[String]) {
        for name in names {
            if self.unread.len() >= MAX_UNREAD || self.unread.iter().any(|u| u.text == *name) {
                continue;
            }
            self.unread.push(NewUnread {
                text: name.clone(),
                words: reader::alias_words(name),
                reason: "unknown".into(),
                candidates: Vec::new(),
            });
        }
    }

    /// `(sku, words)` pairs, as the order book keeps them.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.said
            .iter()
            .map(|s| (s.sku.clone(), s.words.clone()))
            .collect()
    }
}

/// How and when, as the customer has said so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// They will collect it from the shop: no address, no delivery fee.
    #[serde(default)]
    pub pickup: bool,
    /// The shop-local day they want it, `YYYY-MM-DD`.
    #[serde(default)]
    pub deliver_on: Option<String>,
    /// A smaller amount offered because stock is short, waiting for their yes.
    #[serde(default)]
    pub offer: Option<Item>,
    /// The total the last summary showed (minor units): their yes places the order at that
    /// total, or not at all (a price changed since is shown to them first).
    #[serde(default)]
    pub shown_total: Option<i64>,
}

fn collecting() -> Stage {
    Stage::Collecting
}

impl Draft {
    pub fn new(first_message_ms: i64) -> Self {
        Draft {
            lines: Vec::new(),
            questions: Vec::new(),
            name: String::new(),
            address: String::new(),
            notes: String::new(),
            stage: Stage::Collecting,
            first_message_ms,
            first_reply_ms: None,
            terms: Terms::default(),
            changes: Vec::new(),
            read_from: ReadFrom::default(),
        }
    }

    /// Delivery, or pickup when the customer said they will collect it.
    pub fn fulfilment(&self) -> Fulfilment {
        if self.terms.pickup {
            Fulfilment::Pickup
        } else {
            Fulfilment::Delivery
        }
    }

    /// The day they want it, when they named one.
    pub fn deliver_on(&self) -> Option<chrono::NaiveDate> {
        let day = self.terms.deliver_on.as_deref()?;
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
    }

    /// The lines as the order book takes them.
    pub fn requests(&self) -> Vec<LineRequest> {
        self.lines
            .iter()
            .map(|l| LineRequest::Qty {
                sku: l.sku.clone(),
                qty: l.qty,
            })
            .collect()
    }

    /// Adds lines; the same product twice is one line with the amounts summed.
    pub fn add(&mut self, items: &[Item]) {
        for item in items {
            match self.lines.iter_mut().find(|l| l.sku == item.sku) {
                Some(line) => line.qty = line.qty.saturating_add(item.qty),
                None => self.lines.push(item.clone()),
            }
        }
    }
}

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(AppError::internal)
}

/// The draft of the chat with `phone`, if one is open: from `kept` when it holds it.
pub fn load(
    conn: &Connection,
    kept: Option<&Kept>,
    business_id: i64,
    phone: &str,
) -> AppResult<Option<Draft>> {
    let Some(kept) = kept else {
        return read(conn, business_id, phone);
    };
    if let Some(known) = kept.get(business_id, phone) {
        return Ok(known);
    }
    let found = read(conn, business_id, phone)?;
    kept.put(business_id, phone, found.clone());
    Ok(found)
}

/// Keeps `d` as the chat's draft, unless `kept` shows it is so already.
pub fn save(
    conn: &Connection,
    kept: Option<&Kept>,
    business_id: i64,
    phone: &str,
    d: &Draft,
) -> AppResult<()> {
    let Some(kept) = kept else {
        return write(conn, business_id, phone, d);
    };
    // What the last message changed is shown once, never kept.
    let d = if d.changes.is_empty() {
        Cow::Borrowed(d)
    } else {
        Cow::Owned(Draft {
            changes: Vec::new(),
            ..d.clone()
        })
    };
    if kept.holds(business_id, phone, &d) {
        return Ok(());
    }
    write(conn, business_id, phone, &d)?;
    kept.put(business_id, phone, Some(d.into_owned()));
    Ok(())
}

/// Ends the chat's draft (confirmed or called off).
pub fn delete(
    conn: &Connection,
    kept: Option<&Kept>,
    business_id: i64,
    phone: &str,
) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM drafts WHERE business_id = ?1 AND phone = ?2")?
        .execute(params![business_id, phone])?;
    if let Some(kept) = kept {
        kept.put(business_id, phone, None);
    }
    Ok(())
}

fn read(conn: &Connection, business_id: i64, phone: &str) -> AppResult<Option<Draft>> {
    let row = conn
        .prepare_cached(
            "SELECT lines, questions, name, address, notes, stage, first_message_ms, first_reply_ms,
                    terms, read_from
             FROM drafts WHERE business_id = ?1 AND phone = ?2",
        )?
        .query_row(
            params![business_id, phone],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, String>(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((
        lines,
        questions,
        name,
        address,
        notes,
        stage,
        first_message_ms,
        first_reply_ms,
        terms,
        read_from,
    )) = row
    else {
        return Ok(None);
    };
    Ok(Some(Draft {
        lines: serde_json::from_str(&lines).unwrap_or_default(),
        questions: serde_json::from_str(&questions).unwrap_or_default(),
        name,
        address,
        notes,
        stage: Stage::parse(&stage),
        first_message_ms,
        first_reply_ms,
        terms: serde_json::from_str(&terms).unwrap_or_default(),
        changes: Vec::new(),
        read_from: serde_json::from_str(&read_from).unwrap_or_default(),
    }))
}

fn write(conn: &Connection, business_id: i64, phone: &str, d: &Draft) -> AppResult<()> {
    conn.prepare_cached(
        "INSERT INTO drafts (business_id, phone, lines, questions, name, address, notes, stage,
                             first_message_ms, first_reply_ms, updated_at, terms, read_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (business_id, phone) DO UPDATE SET lines = excluded.lines,
             questions = excluded.questions, name = excluded.name, address = excluded.address,
             notes = excluded.notes, stage = excluded.stage, first_reply_ms = excluded.first_reply_ms,
             updated_at = excluded.updated_at, terms = excluded.terms,
             read_from = excluded.read_from",
    )?
    .execute(params![
            business_id, phone, json(&d.lines)?, json(&d.questions)?, d.name, d.address, d.notes,
            d.stage.as_str(), d.first_message_ms, d.first_reply_ms, now(), json(&d.terms)?,
            json(&d.read_from)?
        ],
    )?;
    Ok(())
}

/// Drafts as the conversation worker last read or wrote them, by shop and number: a
/// customer's next message does not read theirs again, and a message that leaves it as it was
/// (the same order sent again while the first answer waits) does not write it again. Only
/// conversations read or write drafts, and only the worker answers them, so what it holds is
/// what the database holds, provided it holds only what committed: what a batch reads and
/// writes is held apart until its transaction commits ([`Kept::committed`]), and dropped if
/// it does not ([`Kept::rolled_back`]).
#[derive(Default)]
pub struct Kept {
    done: RefCell<ByShop>,
    /// Read or written in the open transaction.
    open: RefCell<ByShop>,
}

/// Drafts by shop, then by number: looked up by the number as it comes, with no key made.
type ByShop = HashMap<i64, HashMap<String, Option<Draft>>>;

fn in_shop<'a>(by: &'a ByShop, business_id: i64, phone: &str) -> Option<&'a Option<Draft>> {
    by.get(&business_id).and_then(|p| p.get(phone))
}

/// Most chats [`Kept`] holds: enough for every chat a busy spell brings, a few megabytes at
/// most. Past it, it starts again empty.
const KEPT_MAX: usize = 10_000;

impl Kept {
    /// The draft as last read or written (`Some(None)`: there is none); `None` when not held.
    fn get(&self, business_id: i64, phone: &str) -> Option<Option<Draft>> {
        self.find(business_id, phone, Option::clone)
    }

    /// True when `d` is the draft held: compared where it is held, not copied out first.
    fn holds(&self, business_id: i64, phone: &str, d: &Draft) -> bool {
        self.find(business_id, phone, |held| held.as_ref() == Some(d))
            .unwrap_or(false)
    }

    /// `f` of the draft held for the chat, what the open transaction did first.
    fn find<R>(
        &self,
        business_id: i64,
        phone: &str,
        f: impl FnOnce(&Option<Draft>) -> R,
    ) -> Option<R> {
        if let Some(d) = in_shop(&self.open.borrow(), business_id, phone) {
            return Some(f(d));
        }
        in_shop(&self.done.borrow(), business_id, phone).map(f)
    }

    fn put(&self, business_id: i64, phone: &str, d: Option<Draft>) {
        self.open
            .borrow_mut()
            .entry(business_id)
            .or_default()
            .insert(phone.to_owned(), d);
    }

    /// The open transaction committed: what it read and wrote is what the database holds.
    pub fn committed(&self) {
        let mut done = self.done.borrow_mut();
        if done.values().map(HashMap::len).sum::<usize>() >= KEPT_MAX {
            done.clear();
        }
        for (shop, drafts) in self.open.borrow_mut().drain() {
            done.entry(shop).or_default().extend(drafts);
        }
    }

    /// The open transaction was undone, and with it what it wrote.
    pub fn rolled_back(&self) {
        self.open.borrow_mut().clear();
    }

    /// A message's own writes were undone (its savepoint rolled back): the chat's draft is
    /// read again from the database next time.
    pub fn undone(&self, business_id: i64, phone: &str) {
        for by in [&self.open, &self.done] {
            if let Some(p) = by.borrow_mut().get_mut(&business_id) {
                p.remove(phone);
            }
        }
    }

    /// Hands the memory back, after a busy spell.
    pub fn clear(&self) {
        self.done.borrow_mut().clear();
        self.open.borrow_mut().clear();
    }
}
