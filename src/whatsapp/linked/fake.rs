//! A linked client that reaches nothing, for tests and benchmarks: it emits the crate's own
//! event types (QR code, pair success, message, receipt, disconnected, logged out) when the test
//! says so and records what Novi sent and tried. What customers write while it is offline is
//! held, as WhatsApp holds it, and delivered when it connects again. Its "session" is a file at
//! the path Novi gives it, written when a phone "scans", so a restarted server finds it as it
//! would find the crate's real one. The kinds of message it can deliver (replies, images,
//! locations, group posts) are in `kinds`.

pub mod kinds;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use whatsapp_rust::wacore::proto_helpers::MessageBuilderExt;
use whatsapp_rust::wacore::types::events::{
    BatchOrigin, Connected, Disconnected, LoggedOut, MessageBatch, PairSuccess, PairingQrCode,
    Receipt,
};
use whatsapp_rust::wacore::types::message::{MessageInfo, MessageSource};
use whatsapp_rust::wacore::types::presence::ReceiptType;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid;

use super::seam::{
    BoxFut, Connector, Event, Events, InboundMessage, InboundSink, LinkedClient, SendFailure,
};
use super::PhoneGroup;

/// Makes fake clients and finds them again by business.
#[derive(Clone, Default)]
pub struct FakeConnector {
    /// Every client made, by business, oldest first.
    clients: Arc<Mutex<HashMap<i64, Vec<Arc<FakeClient>>>>>,
    /// Woken whenever a client is made.
    made: Arc<Notify>,
}

impl FakeConnector {
    pub fn new() -> Self {
        Self::default()
    }

    /// The business's latest client, once Novi has made one.
    pub fn get(&self, business_id: i64) -> Option<Arc<FakeClient>> {
        self.clients.lock().ok()?.get(&business_id)?.last().cloned()
    }

    /// How many clients Novi has made for the business (one per start of its task).
    pub fn made(&self, business_id: i64) -> usize {
        self.clients
            .lock()
            .map(|c| c.get(&business_id).map_or(0, Vec::len))
            .unwrap_or(0)
    }

    /// Waits for Novi to make the business's client.
    pub async fn client(&self, business_id: i64) -> Arc<FakeClient> {
        self.client_number(business_id, 1).await
    }

    /// Waits until Novi has made `n` clients for the business; returns the latest. Fails
    /// after 20 seconds.
    pub async fn client_number(&self, business_id: i64, n: usize) -> Arc<FakeClient> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let made = self.made.notified();
            if self.made(business_id) >= n {
                if let Some(c) = self.get(business_id) {
                    return c;
                }
            }
            if tokio::time::timeout_at(deadline, made).await.is_err() {
                panic!("no client number {n} was made for business {business_id}");
            }
        }
    }
}

impl Connector for FakeConnector {
    fn client(&self, business_id: i64, session: PathBuf) -> Arc<dyn LinkedClient> {
        let client = Arc::new(FakeClient::new(session));
        if let Ok(mut all) = self.clients.lock() {
            all.entry(business_id).or_default().push(client.clone());
        }
        self.made.notify_waiters();
        client
    }
}

/// One fake linked device.
pub struct FakeClient {
    session: PathBuf,
    /// The open connection's event stream.
    events: Mutex<Option<mpsc::UnboundedSender<Arc<Event>>>>,
    sink: Mutex<Option<Arc<dyn InboundSink>>>,
    /// False while "offline": connecting fails and nothing can be sent.
    pub network: AtomicBool,
    sent: Mutex<Vec<Sent>>,
    qr_codes: Mutex<Vec<String>>,
    connects: AtomicUsize,
    /// Connections and sends Novi tried, whether or not they went.
    connect_tries: AtomicUsize,
    send_tries: AtomicUsize,
    /// What customers wrote while the device was offline: WhatsApp keeps it and delivers it
    /// when the device connects again.
    held: Mutex<Vec<(MessageSource, String, wa::Message)>>,
    next_id: AtomicUsize,
    /// The groups the phone is in.
    groups: Mutex<Vec<PhoneGroup>>,
    /// Woken on every connection, QR code and send.
    pub changed: Notify,
}

/// A message Novi sent through the fake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub to: String,
    pub text: String,
    pub id: String,
}

/// The number the fake phone is linked as.
pub const LINKED_NUMBER: &str = "919800000001";

