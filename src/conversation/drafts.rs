//! Drafts: the order being agreed in a chat, kept between messages until the customer
//! confirms it or calls it off.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::reader::{Item, Unclear};

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
        }
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

pub fn load(conn: &Connection, business_id: i64, phone: &str) -> AppResult<Option<Draft>> {
    let row = conn
        .query_row(
            "SELECT lines, questions, name, address, notes, stage, first_message_ms, first_reply_ms
             FROM drafts WHERE business_id = ?1 AND phone = ?2",
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
                ))
            },
        )
        .optional()?;
    let Some((lines, questions, name, address, notes, stage, first_message_ms, first_reply_ms)) =
        row
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
    }))
}

pub fn save(conn: &Connection, business_id: i64, phone: &str, d: &Draft) -> AppResult<()> {
    conn.execute(
        "INSERT INTO drafts (business_id, phone, lines, questions, name, address, notes, stage,
                             first_message_ms, first_reply_ms, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (business_id, phone) DO UPDATE SET lines = excluded.lines,
             questions = excluded.questions, name = excluded.name, address = excluded.address,
             notes = excluded.notes, stage = excluded.stage, first_reply_ms = excluded.first_reply_ms,
             updated_at = excluded.updated_at",
        params![
            business_id, phone, json(&d.lines)?, json(&d.questions)?, d.name, d.address, d.notes,
            d.stage.as_str(), d.first_message_ms, d.first_reply_ms, now()
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, business_id: i64, phone: &str) -> AppResult<()> {
    conn.execute(
        "DELETE FROM drafts WHERE business_id = ?1 AND phone = ?2",
        params![business_id, phone],
    )?;
    Ok(())
}
