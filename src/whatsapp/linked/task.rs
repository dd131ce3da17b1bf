//! One linked business's connection task: connects, turns the events into stored messages,
//! statuses and link state, and reconnects with capped backoff and jitter. Each business has
//! its own task, so one shop's trouble never stalls another's. Commands from Settings and the
//! shell (link, pairing code, unlink, stop) reach it on a channel, so nothing needs a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{mpsc, oneshot, watch};

use super::read;
use super::seam::{BoxFut, Event, Events, InboundMessage, InboundSink, LinkedClient};
use super::state::{self, Link, State};
use super::{Shared, View};
use crate::db::now;

/// What the task is told to do.
pub enum Command {
    /// Start linking (show QR codes), or try again now.
    Link,
    /// Ask for a pairing code for this number.
    PairPhone(String, oneshot::Sender<Result<String, String>>),
    /// Remove the device from the phone, forget the session, and wait.
    Unlink(oneshot::Sender<()>),
    /// Close the connection, keeping the session (the server is stopping).
    Stop,
}

/// The longest wait between connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The wait before attempt `failures + 1`: doubling from 2 s up to five minutes, each spread
/// over 50-100% so many shops coming back after an outage do not all reconnect together.
pub fn backoff(failures: u32) -> Duration {
    let nominal = Duration::from_secs(2).saturating_mul(1 << failures.min(10));
    nominal
        .min(MAX_BACKOFF)
        .mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

/// How one connection ended.
enum Ended {
    /// The connection closed; `paired` when it had just linked (WhatsApp closes the first
    /// connection after pairing, and the next one logs in at once).
    Closed {
        connected: bool,
        paired: bool,
    },
    LoggedOut(String),
    /// Linking ran out of QR codes without a scan.
    QrExhausted,
    Unlink(oneshot::Sender<()>),
    Stop,
}

/// Stores inbound messages through the webhook writer, so they are committed (with their
/// dedupe) before WhatsApp is told they arrived.
pub struct Sink {
    pub business_id: i64,
    pub shared: Shared,
}

impl InboundSink for Sink {
    fn store<'a>(&'a self, batch: &'a [InboundMessage]) -> BoxFut<'a, Result<(), String>> {
        Box::pin(async move {
            let inbound = read::batch(self.business_id, batch);
            if inbound.messages.is_empty() && inbound.from_phone.is_empty() {
                return Ok(());
            }
            self.shared
                .ingest
                .store(inbound)
                .await
                .map(|_| ())
                .map_err(|e| e.detail())
        })
    }
}

/// Where a business's session keys are kept: the crate's own SQLite file, in the data
/// directory so backups include it.
pub fn session_path(data_dir: &Path, business_id: i64) -> PathBuf {
    data_dir
        .join("whatsapp")
        .join(format!("business-{business_id}.db"))
}

pub fn has_session(path: &Path) -> bool {
    path.exists()
}

/// Forgets a session: its file and SQLite's journal files beside it.
fn forget_session(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// The task's own state between connections.
pub struct Task {
    pub business_id: i64,
    pub client: Arc<dyn LinkedClient>,
    pub session: PathBuf,
    pub shared: Shared,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub view: watch::Sender<View>,
    pub link: Link,
    /// This connection linked a phone (its session must be kept, however it ends).
    pub paired: bool,
}

impl Task {
    /// Runs until told to stop. Without a session (and unless `link_now`) it waits for a
    /// command to start linking.
    pub async fn run(mut self, link_now: bool) {
        self.link = self.load().await;
        let mut active = link_now || has_session(&self.session);
        let mut failures = 0u32;
        loop {
            if !active {
                match self.idle().await {
                    Some(()) => active = true,
                    None => return,
                }
                continue;
            }
            match self.connect_once().await {
                Ended::Closed { paired: true, .. } => {
                    failures = 0;
                    continue;
                }
                Ended::Closed { connected, .. } => {
                    failures = if connected { 0 } else { failures + 1 };
                }
                Ended::LoggedOut(reason) => {
                    forget_session(&self.session);
                    self.set(State::LoggedOut, None, &reason).await;
                    active = false;
                    continue;
                }
                Ended::QrExhausted => {
                    self.show(|v| *v = View::default());
                    active = has_session(&self.session);
                    continue;
                }
                Ended::Unlink(done) => {
                    self.unlink(done).await;
                    active = false;
                    continue;
                }
                Ended::Stop => return,
            }
            if !self.wait_to_retry(failures.max(1) - 1).await {
                return;
            }
        }
    }

    /// Waits, not linked, for a command (or for a session linked from the shell). `Some` to
    /// connect, `None` to stop.
    async fn idle(&mut self) -> Option<()> {
        loop {
            let command = tokio::select! {
                c = self.commands.recv() => c?,
                () = tokio::time::sleep(Duration::from_secs(15)) => {
                    if has_session(&self.session) {
                        return Some(());
                    }
                    continue;
                }
            };
            match command {
                Command::Link => return Some(()),
                Command::PairPhone(_, reply) => {
                    let _ = reply.send(Err("start linking first".into()));
                }
                Command::Unlink(done) => self.unlink(done).await,
                Command::Stop => return None,
            }
        }
    }

    /// Sleeps before the next attempt, by the bridge's clock, showing when it will be; a
    /// command can cut it short. False when told to stop.
    async fn wait_to_retry(&mut self, failures: u32) -> bool {
        let clock = self.shared.clock.clone();
        let due_ms = clock.now_ms() + i64::try_from(backoff(failures).as_millis()).unwrap_or(0);
        let at = due_ms / 1000 + 1;
        let reason = self.link.reason.clone();
        self.set(State::Connecting, Some(at), &reason).await;
        tokio::select! {
            () = clock.sleep_until(due_ms) => true,
            c = self.commands.recv() => match c {
                None | Some(Command::Stop) => false,
                Some(Command::Unlink(done)) => { self.unlink(done).await; true }
                Some(Command::PairPhone(_, reply)) => {
                    let _ = reply.send(Err("not connected to WhatsApp yet; try again in a moment".into()));
                    true
                }
                Some(Command::Link) => true,
            },
        }
    }

    async fn connect_once(&mut self) -> Ended {
        let linking = !has_session(&self.session);
        self.paired = false;
        if !linking {
            let reason = self.link.reason.clone();
            self.set(State::Connecting, None, &reason).await;
        }
        let sink = Arc::new(Sink {
            business_id: self.business_id,
            shared: self.shared.clone(),
        });
        match self.client.connect(sink).await {
            Ok(events) => {
                self.show(|v| v.linking = linking);
                let ended = self.drive(events).await;
                self.show(|v| *v = View::default());
                if linking && !self.paired {
                    // The crate made the file for a device that never linked: without it,
                    // the next start waits to be asked instead of showing QR codes unasked.
                    forget_session(&self.session);
                }
                ended
            }
            Err(e) => {
                tracing::warn!(business_id = self.business_id, error = %e, "linked WhatsApp: connecting failed");
                self.link.reason = e;
                Ended::Closed {
                    connected: false,
                    paired: false,
                }
            }
        }
    }

    /// Handles one connection's events and the commands that come meanwhile.
    async fn drive(&mut self, mut events: Events) -> Ended {
        let (mut connected, mut paired) = (false, false);
        loop {
            tokio::select! {
                e = events.recv() => match e {
                    None => {
                        if connected {
                            self.link.reason = "the connection to WhatsApp closed".into();
                        }
                        return Ended::Closed { connected, paired };
                    }
                    Some(e) => match self.on_event(&e).await {
                        Step::Go => {}
                        Step::Connected => connected = true,
                        Step::Paired => paired = true,
                        Step::End(ended) => return ended,
                    },
                },
                c = self.commands.recv() => match c {
                    None | Some(Command::Stop) => {
                        self.client.disconnect().await;
                        return Ended::Stop;
                    }
                    Some(Command::Unlink(done)) => return Ended::Unlink(done),
                    Some(Command::PairPhone(phone, reply)) => {
                        let code = self.client.pair_with_phone(&phone).await;
                        if let Ok(c) = &code {
                            let c = c.clone();
                            self.show(|v| v.pair_code = Some(c));
                        }
                        let _ = reply.send(code);
                    }
                    Some(Command::Link) => {}
                },
            }
        }
    }

    async fn on_event(&mut self, e: &Event) -> Step {
        match e {
            Event::PairingQrCode(qr) => {
                let code = qr.code.clone();
                self.show(|v| v.qr = Some(code));
            }
            Event::PairingCode(pc) => {
                let code = pc.code.clone();
                self.show(|v| v.pair_code = Some(code));
            }
            Event::PairingQrCodesExhausted(_) => return Step::End(Ended::QrExhausted),
            Event::PairSuccess(p) => {
                self.paired = true;
                self.link.phone = p.id.user.to_string();
                if !p.business_name.is_empty() {
                    self.link.push_name = p.business_name.clone();
                }
                self.show(|v| *v = View::default());
                return Step::Paired;
            }
            Event::SelfPushNameUpdated(n) => {
                self.link.push_name = n.new_name.clone();
                if self.link.state == State::Connected {
                    self.store_link().await;
                }
            }
            Event::Connected(_) => {
                self.link.connected_since = Some(now());
                self.set(State::Connected, None, "").await;
                self.show(|v| *v = View::default());
                // Replies that waited for the link can go now.
                self.shared.links.reached(self.business_id);
                self.shared.wake_sender.notify_one();
                return Step::Connected;
            }
            Event::LoggedOut(_) => {
                return Step::End(Ended::LoggedOut(
                    "WhatsApp was unlinked from the phone".into(),
                ))
            }
            Event::TemporaryBan(b) => {
                self.link.reason = format!("WhatsApp banned this number for a while: {}", b.code);
            }
            Event::StreamReplaced(_) => {
                self.link.reason = "another program connected with this link".into();
            }
            Event::Receipt(r) => self.store(read::receipt(self.business_id, r)).await,
            Event::Messages(batch) if !batch.hook_committed => {
                let sink = Sink {
                    business_id: self.business_id,
                    shared: self.shared.clone(),
                };
                if let Err(e) = sink.store(&batch.messages).await {
                    tracing::error!(business_id = self.business_id, error = %e, "storing linked messages failed");
                }
            }
            _ => {}
        }
        Step::Go
    }

    async fn store(&self, inbound: crate::whatsapp::inbound::Inbound) {
        if inbound.statuses.is_empty() {
            return;
        }
        if let Err(e) = self.shared.ingest.store(inbound).await {
            tracing::error!(business_id = self.business_id, error = %e.detail(), "storing a receipt failed");
        }
    }

    async fn unlink(&mut self, done: oneshot::Sender<()>) {
        self.client.logout().await;
        forget_session(&self.session);
        self.link = Link::not_linked();
        self.set(State::NotLinked, None, "").await;
        self.show(|v| *v = View::default());
        let _ = done.send(());
    }

    /// Changes what linking shows, and says so to whoever watches.
    fn show(&self, change: impl FnOnce(&mut View)) {
        self.view.send_modify(change);
        self.shared.changed.send_replace(());
    }

    async fn load(&self) -> Link {
        let id = self.business_id;
        self.shared
            .db
            .read(move |c| state::load(c, id))
            .await
            .unwrap_or_else(|_| Link::not_linked())
    }

    async fn set(&mut self, s: State, next_retry_at: Option<i64>, reason: &str) {
        self.link.state = s;
        self.link.next_retry_at = next_retry_at;
        self.link.reason = reason.to_owned();
        if s != State::Connected {
            self.link.connected_since = None;
        }
        self.store_link().await;
    }

    async fn store_link(&self) {
        let (id, link) = (self.business_id, self.link.clone());
        if let Err(e) = self
            .shared
            .db
            .write(move |tx| state::save(tx, id, &link))
            .await
        {
            tracing::error!(business_id = id, error = %e.detail(), "saving the link state failed");
        }
        self.shared.changed.send_replace(());
    }
}

/// What an event means for the connection.
enum Step {
    Go,
    Connected,
    Paired,
    End(Ended),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling_with_jitter() {
        for (failures, nominal) in [(0u32, 2.0), (1, 4.0), (2, 8.0), (20, 300.0)] {
            let d = backoff(failures).as_secs_f64();
            assert!(d >= nominal * 0.5 && d <= nominal, "{failures}: {d}");
        }
    }

    #[test]
    fn the_session_lives_in_the_data_directory() {
        let p = session_path(Path::new("/srv/novi"), 7);
        assert_eq!(p, Path::new("/srv/novi/whatsapp/business-7.db"));
    }
}
