//! The linked client over the `whatsapp-rust` crate: WhatsApp's multi-device protocol with no
//! browser. Each connection is a fresh `Bot` over the business's own session file, with the
//! crate's own reconnecting turned off: Novi's connection task reconnects instead, so the
//! state it shows (and its next retry time) is always the true one.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use whatsapp_rust::bot::{Bot, BotHandle};
use whatsapp_rust::pair_code::PairCodeOptions;
use whatsapp_rust::store::SqliteStore;
use whatsapp_rust::wacore::types::events::EventHandler;
use whatsapp_rust::{Client, InboundDurabilityHook, Jid};

use super::seam::{
    BoxFut, Connector, Event, Events, InboundMessage, InboundSink, LinkedClient, PhoneGroup,
    SendFailure,
};

/// Makes real clients.
pub struct RealConnector;

impl Connector for RealConnector {
    fn client(&self, _business_id: i64, session: PathBuf) -> Arc<dyn LinkedClient> {
        Arc::new(RealClient {
            session,
            client: Mutex::new(None),
        })
    }
}

pub struct RealClient {
    session: PathBuf,
    /// The open connection's client, for sending.
    client: Mutex<Option<Arc<Client>>>,
}

/// Hands the crate's events to Novi's connection task.
struct Forward(mpsc::UnboundedSender<Arc<Event>>);

impl EventHandler for Forward {
    fn handle_event(&self, event: Arc<Event>) {
        let _ = self.0.send(event);
    }
}

/// Stores messages in Novi's database before the crate acknowledges them to WhatsApp.
struct Durable(Arc<dyn InboundSink>);

#[whatsapp_rust::async_trait]
impl InboundDurabilityHook for Durable {
    async fn on_messages(
        &self,
        _client: Arc<Client>,
        batch: &[InboundMessage],
    ) -> whatsapp_rust::anyhow::Result<()> {
        self.0
            .store(batch)
            .await
            .map_err(whatsapp_rust::anyhow::Error::msg)
    }
}

impl RealClient {
    fn current(&self) -> Option<Arc<Client>> {
        self.client.lock().ok().and_then(|c| c.clone())
    }

    async fn open(&self, sink: Arc<dyn InboundSink>) -> Result<Events, String> {
        let path = self.session.to_string_lossy().into_owned();
        let store = SqliteStore::new(&path)
            .await
            .map_err(|e| format!("cannot open the WhatsApp session file: {e}"))?;
        let (tx, raw) = mpsc::unbounded_channel();
        let bot = Bot::builder()
            .with_backend(store)
            .with_event_handler(Forward(tx))
            .with_inbound_durability_hook(Durable(sink))
            .skip_history_sync()
            .build()
            .await
            .map_err(|e| format!("cannot start the WhatsApp client: {e}"))?;
        let client = bot.client();
        client.enable_auto_reconnect.store(false, Ordering::Relaxed);
        if let Ok(mut slot) = self.client.lock() {
            *slot = Some(client);
        }
        Ok(relay(raw, bot.spawn()))
    }
}

/// Passes events on until the crate's run loop ends, then ends the stream.
fn relay(mut raw: mpsc::UnboundedReceiver<Arc<Event>>, mut handle: BotHandle) -> Events {
    let (out, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                e = raw.recv() => match e {
                    Some(e) => { let _ = out.send(e); }
                    None => break,
                },
                () = &mut handle => break,
            }
        }
        while let Ok(e) = raw.try_recv() {
            let _ = out.send(e);
        }
    });
    events
}

impl LinkedClient for RealClient {
    fn connect(&self, sink: Arc<dyn InboundSink>) -> BoxFut<'_, Result<Events, String>> {
        Box::pin(self.open(sink))
    }

    fn send_text<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, SendFailure>> {
        Box::pin(async move {
            let Some(client) = self.current().filter(|c| c.is_connected()) else {
                return Err(SendFailure::NotConnected(
                    "not connected to WhatsApp".into(),
                ));
            };
            // A group's chat id is a whole address; a customer is digits.
            let to = if to.contains('@') {
                to.parse::<Jid>()
                    .map_err(|e| SendFailure::Refused(format!("not an address: {e}")))?
            } else {
                Jid::pn(to)
            };
            match client.send_text(to, text).await {
                Ok(sent) => Ok(sent.message_id),
                Err(e @ whatsapp_rust::SendError::InvalidRequest(_)) => {
                    Err(SendFailure::Refused(e.to_string()))
                }
                // Anything else is the connection's trouble: the message waits for it.
                Err(e) => Err(SendFailure::NotConnected(e.to_string())),
            }
        })
    }

    fn pair_with_phone<'a>(&'a self, phone: &'a str) -> BoxFut<'a, Result<String, String>> {
        Box::pin(async move {
            let client = self.current().ok_or("not connected to WhatsApp")?;
            let options = PairCodeOptions {
                phone_number: phone.to_owned(),
                ..PairCodeOptions::default()
            };
            client
                .pair_with_code(options)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn groups(&self) -> BoxFut<'_, Result<Vec<PhoneGroup>, String>> {
        Box::pin(async move {
            let Some(client) = self.current().filter(|c| c.is_connected()) else {
                return Err("not connected to WhatsApp".into());
            };
            let groups = client
                .groups()
                .get_participating()
                .await
                .map_err(|e| e.to_string())?;
            Ok(groups
                .into_iter()
                .map(|(jid, meta)| PhoneGroup {
                    chat_id: jid.to_string(),
                    name: meta.subject,
                })
                .collect())
        })
    }

    fn logout(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            if let Some(client) = self.current() {
                client.logout().await;
            }
        })
    }

    fn disconnect(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            if let Some(client) = self.current() {
                client.disconnect().await;
            }
        })
    }
}
