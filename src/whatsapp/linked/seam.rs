//! The seam between Novi and WhatsApp's multi-device protocol. Novi's side (connection tasks,
//! state, storing, sending) talks only to these traits; `real` implements them over the
//! `whatsapp-rust` crate and `fake` over nothing, emitting the crate's own event types, so
//! everything on Novi's side is tested without reaching WhatsApp.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::mpsc;

pub use whatsapp_rust::wacore::types::events::{Event, InboundMessage};

pub use super::PhoneGroup;

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The events of one connection, in order; the stream ends when the connection does.
pub type Events = mpsc::UnboundedReceiver<Arc<Event>>;

/// Where inbound messages are stored before WhatsApp is told they arrived: `Ok` only once
/// they are committed, so a message acknowledged is never lost (on `Err` WhatsApp delivers
/// it again on the next connection).
pub trait InboundSink: Send + Sync {
    fn store<'a>(&'a self, batch: &'a [InboundMessage]) -> BoxFut<'a, Result<(), String>>;
}

/// Why a send did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// No connection (offline, reconnecting, not linked): the message waits.
    NotConnected(String),
    /// WhatsApp refused it.
    Refused(String),
}

/// One business's linked device.
pub trait LinkedClient: Send + Sync {
    /// Opens one connection with the session the client was made with. Without a session,
    /// WhatsApp sends QR codes to link a phone; with one, the client logs straight in.
    fn connect(&self, sink: Arc<dyn InboundSink>) -> BoxFut<'_, Result<Events, String>>;
    /// Sends text to a number (digits with country code) or a group (`<digits>@g.us`);
    /// returns WhatsApp's message id.
    fn send_text<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, SendFailure>>;
    /// Asks for an 8-character code to type on the phone instead of scanning (while a
    /// connection is open and not yet linked).
    fn pair_with_phone<'a>(&'a self, phone: &'a str) -> BoxFut<'a, Result<String, String>>;
    /// The groups the linked phone is in (while connected).
    fn groups(&self) -> BoxFut<'_, Result<Vec<PhoneGroup>, String>>;
    /// Removes this device from the phone's linked devices and closes the connection.
    fn logout(&self) -> BoxFut<'_, ()>;
    /// Closes the connection, keeping the session.
    fn disconnect(&self) -> BoxFut<'_, ()>;
}

/// Makes the client for a business, given where its session is kept.
pub trait Connector: Send + Sync {
    fn client(&self, business_id: i64, session: PathBuf) -> Arc<dyn LinkedClient>;
}
