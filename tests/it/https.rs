//! `novi serve --https localhost` against Pebble, Let's Encrypt's own ACME test server, on
//! loopback: Novi really answers Pebble's TLS-ALPN-01 challenge, gets a certificate and serves
//! it; plain HTTP redirects to HTTPS; a login's cookie is Secure; a restart serves the kept
//! certificate without asking the ACME server again. Pebble missing fails the test, since CI
//! installs it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Certificate, Client, StatusCode};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tempfile::TempDir;

use crate::support::process::{fails, fails_printing_nothing, install_with_business, ok, Server};
use crate::support::{Browser, PASSWORD};

/// Getting a certificate takes seconds; a slow, shared machine is not a bug.
const PATIENCE: Duration = Duration::from_secs(120);

const INSTALL_HINT: &str = "the HTTPS test needs Pebble, Let's Encrypt's ACME test server: \
    `apt-get update && apt-get install -y pebble` (.ci/run does this)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_a_certificate_from_acme_and_redirects_http() {
    let (https_port, http_port) = (free_port(), free_port());
    let mut pebble = Pebble::start(https_port);
    let dir = install_with_business("shop");
    let add = [
        "user",
        "add",
        "--business",
        "shop",
        "--username",
        "asha",
        "--role",
        "owner",
        "--password-stdin",
    ];
    ok(dir.path(), &add, &format!("{PASSWORD}\n"));
    let ports = (https_port, http_port);
    let (novi, novi_log) = serve_https(dir.path(), &pebble, ports, "first");
    assert_eq!(novi.base, format!("https://localhost:{https_port}"));

    let root = pebble.issuing_root().await;
    let client = https_client(&root);
    wait_for_health(&client, &novi.base, &novi_log).await;
    let served = served_chain(https_port, &root).await;
    assert_eq!(dns_names(&served[0]), ["localhost"]);

    // Plain HTTP: a permanent redirect to the same path on HTTPS, whatever Host was asked for.
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{http_port}/login?next=%2Fb%2Fshop%2F");
    let res = plain.get(url).send().await.unwrap();
    assert!(
        [
            StatusCode::MOVED_PERMANENTLY,
            StatusCode::PERMANENT_REDIRECT
        ]
        .contains(&res.status()),
        "{}",
        res.status()
    );
    let want = format!("{}/login?next=%2Fb%2Fshop%2F", novi.base);
    assert_eq!(res.headers()["location"], want.as_str());

    login_cookie_is_secure(&novi.base, &root).await;
    assert!(novi.terminate().success());
    cache_is_private(&dir.path().join("acme"));

    // Restarted with the ACME server gone: the kept certificate is served at once.
    pebble.stop();
    let (again, again_log) = serve_https(dir.path(), &pebble, ports, "again");
    wait_for_health(&client, &again.base, &again_log).await;
    assert_eq!(served_chain(https_port, &root).await[0], served[0]);
}

#[test]
fn bad_https_settings_are_refused_with_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = ["serve", "--https", "https://shop.example.com/"];
    let err = fails(dir.path(), &url, "");
    assert!(err.contains("wants a domain name"), "{err}");
    let missing = dir.path().join("no-such-ca.pem");
    let args = [
        "serve",
        "--https",
        "localhost",
        "--https-listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--acme-ca-root",
        missing.to_str().unwrap(),
    ];
    let err = fails_printing_nothing(dir.path(), &args, "");
    assert!(err.contains("error: acme_ca_root"), "{err}");
}

/// `novi serve --https localhost` on the given ports, getting its certificate from `pebble`;
/// its log goes to a file named after `run`, beside Pebble's.
fn serve_https(dir: &Path, pebble: &Pebble, ports: (u16, u16), run: &str) -> (Server, PathBuf) {
    let (https, http) = ports;
    let log = pebble.dir.path().join(format!("novi-{run}.log"));
    let file = File::create(&log).unwrap();
    let (https_listen, http_listen) = (format!("127.0.0.1:{https}"), format!("127.0.0.1:{http}"));
    let ca = pebble.ca_file.to_str().unwrap();
    let args = [
        "--https",
        "localhost",
        "--https-listen",
        &https_listen,
        "--http-listen",
        &http_listen,
        "--acme-directory",
        &pebble.directory,
        "--acme-ca-root",
        ca,
        "--acme-email",
        "owner@example.com",
    ];
    let server = Server::start_logging(dir, &args, &[("RUST_LOG", "info")], file);
    (server, log)
}

