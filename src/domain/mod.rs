//! Core value types for Novi: phone numbers, money, quantities and SKUs, the one reading
//! of amounts typed into forms, and the limits every input is held to (`limits`).
//! Each type can only hold a valid value, so code that receives one need not re-check it.

pub mod amount;
pub mod day;
pub mod hours;
pub mod limits;
pub mod money;
pub mod phone;
pub mod plural;
pub mod quantity;
pub mod sheet;
pub mod sku;

pub use amount::{parse_amount, parse_change};
pub use day::parse_day;
pub use hours::Hours;
pub use money::{Money, MoneyError};
pub use phone::{Phone, PhoneError};
pub use quantity::{format_amount, line_total, Quantity, QuantityError, Unit, UnitError};
pub use sku::{Sku, SkuError};

/// `text` to its first `most` characters, with "…" when that cut it: a value said back in an
/// error, so a 100,000-character one is not a 100 KB answer.
pub fn cut_short(text: &str, most: usize) -> String {
    let mut head: String = text.chars().take(most).collect();
    if head.len() < text.len() {
        head.push('…');
    }
    head
}
