//! Printing at the counter: how a shop prints (the `print_settings` table), the kitchen ticket
//! and the bill as lines of text (`ticket`), and network thermal printers spoken to in ESC/POS.

pub mod escpos;
pub mod ticket;

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::now;
use crate::error::AppResult;

/// The paper print pages are sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    Mm58,
    #[default]
    Mm80,
    A4,
}

impl Paper {
    pub const ALL: [Paper; 3] = [Paper::Mm58, Paper::Mm80, Paper::A4];

    pub fn as_str(self) -> &'static str {
        match self {
            Paper::Mm58 => "58mm",
            Paper::Mm80 => "80mm",
            Paper::A4 => "a4",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Paper::Mm58 => "58 mm thermal roll",
            Paper::Mm80 => "80 mm thermal roll",
            Paper::A4 => "A4 sheet",
        }
    }

    /// Characters on one line of a thermal printer's standard font (an A4 page is printed by
    /// the browser; a network printer is a roll, so it gets the 80 mm width).
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80 | Paper::A4 => 48,
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Paper::ALL
            .into_iter()
            .find(|p| p.as_str() == s.trim())
            .ok_or_else(|| "choose 58 mm, 80 mm or A4".to_owned())
    }
}

/// How one shop prints.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrintSettings {
    pub paper: Paper,
    /// Shown on bills when set; blank when the shop has none.
    pub gstin: String,
    /// The counter page prints a kitchen ticket for every order once it is confirmed.
    pub auto_kot: bool,
    /// A network thermal printer as `host:port`; blank when there is none.
    pub printer: String,
}

pub fn load(conn: &Connection, business_id: i64) -> AppResult<PrintSettings> {
    let found = conn
        .prepare_cached(
            "SELECT paper, gstin, auto_kot, printer FROM print_settings WHERE business_id = ?1",
        )?
        .query_row([business_id], |r| {
            let paper: String = r.get(0)?;
            Ok(PrintSettings {
                paper: paper.parse().unwrap_or_default(),
                gstin: r.get(1)?,
                auto_kot: r.get(2)?,
                printer: r.get(3)?,
            })
        })
        .optional()?;
    Ok(found.unwrap_or_default())
}

pub fn save(conn: &Connection, business_id: i64, s: &PrintSettings) -> AppResult<()> {
    conn.execute(
        "INSERT INTO print_settings (business_id, paper, gstin, auto_kot, printer, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (business_id) DO UPDATE SET paper = ?2, gstin = ?3, auto_kot = ?4,
             printer = ?5, updated_at = ?6",
        params![
            business_id,
            s.paper.as_str(),
            s.gstin,
            s.auto_kot,
            s.printer,
            now()
        ],
    )?;
    Ok(())
}

/// Reads a GSTIN as written ("27aapfu0939f1zv" or with spaces): 15 letters and digits, the
/// first two the state code. Blank is none.
pub fn parse_gstin(text: &str) -> Result<String, String> {
    let g: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if g.is_empty() {
        return Ok(g);
    }
    let shape_ok = g.len() == 15
        && g.chars().all(|c| c.is_ascii_alphanumeric())
        && g[..2].chars().all(|c| c.is_ascii_digit());
    if shape_ok {
        Ok(g)
    } else {
        Err("a GSTIN is 15 letters and digits, starting with the two-digit state code".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gstin_is_read_in_capitals_and_checked_for_shape() {
        assert_eq!(parse_gstin(" 27aapfu0939f1zv ").unwrap(), "27AAPFU0939F1ZV");
        assert_eq!(parse_gstin("").unwrap(), "");
        assert!(parse_gstin("27AAPFU0939F1Z").is_err());
        assert!(parse_gstin("XXAAPFU0939F1ZV").is_err());
        assert!(parse_gstin("27AAPFU0939F1Z!").is_err());
    }

    #[test]
    fn paper_is_one_of_three() {
        assert_eq!("58mm".parse::<Paper>().unwrap(), Paper::Mm58);
        assert_eq!("a4".parse::<Paper>().unwrap(), Paper::A4);
        assert!("letter".parse::<Paper>().is_err());
    }
}
