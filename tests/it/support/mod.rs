//! The test harness: a real server on a loopback port with its own data directory, and a
//! cookie-keeping client that fills in CSRF tokens the way a browser's form would.

use std::net::SocketAddr;

use novi::auth::Role;
use novi::catalog::products::{self, ProductInput, VariantInput};
use novi::catalog::stock::{self, Cause};
use novi::config::Config;
use novi::db::businesses::Business;
use novi::db::tokens;
use novi::db::users::{Membership, User};
use novi::db::Db;
use novi::domain::{Money, Sku};
use novi::{accounts, AppState};
use reqwest::{redirect, Client, Response, StatusCode};
use tokio::sync::oneshot;

pub mod chrome;
pub mod fakes;
pub mod process;

pub const PASSWORD: &str = "s3cret-pass";

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Db,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts the app with settings changed by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(dir.path()).expect("open db");
        Self::start_on(dir, db, tweak).await
    }

    pub async fn start_on(dir: tempfile::TempDir, db: Db, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel();
        let state = AppState::new(db.clone(), config);
        let server = tokio::spawn(novi::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Self {
            addr,
            db,
            state,
            dir,
            stop: Some(tx),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn browser(&self) -> Browser {
        Browser::new(self.url(""))
    }

    /// A business with one user of the given role (password `PASSWORD`).
    pub fn business(&self, code: &str) -> Business {
        accounts::create_business(&self.db, &format!("Shop {code}"), code).expect("business")
    }

    pub fn user(&self, business: &Business, username: &str, role: Role) -> User {
        let m = Membership::Staff {
            business_id: business.id,
            role,
        };
        accounts::create_user(&self.db, username, PASSWORD, m).expect("user")
    }

    pub fn platform_admin(&self, username: &str) -> User {
        accounts::create_user(&self.db, username, PASSWORD, Membership::PlatformAdmin)
            .expect("admin")
    }

    /// A product with variants `(label, amount)` and `stock` grams or pieces.
    pub fn product(
        &self,
        b: &Business,
        sku: &str,
        unit: &str,
        price_rupees: i64,
        stock: i64,
        variants: &[(&str, u32)],
    ) {
        let input = ProductInput {
            sku: Sku::parse(sku).expect("sku"),
            name: title_case(sku),
            category: "Sweets".into(),
            unit: unit.parse().expect("unit"),
            price: Money::from_minor(price_rupees * 100),
            aliases: Vec::new(),
            active: true,
            low_stock: 0,
            variants: variants
                .iter()
                .map(|(label, amount)| VariantInput {
                    label: (*label).into(),
                    amount: *amount,
                    price: None,
                })
                .collect(),
        };
        self.db
            .with_tx(|tx| {
                let id = products::insert(tx, b.id, &input)?;
                let cause = Cause {
                    reason: "opening stock",
                    order_id: None,
                    actor: "test",
                };
                stock::adjust(tx, b.id, id, stock, &cause)
            })
            .expect("product");
    }

    pub fn stock(&self, b: &Business, sku: &str) -> i64 {
        self.db
            .with_conn(|c| products::by_sku(c, b.id, sku))
            .expect("read")
            .expect("product exists")
            .stock
    }

    pub fn token(&self, b: &Business) -> String {
        self.db
            .with_tx(|tx| {
                let name = format!("test-{}", &novi::auth::secret::new_token()[..8]);
                tokens::create(tx, b.id, &name)
            })
            .expect("token")
    }

    /// Waits until `check` finds what it looks for, re-checking whenever the app reports a
    /// change to a conversation (a message stored, sent, failed...). Fails after 20 s.
    pub async fn wait_until<T>(&self, what: &str, mut check: impl FnMut(&Db) -> Option<T>) -> T {
        let mut changes = self.state.bridge.live.subscribe();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(found) = check(&self.db) {
                return found;
            }
            if tokio::time::timeout_at(deadline, changes.recv())
                .await
                .is_err()
            {
                panic!("timed out waiting for {what}");
            }
        }
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them), and
/// remembers the CSRF token of the last page it loaded.
pub struct Browser {
    pub client: Client,
    base: String,
    pub csrf: Option<String>,
}

impl Browser {
    pub fn new(base: String) -> Self {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            client,
            base,
            csrf: None,
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        self.read(res).await
    }

    async fn read(&mut self, res: Response) -> (StatusCode, String) {
        let status = res.status();
        let body = res.text().await.expect("body");
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        (status, body)
    }

    /// Posts a form with the CSRF token of the last page loaded, as a browser would.
    pub async fn post(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        form.push(("_csrf", &token));
        self.post_raw(path, &form).await
    }

    /// Posts exactly `form`, with no token added.
    pub async fn post_raw(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("post");
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, body) = self.read(res).await;
        (status, body, location)
    }

    /// Logs in; returns the status and where the login sent us.
    pub async fn login(&mut self, username: &str, password: &str) -> (StatusCode, Option<String>) {
        self.get("/login").await;
        let (status, _, location) = self
            .post("/login", &[("username", username), ("password", password)])
            .await;
        (status, location)
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// `kaju-katli` -> `Kaju Katli`.
pub fn title_case(sku: &str) -> String {
    sku.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A JSON API client for one business's token.
pub struct Api {
    pub client: Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(app: &TestApp, token: String) -> Self {
        Self {
            client: Client::new(),
            base: app.url(""),
            token,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, serde_json::Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get");
        (res.status(), res.json().await.expect("json"))
    }

    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("post");
        (res.status(), res.json().await.expect("json"))
    }
}