/// Polls `/health` over HTTPS until it answers, which it does once the certificate is in.
async fn wait_for_health(client: &Client, base: &str, log: &Path) {
    let deadline = Instant::now() + PATIENCE;
    let mut last = String::new();
    while Instant::now() < deadline {
        match client.get(format!("{base}/health")).send().await {
            Ok(res) if res.status() == StatusCode::OK => return,
            Ok(res) => last = format!("status {}", res.status()),
            Err(e) => last = format!("{e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = std::fs::read_to_string(log).unwrap_or_default();
    panic!("no HTTPS from Novi within {PATIENCE:?}: {last}\nNovi's log:\n{log}");
}

async fn login_cookie_is_secure(base: &str, root: &str) {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(Certificate::from_pem(root.as_bytes()).unwrap())
        .build()
        .unwrap();
    let mut browser = Browser::with_client(base.to_owned(), client.clone());
    browser.get("/login").await;
    let token = browser.csrf.clone().expect("the login form's token");
    let form = [
        ("username", "asha"),
        ("password", PASSWORD),
        ("_csrf", &token),
    ];
    let res = client
        .post(format!("{base}/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-novi_session="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

/// The account key and certificate (with its private key) are for Novi's user alone.
fn cache_is_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        2,
        "an account key and a certificate: {files:?}"
    );
    for file in files {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

/// A client that trusts only `root` (Pebble's issuing root).
fn https_client(root: &str) -> Client {
    Client::builder()
        .add_root_certificate(Certificate::from_pem(root.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .build()
        .unwrap()
}

/// The certificates Novi serves to a client asking for `localhost`, verified against `root`.
async fn served_chain(port: u16, root: &str) -> Vec<CertificateDer<'static>> {
    let mut roots = rustls::RootCertStore::empty();
    let der = rustls::pki_types::pem::PemObject::from_pem_slice(root.as_bytes()).unwrap();
    roots.add(der).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    let certs = tls.get_ref().1.peer_certificates().expect("a certificate");
    certs.iter().map(|c| c.clone().into_owned()).collect()
}

/// The DNS names a certificate is for.
fn dns_names(cert: &CertificateDer) -> Vec<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert).unwrap();
    let san = cert.subject_alternative_name().unwrap().expect("names");
    san.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            x509_parser::extensions::GeneralName::DNSName(d) => Some((*d).to_owned()),
            _ => None,
        })
        .collect()
}

/// Pebble on loopback, with a certificate for its own API made here. Its validator connects to
/// `localhost` on Novi's HTTPS port to check the TLS-ALPN-01 challenge.
struct Pebble {
    child: Option<Child>,
    dir: TempDir,
    directory: String,
    management: String,
    /// The CA that signed Pebble's own API certificate, for `--acme-ca-root`.
    ca_file: PathBuf,
    log: PathBuf,
}

impl Pebble {
    fn start(tls_port: u16) -> Self {
        let program = find_pebble();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = write_api_certificate(dir.path());
        let (api, management) = (free_port(), free_port());
        let config = json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{api}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": dir.path().join("cert.pem"),
            "privateKey": dir.path().join("key.pem"),
            "httpPort": free_port(),
            "tlsPort": tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
        }});
        let config_file = dir.path().join("pebble.json");
        std::fs::write(&config_file, config.to_string()).unwrap();
        let log = dir.path().join("pebble.log");
        let child = Command::new(program)
            .arg("-config")
            .arg(&config_file)
            // No pauses before validating, and no nonces refused at random: the test is about
            // Novi, not about retrying.
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .stdout(File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pebble");
        let pebble = Self {
            child: Some(child),
            dir,
            directory: format!("https://localhost:{api}/dir"),
            management: format!("https://localhost:{management}"),
            ca_file,
            log,
        };
        pebble.wait_until_listening(api);
        pebble
    }

    /// Stops Pebble; its address and files stay, so Novi can be pointed at it gone.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                let mut log = String::new();
                let _ = File::open(&self.log).map(|mut f| f.read_to_string(&mut log));
                panic!("pebble did not listen on {port}: {log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The root Pebble issues under (made afresh at each start), from its management API.
    async fn issuing_root(&self) -> String {
        let ca = std::fs::read(&self.ca_file).unwrap();
        let client = Client::builder()
            .add_root_certificate(Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        let res = client
            .get(format!("{}/roots/0", self.management))
            .send()
            .await
            .expect("pebble's management API");
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A CA and a certificate for `localhost` signed by it, for Pebble's own HTTPS API; returns
/// the CA's file.
fn write_api_certificate(dir: &Path) -> PathBuf {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "Novi test: Pebble's API CA");
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    ca_file
}

fn find_pebble() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("pebble"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("pebble is not on PATH: {INSTALL_HINT}"))
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}
