//! The HTTPS listener: accepts TCP, answers ACME's TLS-ALPN-01 challenges itself, and hands the
//! app every other connection once its TLS handshake is done. Handshakes run in tasks of their
//! own, so one slow or silent client never holds up the next.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_acme::{is_tls_alpn_challenge, AcmeState};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::LazyConfigAcceptor;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE: Duration = Duration::from_secs(10);

type Accepted = (TlsStream<TcpStream>, SocketAddr);

pub struct TlsListener {
    ready: mpsc::Receiver<Accepted>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp`, with certificates from `acme`.
    pub fn start(tcp: TcpListener, acme: &AcmeState<std::io::Error>) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let configs = Configs {
            challenge: acme.challenge_rustls_config(),
            serve: serve_config(acme),
        };
        tokio::spawn(accept_loop(tcp, tx, Arc::new(configs)));
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop only ends once this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

struct Configs {
    challenge: Arc<ServerConfig>,
    serve: Arc<ServerConfig>,
}

/// TLS for people and webhooks: the certificate ACME got, HTTP/1.1.
fn serve_config(acme: &AcmeState<std::io::Error>) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_no_client_auth()
        .with_cert_resolver(acme.resolver());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

async fn accept_loop(tcp: TcpListener, tx: mpsc::Sender<Accepted>, configs: Arc<Configs>) {
    loop {
        let (stream, peer) = tokio::select! {
            () = tx.closed() => return,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: give the system a moment.
                    tracing::warn!(error = %e, "cannot accept an HTTPS connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (tx, configs) = (tx.clone(), configs.clone());
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(HANDSHAKE, handshake(stream, &configs));
            if let Ok(Some(tls)) = handshake.await {
                let _ = tx.send((tls, peer)).await;
            }
        });
    }
}

/// The TLS handshake: a challenge from the ACME server is answered and closed here; anything
/// else is returned ready for HTTP. `None` when the client gave up or spoke no TLS.
async fn handshake(stream: TcpStream, configs: &Configs) -> Option<TlsStream<TcpStream>> {
    let acceptor = rustls::server::Acceptor::default();
    let start = LazyConfigAcceptor::new(acceptor, stream).await.ok()?;
    if is_tls_alpn_challenge(&start.client_hello()) {
        tracing::info!("answering the ACME server's TLS-ALPN-01 challenge");
        let mut tls = start.into_stream(configs.challenge.clone()).await.ok()?;
        let _ = tls.shutdown().await;
        return None;
    }
    start.into_stream(configs.serve.clone()).await.ok()
}