impl FakeClient {
    fn new(session: PathBuf) -> Self {
        Self {
            session,
            events: Mutex::new(None),
            sink: Mutex::new(None),
            network: AtomicBool::new(true),
            sent: Mutex::new(Vec::new()),
            qr_codes: Mutex::new(Vec::new()),
            connects: AtomicUsize::new(0),
            connect_tries: AtomicUsize::new(0),
            send_tries: AtomicUsize::new(0),
            held: Mutex::new(Vec::new()),
            next_id: AtomicUsize::new(1),
            groups: Mutex::new(Vec::new()),
            changed: Notify::new(),
        }
    }

    fn emit(&self, e: Event) {
        if let Some(tx) = self.events.lock().ok().and_then(|t| t.clone()) {
            let _ = tx.send(Arc::new(e));
        }
    }

    fn is_open(&self) -> bool {
        self.events.lock().map(|t| t.is_some()).unwrap_or(false)
    }

    /// What Novi sent, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Every QR code emitted, in order.
    pub fn qr_codes(&self) -> Vec<String> {
        self.qr_codes.lock().map(|q| q.clone()).unwrap_or_default()
    }

    /// Connections Novi opened.
    pub fn connects(&self) -> usize {
        self.connects.load(Ordering::SeqCst)
    }

    /// Connections Novi tried to open, including those that failed.
    pub fn connect_tries(&self) -> usize {
        self.connect_tries.load(Ordering::SeqCst)
    }

    /// Sends Novi tried, including those that failed.
    pub fn send_tries(&self) -> usize {
        self.send_tries.load(Ordering::SeqCst)
    }

    /// Waits until `check` holds, re-checking on every change; fails after `within`.
    pub async fn wait_for(&self, what: &str, within: Duration, check: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            if check(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() && !check(self) {
                panic!("timed out waiting for {what}");
            }
        }
    }

    /// WhatsApp rotates the QR code.
    pub fn rotate_qr(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst);
        let code = format!("2@fake-ref-{n},fake-noise-key,fake-identity-key,fake-adv-secret");
        if let Ok(mut q) = self.qr_codes.lock() {
            q.push(code.clone());
        }
        self.emit(Event::PairingQrCode(
            PairingQrCode::builder()
                .code(code.clone())
                .timeout(Duration::from_secs(20))
                .build(),
        ));
        self.changed.notify_waiters();
        code
    }

    /// The phone scans the code: the session is saved, then the device logs in.
    pub fn scan(&self) {
        let _ = std::fs::write(&self.session, LINKED_NUMBER);
        let id = Jid::pn(LINKED_NUMBER);
        self.emit(Event::PairSuccess(
            PairSuccess::builder()
                .id(id.clone())
                .lid(id)
                .business_name("Sharma Sweets".to_owned())
                .platform("smba".to_owned())
                .build(),
        ));
        self.emit(Event::Connected(Connected::builder().build()));
    }

    /// The connection drops, and stays down until `network_up`.
    pub fn network_down(&self) {
        self.network.store(false, Ordering::SeqCst);
        self.emit(Event::Disconnected(
            Disconnected::builder()
                .reason(whatsapp_rust::wacore::net::DisconnectReason::StreamEnded)
                .build(),
        ));
        self.close();
    }

    pub fn network_up(&self) {
        self.network.store(true, Ordering::SeqCst);
    }

    /// The owner removes this device on the phone.
    pub fn unlinked_on_phone(&self) {
        self.emit(Event::LoggedOut(
            LoggedOut::builder()
                .on_connect(false)
                .reason(whatsapp_rust::wacore::types::events::ConnectFailureReason::LoggedOut)
                .build(),
        ));
        self.close();
    }

    fn close(&self) {
        if let Ok(mut t) = self.events.lock() {
            *t = None;
        }
    }

    /// A customer writes: stored through Novi's sink first (as the crate's durability hook
    /// does), then dispatched as an event. Returns whether Novi stored it; while the device is
    /// offline it is not, and WhatsApp delivers it on the next connection.
    pub async fn customer_says(&self, from: &str, id: &str, text: &str) -> bool {
        let source = MessageSource {
            chat: Jid::pn(from),
            sender: Jid::pn(from),
            ..MessageSource::default()
        };
        self.deliver(source, id, wa::Message::text(text)).await
    }

    /// The shop writes to a customer from the phone itself.
    pub async fn phone_sends(&self, to: &str, id: &str, text: &str) -> bool {
        let source = MessageSource {
            chat: Jid::pn(to),
            sender: Jid::pn(LINKED_NUMBER),
            is_from_me: true,
            ..MessageSource::default()
        };
        self.deliver(source, id, wa::Message::text(text)).await
    }

    async fn deliver(&self, source: MessageSource, id: &str, message: wa::Message) -> bool {
        if !self.is_open() {
            if let Ok(mut held) = self.held.lock() {
                held.push((source, id.to_owned(), message));
            }
            return false;
        }
        let info = MessageInfo {
            source,
            id: id.to_owned(),
            push_name: "Asha".to_owned(),
            timestamp: chrono::Utc::now(),
            ..MessageInfo::default()
        };
        let m = InboundMessage::builder()
            .message(Arc::new(message))
            .info(Arc::new(info))
            .build();
        let sink = self.sink.lock().ok().and_then(|s| s.clone());
        let Some(sink) = sink else { return false };
        let batch = [m];
        if sink.store(&batch).await.is_err() {
            return false;
        }
        self.emit(Event::Messages(
            MessageBatch::builder()
                .messages(Arc::from(batch))
                .origin(BatchOrigin::Live)
                .hook_committed(true)
                .build(),
        ));
        true
    }

    /// The customer's phone reports messages delivered or read.
    pub fn receipt(&self, from: &str, ids: &[String], read: bool) {
        let source = MessageSource {
            chat: Jid::pn(from),
            sender: Jid::pn(from),
            ..MessageSource::default()
        };
        self.emit(Event::Receipt(
            Receipt::builder()
                .source(source)
                .message_ids(ids.to_vec())
                .timestamp(chrono::Utc::now())
                .r#type(if read {
                    ReceiptType::Read
                } else {
                    ReceiptType::Delivered
                })
                .offline(false)
                .build(),
        ));
    }
}

