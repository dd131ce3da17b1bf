//! The files under `tests/data`, by path (for the `novi` binary) and by content (for the app).

/// The sweet shop's catalog: 18 products in Sweets, Snacks and Gifts, 20 kg of kaju katli among
/// them, in the catalog file format.
pub const CATALOG_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/sweetshop-catalog.csv"
);
/// The text of [`CATALOG_PATH`].
pub const CATALOG: &str = include_str!("../../data/sweetshop-catalog.csv");

/// Customer messages with the reading expected of each, for `novi parse --score`.
pub const CORPUS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/orders-dev.jsonl");

/// A one-pixel PNG, for product images.
pub const PNG: &[u8] = include_bytes!("../../data/dot.png");

/// The shared corpora and catalogs beside the repository (`../shared`, there in CI too): each
/// dev shop's corpus is read against its own catalog, `fixtures/<shop>-catalog.csv`.
pub const SHARED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");
