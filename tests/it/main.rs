//! The integration tests, as one binary: the real server, the `novi` binary and the UI in a
//! browser, driven from outside the way a shop, a customer and an admin would use them.

mod support;

mod aliases;
mod auth;
mod backup;
mod backup_schedule;
mod browser;
mod business_move;
mod catalog;
mod catalog_ui;
mod chat_orders;
mod chats;
mod cli;
mod completions;
mod config_file;
mod console;
mod conversations;
mod crash;
mod customers_ui;
mod demo_fill;
mod devanagari;
mod doctor;
mod doctor_whatsapp;
mod error_pages;
mod foreign_numbers;
mod gateway_address;
mod golive;
mod https;
mod layers;
mod limits;
#[cfg(feature = "linked")]
mod linked;
#[cfg(feature = "linked")]
mod linked_groups;
#[cfg(feature = "linked")]
mod linked_in;
#[cfg(feature = "linked")]
mod linked_pairing;
mod live_orders;
mod long_messages;
mod metrics;
mod offline;
mod order_terms;
mod orders_api;
mod orders_ui;
mod owner_alerts;
mod parse;
mod payments;
mod phone;
mod printing;
mod props;
mod razorpay;
mod razorpay_in;
mod razorpay_pay;
mod replication;
mod reports;
mod send_again;
mod sender;
mod store_checkout_once;
mod store_pages;
mod store_phone;
mod store_upi;
mod storefront;
mod tracking;
mod undo;
mod web;
mod whatsapp;
