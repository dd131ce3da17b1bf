//! Sends a backup's files to the disk as they grow, rather than leaving gigabytes of them for
//! the kernel to write when it chooses. Each commit Novi acknowledges waits for its own sync,
//! and on a journalling file system that sync can wait on other files' pending writes too: a
//! backup of a 5.7 GB book written without this held webhooks' acknowledgements up to 1.3 s.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the growing files are synced: at most this much of their writing waits in the
/// page cache for a commit's sync to sit behind.
const EVERY: Duration = Duration::from_millis(100);

/// Syncs its files every [`EVERY`] until dropped; a file that does not exist yet is looked for
/// again next time.
pub struct Pace {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Pace {
    pub fn start(paths: Vec<PathBuf>) -> Self {
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("novi-backup-pace".into())
            .spawn(move || {
                let mut files: Vec<Option<File>> = paths.iter().map(|_| None).collect();
                // Runs until the sender is dropped.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    for (path, file) in paths.iter().zip(files.iter_mut()) {
                        if file.is_none() {
                            *file = File::open(path).ok();
                        }
                        // A sync that fails here is not the backup's failure: the final
                        // sync of the finished file reports what matters.
                        if let Some(f) = file {
                            let _ = f.sync_data();
                        }
                    }
                }
            })
            .ok();
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Pace {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
