//! The linked provider: the shop's own WhatsApp app, linked by QR code as WhatsApp Web is, with
//! no browser. `Linked` keeps one connection task per linked business (started by `serve`,
//! linked and unlinked from Settings or the shell without a restart); `seam` is the boundary
//! to the protocol, `real` its implementation over `whatsapp-rust`, `fake` the one tests use.

#[cfg(feature = "linked")]
mod content;
#[cfg(feature = "linked")]
pub mod fake;
#[cfg(feature = "linked")]
mod read;
#[cfg(feature = "linked")]
mod real;
#[cfg(feature = "linked")]
pub mod seam;
pub mod state;
#[cfg(feature = "linked")]
mod task;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{watch, Notify};

use super::ingest::Ingest;
use crate::db::Db;

#[cfg(feature = "linked")]
pub use imp::*;

/// What every connection task shares.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub ingest: Ingest,
    pub data_dir: PathBuf,
    /// Woken when a connection comes up, so replies that waited go out.
    pub wake_sender: Arc<Notify>,
    /// Where the sender keeps which businesses' way out is down: a connection coming up
    /// clears it, so replies that waited go at once rather than at the next probe.
    pub links: Arc<super::link::Links>,
    /// Ticks whenever a link's stored state changes (pages and tests watch it).
    pub changed: Arc<watch::Sender<()>>,
    /// The bridge's clock: reconnection waits are read from it, as the sender's are, so an
    /// outage passes the same way for both.
    pub clock: super::clock::Clock,
}

/// A group the linked phone is in, to map to a role in Settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneGroup {
    /// `<digits>@g.us`, as group messages name it.
    pub chat_id: String,
    /// The group's subject.
    pub name: String,
}

/// Whether this build can link a phone.
pub const BUILT_IN: bool = cfg!(feature = "linked");

/// What linking shows while it is under way; kept in memory only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// Linking: the QR code to show, replaced as WhatsApp rotates it.
    pub qr: Option<String>,
    /// The pairing code to type on the phone, when one was asked for.
    pub pair_code: Option<String>,
    /// A connection is open for linking (QR codes are coming).
    pub linking: bool,
}

#[cfg(not(feature = "linked"))]
mod imp_off {
    //! Without the `linked` feature, linked businesses never connect; Settings says so.
    use super::{Shared, View};

    #[derive(Clone)]
    pub struct Linked {
        pub shared: Shared,
    }

    impl Linked {
        pub fn new(shared: Shared) -> Self {
            Self { shared }
        }

        pub fn start(&self, _business_id: i64, _link_now: bool) {}

        pub fn view(&self, _business_id: i64) -> View {
            View::default()
        }

        pub async fn pair_phone(
            &self,
            _business_id: i64,
            _phone: String,
        ) -> Result<String, String> {
            Err("this build of Novi cannot link a phone".into())
        }

        pub async fn unlink(&self, _business_id: i64) {}

        pub async fn groups(&self, _business_id: i64) -> Result<Vec<super::PhoneGroup>, String> {
            Err("this build of Novi cannot link a phone".into())
        }

        pub async fn reconcile(&self) -> crate::error::AppResult<()> {
            Ok(())
        }
    }
}

#[cfg(not(feature = "linked"))]
pub use imp_off::Linked;

