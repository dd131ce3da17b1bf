//! The shop's catalog: products, variants and stock, and the CSV file format they move in.

pub mod alerts;
pub mod csv;
pub mod image;
pub mod import;
pub mod products;
pub mod stock;
pub mod suggestions;
