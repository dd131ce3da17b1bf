//! Conversations with customers: reading their messages as orders against the shop's catalog,
//! agreeing a draft with them, taking the order, and keeping them told as it moves.

pub mod answers;
mod catalogs;
pub mod chat;
pub mod drafts;
#[cfg(test)]
mod drafts_kept_tests;
pub mod edit;
pub mod group;
pub mod names;
#[cfg(test)]
mod names_tests;
pub mod notify;
mod park;
pub mod pay_link;
pub mod reply;
pub mod score;
pub mod stock;
pub mod templates;
pub mod terms;
pub mod when;
pub mod words;
pub mod worker;
