//! Waiting on the worker's own thread without the runtime's timer. A `tokio::time::sleep`
//! polled from a plain thread panics once its runtime shuts down ("it is being shutdown"), and
//! a runtime can go before the worker is told to stop (a test that fails drops its runtime).
//! Parking the thread with a deadline needs nothing of the runtime: `Notify` and `watch` wake
//! any waker.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` on this thread until it is ready, parked in between: its output, or `None`
/// once `limit` has passed.
pub fn wait<F: Future>(fut: F, limit: Duration) -> Option<F::Output> {
    let deadline = Instant::now() + limit;
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        // A wake between the poll and here leaves the token set: park returns at once.
        std::thread::park_timeout(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Notify;

    #[test]
    fn a_notification_from_another_thread_ends_the_wait_and_none_times_out() {
        let notify = Arc::new(Notify::new());
        assert_eq!(wait(notify.notified(), Duration::from_millis(1)), None);
        let from = notify.clone();
        let other = std::thread::spawn(move || from.notify_one());
        // Waits far longer than the other thread needs: it ends by the notification.
        assert_eq!(wait(notify.notified(), Duration::from_secs(60)), Some(()));
        other.join().unwrap();
    }

    #[test]
    fn waits_without_any_runtime() {
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        drop(tx);
        let changed = wait(rx.changed(), Duration::from_secs(60));
        assert!(
            matches!(changed, Some(Err(_))),
            "a dropped sender ends the wait"
        );
    }
}