impl LinkedClient for FakeClient {
    fn connect(&self, sink: Arc<dyn InboundSink>) -> BoxFut<'_, Result<Events, String>> {
        Box::pin(async move {
            self.connect_tries.fetch_add(1, Ordering::SeqCst);
            if !self.network.load(Ordering::SeqCst) {
                self.changed.notify_waiters();
                return Err("network unreachable".into());
            }
            let (tx, rx) = mpsc::unbounded_channel();
            *self.events.lock().map_err(|_| "poisoned")? = Some(tx);
            *self.sink.lock().map_err(|_| "poisoned")? = Some(sink);
            self.connects.fetch_add(1, Ordering::SeqCst);
            if self.session.exists() {
                self.emit(Event::Connected(Connected::builder().build()));
                let held = std::mem::take(&mut *self.held.lock().map_err(|_| "poisoned")?);
                for (source, id, message) in held {
                    self.deliver(source, &id, message).await;
                }
            } else {
                self.rotate_qr();
            }
            self.changed.notify_waiters();
            Ok(rx)
        })
    }

    fn send_text<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> BoxFut<'a, Result<String, SendFailure>> {
        Box::pin(async move {
            self.send_tries.fetch_add(1, Ordering::SeqCst);
            if !self.is_open() || !self.network.load(Ordering::SeqCst) {
                return Err(SendFailure::NotConnected("not connected".into()));
            }
            let id = format!("3EB0{:016X}", self.next_id.fetch_add(1, Ordering::SeqCst));
            if let Ok(mut s) = self.sent.lock() {
                s.push(Sent {
                    to: to.to_owned(),
                    text: text.to_owned(),
                    id: id.clone(),
                });
            }
            self.changed.notify_waiters();
            Ok(id)
        })
    }

    fn pair_with_phone<'a>(&'a self, phone: &'a str) -> BoxFut<'a, Result<String, String>> {
        Box::pin(async move {
            if !self.is_open() {
                return Err("not connected".into());
            }
            // WhatsApp gives a code only for the number of the phone being linked.
            if phone != LINKED_NUMBER {
                return Err("WhatsApp refused that number".into());
            }
            Ok("ABCD1234".to_owned())
        })
    }

    fn groups(&self) -> BoxFut<'_, Result<Vec<PhoneGroup>, String>> {
        Box::pin(async move { self.group_list() })
    }

    fn logout(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            self.close();
        })
    }

    fn disconnect(&self) -> BoxFut<'_, ()> {
        Box::pin(async move {
            self.close();
        })
    }
}
