//! Reports: the dashboard's figures for a period compared with the period before, the sales
//! reports by day, product and category, and the cache that keeps them cheap. Reads orders,
//! customers and the bot's metrics through their home modules.

pub mod cache;
pub mod figures;
pub mod period;
pub mod sales;
pub mod sums;
#[cfg(test)]
mod tests;

pub use cache::Cache;
pub use figures::{figures, Figures};
pub use period::{Period, Span};
