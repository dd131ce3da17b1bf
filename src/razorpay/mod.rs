//! Razorpay, for shops that take money online: the shop's keys, the REST calls (orders for
//! Checkout, Payment Links for chats, refunds), the signatures on what comes back, the webhook
//! deliveries (stored once each before they are answered), what Novi asked Razorpay for, and
//! the one way money Razorpay reports is put on an order (`apply`).

pub mod apply;
pub mod charge;
pub mod client;
pub mod delivery;
pub mod events;
pub mod flags;
pub mod pending;
pub mod refunds;
pub mod requests;
pub mod settings;
pub mod sign;
pub mod worker;

pub use apply::{Applied, Captured};
pub use client::{Client, RazorpayError, API};
pub use settings::RazorpaySettings;