#[cfg(feature = "linked")]
mod imp {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};

    use tokio::sync::{mpsc, oneshot, watch};

    use super::seam::{Connector, LinkedClient};
    use super::state::Link;
    use super::task::{session_path, Command, Task};
    use super::{PhoneGroup, Shared, View};
    use crate::whatsapp::settings::{self, Provider};

    struct Running {
        commands: mpsc::UnboundedSender<Command>,
        client: Arc<dyn LinkedClient>,
        view: watch::Receiver<View>,
        task: tokio::task::JoinHandle<()>,
        /// Which start this was, counting every start (see [`to_stop`]).
        started: u64,
    }

    /// Every linked business's connection task.
    #[derive(Clone)]
    pub struct Linked {
        pub shared: Shared,
        connector: Arc<dyn Connector>,
        running: Arc<Mutex<HashMap<i64, Running>>>,
        /// Tasks started so far.
        starts: Arc<AtomicU64>,
    }

    impl Linked {
        /// Linked businesses connect to WhatsApp itself.
        pub fn new(shared: Shared) -> Self {
            Self::with_connector(shared, Arc::new(super::real::RealConnector))
        }

        /// Linked businesses connect through `connector` (tests pass the fake).
        pub fn with_connector(shared: Shared, connector: Arc<dyn Connector>) -> Self {
            Self {
                shared,
                connector,
                running: Arc::default(),
                starts: Arc::default(),
            }
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Running>> {
            self.running.lock().unwrap_or_else(|p| p.into_inner())
        }

        /// Starts the business's task if it is not running; with `link_now`, tells it to
        /// start linking (or to try again now).
        pub fn start(&self, business_id: i64, link_now: bool) {
            let mut running = self.lock();
            if let Some(r) = running.get(&business_id).filter(|r| !r.task.is_finished()) {
                if link_now {
                    let _ = r.commands.send(Command::Link);
                }
                return;
            }
            let session = session_path(&self.shared.data_dir, business_id);
            if let Some(dir) = session.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let client = self.connector.client(business_id, session.clone());
            let (commands, rx) = mpsc::unbounded_channel();
            let (view_tx, view) = watch::channel(View::default());
            let task = Task {
                business_id,
                client: client.clone(),
                session,
                shared: self.shared.clone(),
                commands: rx,
                view: view_tx,
                link: Link::not_linked(),
                paired: false,
            };
            let task = tokio::spawn(task.run(link_now));
            let started = self.starts.fetch_add(1, Ordering::SeqCst);
            running.insert(
                business_id,
                Running {
                    commands,
                    client,
                    view,
                    task,
                    started,
                },
            );
        }

        /// The business's client, while its task runs (the sender sends through it).
        pub fn client(&self, business_id: i64) -> Option<Arc<dyn LinkedClient>> {
            self.lock().get(&business_id).map(|r| r.client.clone())
        }

        /// What linking shows now (QR code, pairing code).
        pub fn view(&self, business_id: i64) -> View {
            self.lock()
                .get(&business_id)
                .map(|r| r.view.borrow().clone())
                .unwrap_or_default()
        }

        /// Asks WhatsApp for a pairing code for `phone` (digits), while linking.
        pub async fn pair_phone(&self, business_id: i64, phone: String) -> Result<String, String> {
            let (reply, answer) = oneshot::channel();
            self.send(business_id, Command::PairPhone(phone, reply))?;
            answer
                .await
                .map_err(|_| "the WhatsApp connection stopped".to_owned())?
        }

        /// The groups the business's phone is in, by name; an error in words when it is not
        /// connected or WhatsApp does not answer within a few seconds (a page waits on it).
        pub async fn groups(&self, business_id: i64) -> Result<Vec<PhoneGroup>, String> {
            let client = self.client(business_id).ok_or("not linked")?;
            let wait = std::time::Duration::from_secs(5);
            let mut groups = tokio::time::timeout(wait, client.groups())
                .await
                .map_err(|_| "WhatsApp did not answer in time".to_owned())??;
            groups.sort_by_key(|g| g.name.to_lowercase());
            Ok(groups)
        }

        /// Unlinks the business: removes the device from the phone and forgets the session.
        /// Its task stays, waiting to link again.
        pub async fn unlink(&self, business_id: i64) {
            self.start(business_id, false);
            let (done, finished) = oneshot::channel();
            if self.send(business_id, Command::Unlink(done)).is_ok() {
                let _ = finished.await;
            }
        }

        fn send(&self, business_id: i64, c: Command) -> Result<(), String> {
            let running = self.lock();
            let r = running.get(&business_id).ok_or("not linking")?;
            r.commands
                .send(c)
                .map_err(|_| "the WhatsApp connection stopped".to_owned())
        }

        /// Stops one business's task, keeping its session.
        pub async fn stop(&self, business_id: i64) {
            let r = self.lock().remove(&business_id);
            if let Some(r) = r {
                let _ = r.commands.send(Command::Stop);
                let _ = r.task.await;
            }
        }

        /// Runs every linked business's task until `stop`, looking every `every` for
        /// businesses linked or unlinked elsewhere (the shell); then closes them all.
        pub async fn run(self, mut stop: watch::Receiver<bool>, every: std::time::Duration) {
            loop {
                if let Err(e) = self.reconcile().await {
                    tracing::error!(error = %e.detail(), "checking linked businesses failed");
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    _ = stop.changed() => break,
                }
                if *stop.borrow() {
                    break;
                }
            }
            let ids: Vec<i64> = self.lock().keys().copied().collect();
            for id in ids {
                self.stop(id).await;
            }
        }

        /// Starts the task of every active business on the linked provider, and stops those
        /// that moved to another provider or were deactivated: a deactivated shop's phone is
        /// disconnected (its session kept, so reactivating reconnects it without a QR code),
        /// since a connected device would still acknowledge messages for the shop.
        pub async fn reconcile(&self) -> crate::error::AppResult<()> {
            let before = self.starts.load(Ordering::SeqCst);
            let linked = self
                .shared
                .db
                .read(|c| {
                    let mut active = Vec::new();
                    for id in settings::with_provider(c, Provider::Linked)? {
                        if crate::accounts::businesses::is_active(c, id)? {
                            active.push(id);
                        }
                    }
                    Ok(active)
                })
                .await?;
            let gone = to_stop(
                self.lock().iter().map(|(id, r)| (*id, r.started)),
                &linked,
                before,
            );
            for id in gone {
                self.stop(id).await;
            }
            for id in linked {
                self.start(id, false);
            }
            Ok(())
        }
    }

    /// Of the running tasks (business, which start), those whose business `linked` no longer
    /// holds. A task started since `before` (the count of starts when `linked` was read) stays:
    /// its business may have moved to the linked provider after the read, as when an owner
    /// saves the provider and clicks Link while a check is under way. The next check decides.
    fn to_stop(running: impl Iterator<Item = (i64, u64)>, linked: &[i64], before: u64) -> Vec<i64> {
        running
            .filter(|(id, started)| *started < before && !linked.contains(id))
            .map(|(id, _)| id)
            .collect()
    }

    #[cfg(test)]
    mod tests {
        /// Business 1 left the linked provider and 2 is still on it; 3 was started (to link)
        /// while the check read, so the list it read does not know it yet.
        #[test]
        fn a_check_stops_only_tasks_it_knew_of() {
            let running = [(1, 0), (2, 1), (3, 2)];
            assert_eq!(super::to_stop(running.into_iter(), &[2], 2), [1]);
            // Read after the third start: 3 is gone from the provider, and stops too.
            assert_eq!(super::to_stop(running.into_iter(), &[2], 3), [1, 3]);
        }
    }
}
