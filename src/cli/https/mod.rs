//! `novi serve --https DOMAIN`: HTTPS served by Novi itself, with a certificate got and renewed
//! from Let's Encrypt (or another ACME server) by TLS-ALPN-01 on the HTTPS port, and plain HTTP
//! answered with a redirect.

mod cache;
mod listener;
mod redirect;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use futures_util::StreamExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use rustls_acme::{AcmeConfig, AcmeState};

use axum::serve::{ListenerExt, TapIo};

use crate::config::Https;
use crate::AppState;
use listener::TlsListener;

/// The HTTPS listener as the server takes it. Wrapped in a `TapIo` that does nothing because
/// axum hands the client's address to handlers (the login rate limit counts by it) only for a
/// plain `TcpListener` or a tapped one.
pub type Listener = TapIo<TlsListener, fn(&mut <TlsListener as axum::serve::Listener>::Io)>;

/// Where account keys and certificates are kept, inside the data directory.
pub const ACME_DIR: &str = "acme";

/// Binds both ports, starts getting (or loads) the certificate, and starts the redirect server.
/// Returns the HTTPS listener to serve the app on; connections wait for their handshake there.
pub async fn start(https: &Https, data_dir: &Path, state: &AppState) -> anyhow::Result<Listener> {
    let tcp = bind(https.https_listen).await?;
    let http = bind(https.http_listen).await?;
    let acme = acme_state(https, data_dir)?;
    let listener = TlsListener::start(tcp, &acme)?;
    tokio::spawn(drive(acme, https.domain.clone()));
    let stopping = state.stopping.subscribe();
    tokio::spawn(redirect::serve(http, https.url(), stopping));
    Ok(listener.tap_io(|_| {}))
}

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.with_context(|| {
        let low = if addr.port() < 1024 {
            " (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)"
        } else {
            ""
        };
        format!("cannot listen on {addr}{low}")
    })
}

/// The ACME client: which domain, which server, who to tell, and the cache in `data/acme/`.
fn acme_state(https: &Https, data_dir: &Path) -> anyhow::Result<AcmeState<std::io::Error>> {
    let dir = data_dir.join(ACME_DIR);
    let cache = cache::Cache::open(&dir)?;
    let contact = https.acme_email.iter().map(|e| format!("mailto:{e}"));
    let client = Arc::new(acme_client(https.acme_ca_root.as_deref())?);
    Ok(AcmeConfig::new_with_client_config([&https.domain], client)
        .directory(&https.acme_directory)
        .contact(contact)
        .cache(cache)
        .state())
}

/// The TLS client settings for talking to the ACME server: the usual web roots, plus the PEM
/// file `extra` (a private ACME server's own CA) when given.
fn acme_client(extra: Option<&Path>) -> anyhow::Result<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra {
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect())
            .map_err(|e| anyhow::anyhow!("acme_ca_root {}: {e}", path.display()))?;
        if certs.is_empty() {
            anyhow::bail!("acme_ca_root {}: no certificate in it", path.display());
        }
        for cert in certs {
            roots
                .add(cert)
                .with_context(|| format!("acme_ca_root {}", path.display()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS settings for the ACME client")?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Polls the ACME state for as long as the server runs: this is what orders the certificate,
/// and renews it once two thirds of its life have passed. Failures are retried with backoff.
async fn drive(mut acme: AcmeState<std::io::Error>, domain: String) {
    while let Some(event) = acme.next().await {
        match event {
            Ok(ok) => tracing::info!(domain, event = ?ok, "certificate"),
            Err(e) => tracing::warn!(domain, error = %e, "certificate: will try again"),
        }
    }
}
