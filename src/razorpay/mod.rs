//! Razorpay, for shops that take money online: the shop's keys, the REST calls (orders for
//! Checkout, Payment Links for chats, refunds), the signatures on what comes back, and the
//! webhook deliveries, stored once each before they are answered.

pub mod client;
pub mod events;
pub mod settings;
pub mod sign;

pub use client::{Client, RazorpayError, API};
pub use settings::RazorpaySettings;
