//! Orders: taking them, pricing them on the server, the stock they take, their lifecycle and
//! timeline. Every channel (WhatsApp, storefront, manual, API) creates and moves orders here.

pub mod error;
pub mod export;
pub mod model;
pub mod service;
pub mod status;
pub mod store;
#[cfg(test)]
mod tests;

pub use error::{MoveRefused, OrderError, Shortage};
pub use model::{Channel, LineRequest, NewOrder, Order, PaymentMode, PaymentStatus};
pub use status::Status;
