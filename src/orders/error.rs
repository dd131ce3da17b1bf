//! Why the order book refused a request, as types: callers tell a stock shortfall from a bad
//! status move from a bad line without reading message text. Faults pass through as `AppError`.

use std::fmt;

use super::status::Status;
use crate::domain::{format_amount, Unit};
use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The request cannot be taken as written (an unknown sku, a zero count, too many lines,
    /// a total too large); the message says which line and why.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    ShortOfStock(Shortage),
    #[error("{0}")]
    BadMove(MoveRefused),
    /// Lines can change only while the order is pending or confirmed.
    #[error(
        "order #{number} is {status}; its lines can be changed only while pending or confirmed"
    )]
    LinesLocked { number: i64, status: Status },
    /// A status change can be taken back only briefly, and only while nothing has happened
    /// to the order since; the message says why not.
    #[error("{0}")]
    UndoRefused(String),
    /// Saved from a page that showed the order before its latest change: taking it would
    /// undo that change unseen. The message says who changed it.
    #[error("{0}")]
    Changed(String),
    #[error("not found")]
    NotFound,
    /// Something failed on our side; not the customer's or the staff's doing.
    #[error(transparent)]
    Fault(#[from] AppError),
}

impl OrderError {
    /// The message to show the person who asked, when they can do something about it;
    /// otherwise the error as it is, for the caller to pass on.
    pub fn into_refusal(self) -> Result<String, AppError> {
        match self {
            Self::NotFound | Self::Fault(_) => Err(self.into()),
            refused => Ok(refused.to_string()),
        }
    }
}

impl From<rusqlite::Error> for OrderError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Fault(err.into())
    }
}

impl From<OrderError> for AppError {
    fn from(err: OrderError) -> Self {
        match err {
            OrderError::Invalid(m) => AppError::Invalid(m),
            OrderError::NotFound => AppError::NotFound,
            OrderError::Fault(e) => e,
            refused => AppError::Conflict(refused.to_string()),
        }
    }
}

/// Not enough stock for one line: which product, how much was asked and how much is left
/// (in grams or pieces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    /// Every line (1-based) that asks for the product: together they want more than is left.
    pub lines: Vec<usize>,
    pub product_id: i64,
    pub name: String,
    pub unit: Unit,
    pub wanted: i64,
    pub left: i64,
}

impl fmt::Display for Shortage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let amount = |v: i64| format_amount(self.unit, u64::try_from(v).unwrap_or(0));
        let (lines, all) = match self.lines.as_slice() {
            [one] => (format!("line {one}"), ""),
            [first @ .., last] => {
                let first: Vec<String> = first.iter().map(usize::to_string).collect();
                (format!("lines {} and {last}", first.join(", ")), " in all")
            }
            [] => (String::from("the order"), ""),
        };
        write!(
            f,
            "{lines}: not enough {}: {} ordered{all}, {} left",
            self.name,
            amount(self.wanted),
            amount(self.left)
        )
    }
}

/// A status change the lifecycle does not allow, from where to where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveRefused {
    pub from: Status,
    pub to: Status,
}

impl fmt::Display for MoveRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { from, to } = *self;
        match (from, to) {
            _ if from == to => write!(f, "the order is already {from}"),
            (Status::Delivered | Status::Cancelled, _) => {
                write!(f, "the order is {from}; it cannot change any more")
            }
            (_, Status::Cancelled) => {
                write!(f, "an order that is {from} can no longer be cancelled")
            }
            _ => {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                let allowed = allowed.join(" or ");
                write!(f, "an order that is {from} can move to {allowed}, not {to}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(lines: Vec<usize>) -> String {
        let s = Shortage {
            lines,
            product_id: 1,
            name: "Samosa".into(),
            unit: Unit::Pc,
            wanted: 12,
            left: 10,
        };
        s.to_string()
    }

    #[test]
    fn a_shortage_names_every_line_of_its_product() {
        assert_eq!(
            short(vec![2]),
            "line 2: not enough Samosa: 12 pc ordered, 10 pc left"
        );
        assert_eq!(
            short(vec![1, 3]),
            "lines 1 and 3: not enough Samosa: 12 pc ordered in all, 10 pc left"
        );
        assert_eq!(
            short(vec![1, 2, 4]),
            "lines 1, 2 and 4: not enough Samosa: 12 pc ordered in all, 10 pc left"
        );
    }
}
