//! Orders: taking them, pricing them on the server, the stock they take, their lifecycle and
//! timeline. Every channel (WhatsApp, storefront, manual, API) creates and moves orders here.

pub mod across;
pub mod day;
#[cfg(test)]
mod days_tests;
pub mod error;
pub mod export;
pub mod figures;
mod learn;
pub mod model;
pub mod once;
#[cfg(test)]
mod pricing_tests;
pub mod queue;
pub mod service;
mod span;
pub mod status;
pub mod store;
#[cfg(test)]
mod tests;
pub mod tracking;
pub mod undo;
pub mod unread;

pub use error::{MoveRefused, OrderError, Shortage};
pub use model::{
    parse_deliver_on, Channel, Fulfilment, LineRequest, NewOrder, NewUnread, Order, PaymentMode,
    PaymentStatus, Said, Sort, Unread,
};
pub use status::Status;
