//! A network link tests can cut: a TCP forwarder on loopback in front of a fake provider. Cut,
//! it closes every connection through it and drops new ones as they arrive, which is how a dead
//! uplink or a provider outage looks to Novi; restored, it forwards again. It counts the
//! connections it dropped, so a test can tell how often Novi tried to get through.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Link {
    addr: SocketAddr,
    up: watch::Sender<bool>,
    dropped: watch::Sender<usize>,
    task: JoinHandle<()>,
}

impl Link {
    /// Forwards to the server at `base_url` (`http://127.0.0.1:PORT`); starts up.
    pub async fn start(base_url: &str) -> Self {
        let target: SocketAddr = base_url
            .trim_start_matches("http://")
            .parse()
            .expect("a loopback base URL");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind link");
        let addr = listener.local_addr().expect("link addr");
        let up = watch::Sender::new(true);
        let dropped = watch::Sender::new(0);
        let task = tokio::spawn(forward(listener, target, up.clone(), dropped.clone()));
        Self {
            addr,
            up,
            dropped,
            task,
        }
    }

    /// `http://127.0.0.1:PORT` of the link, to put in settings in place of the provider's.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes every connection through the link and drops new ones.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    pub fn restore(&self) {
        self.up.send_replace(true);
    }

    /// Connections dropped because the link was cut.
    pub fn dropped(&self) -> usize {
        *self.dropped.borrow()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    listener: TcpListener,
    target: SocketAddr,
    up: watch::Sender<bool>,
    dropped: watch::Sender<usize>,
) {
    while let Ok((mut inbound, _)) = listener.accept().await {
        if !*up.borrow() {
            dropped.send_modify(|n| *n += 1);
            continue;
        }
        let mut cut = up.subscribe();
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect(target).await else {
                return;
            };
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                // Dropping both ends here is the cable pulled out mid-request.
                _ = cut.wait_for(|up| !*up) => {}
            }
        });
    }
}
