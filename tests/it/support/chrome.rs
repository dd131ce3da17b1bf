//! Headless Chromium under chromedriver, for the browser test: finds both programs (failing,
//! not skipping, when one is missing), starts chromedriver on a free port with a fresh profile,
//! reads the browser's console log, and shuts everything down after the test, passed or not.

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use base64::Engine;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long anything may take before the test gives up: generous, since a slow machine is not a bug.
pub const PATIENCE: Duration = Duration::from_secs(90);

const INSTALL_HINT: &str = "install Debian's packages with \
    `apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this)";

/// Flags that keep headless Chromium quiet on a machine without a network or a display.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
];

pub struct Chrome {
    pub client: Client,
    driver: Driver,
    _profile: tempfile::TempDir,
}

impl Chrome {
    pub async fn start() -> Self {
        let chromium = find_program(&["chromium", "chromium-browser"], "Chromium");
        let chromedriver = find_program(&["chromedriver"], "chromedriver");
        let driver = Driver::start(&chromedriver).await;
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            // Console messages, CSP violations among them, for `console_errors`.
            "goog:loggingPrefs": { "browser": "ALL" },
            // A confirm() dialog waits for the test to accept or dismiss it.
            "unhandledPromptBehavior": "ignore",
            "timeouts": { "pageLoad": PATIENCE.as_millis() as u64, "script": PATIENCE.as_millis() as u64 },
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start Chromium ({}): {e}",
                    chromium.display()
                )
            });
        Self {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Runs `journey` with this browser, then closes the browser and chromedriver whether the
    /// journey passed or panicked, and passes its panic on.
    pub async fn run<F, Fut>(journey: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let chrome = Chrome::start().await;
        let outcome = tokio::spawn(journey(chrome.client.clone())).await;
        chrome.stop().await;
        if let Err(e) = outcome {
            match e.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("the browser journey did not finish: {e}"),
            }
        }
    }

    async fn stop(mut self) {
        // Ending the session quits Chromium; chromedriver goes after it.
        let _ = self.client.close().await;
        self.driver.stop();
    }
}

/// The browser's console messages at level SEVERE since the last call: script errors,
/// failed loads and Content-Security-Policy violations.
pub async fn console_errors(client: &Client) -> Vec<String> {
    let log = client
        .issue_cmd(Chromedriver::post("se/log", json!({"type": "browser"})))
        .await
        .expect("read the browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A PNG of the whole page, below the fold too (WebDriver's own screenshot stops at the window).
pub async fn full_page_screenshot(client: &Client) -> Vec<u8> {
    let params = json!({"format": "png", "captureBeyondViewport": true});
    let shot = client
        .issue_cmd(Chromedriver::cdp("Page.captureScreenshot", params))
        .await
        .expect("screenshot");
    let data = shot["data"].as_str().expect("screenshot data");
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("screenshot is base64")
}

/// Lays pages out as in a window `width`×`height` CSS pixels big, as a phone or a laptop shows
/// them (a desktop viewport: a page too wide for it scrolls rather than zooming out to fit).
pub async fn set_viewport(client: &Client, width: u32, height: u32) {
    let params = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false});
    client
        .issue_cmd(Chromedriver::cdp(
            "Emulation.setDeviceMetricsOverride",
            params,
        ))
        .await
        .expect("set the viewport");
}

/// Makes every request to a URL matching one of `patterns` (`*` any characters) fail, as if
/// that host could not be reached: the same answer whether or not this machine is online.
pub async fn block_urls(client: &Client, patterns: &[&str]) {
    let enable = Chromedriver::cdp("Network.enable", json!({}));
    client
        .issue_cmd(enable)
        .await
        .expect("enable the network domain");
    let block = Chromedriver::cdp("Network.setBlockedURLs", json!({ "urls": patterns }));
    client.issue_cmd(block).await.expect("block URLs");
}

/// chromedriver's own endpoints, which are not in the W3C standard and so not in fantoccini.
#[derive(Debug)]
struct Chromedriver {
    path: &'static str,
    body: Value,
}

impl Chromedriver {
    fn post(path: &'static str, body: Value) -> Self {
        Self { path, body }
    }

    /// A Chrome DevTools Protocol command, passed through chromedriver.
    fn cdp(cmd: &str, params: Value) -> Self {
        Self::post("goog/cdp/execute", json!({"cmd": cmd, "params": params}))
    }
}

impl WebDriverCompatibleCommand for Chromedriver {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/{}",
            session.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// The chromedriver process, killed when dropped so a failed start leaves nothing behind.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start(program: &Path) -> Self {
        let port = free_port();
        let mut child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
        // chromedriver says when it listens; the reader then keeps draining its output.
        let stdout = child.stdout.take().expect("chromedriver's output");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("started successfully") {
                    let _ = ready_tx.send(());
                }
            }
        });
        let driver = Self { child, port };
        let ready = tokio::task::spawn_blocking(move || ready_rx.recv_timeout(PATIENCE))
            .await
            .expect("wait for chromedriver");
        if ready.is_err() {
            panic!("chromedriver did not start on port {port} within {PATIENCE:?}");
        }
        driver
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The first of `names` on PATH; a missing browser fails the test, since CI installs it.
fn find_program(names: &[&str], what: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the browser test needs {what} ({} on PATH): {INSTALL_HINT}",
                names.join(" or ")
            )
        })
}
