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
