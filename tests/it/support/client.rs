//! Clients for the running test server: a cookie-keeping browser that fills in CSRF tokens the
//! way a page's form would, and a JSON API client holding one business's token.

use reqwest::{redirect, Client, Response, StatusCode};

use super::TestApp;

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
        Self::with_client(base, client)
    }

    /// A browser on `client` (one that trusts a test CA, say), which should keep cookies and
    /// not follow redirects as [`Browser::new`]'s does.
    pub fn with_client(base: String, client: Client) -> Self {
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

    /// Logs in; returns the status and where the login sent us. Like a browser, it then opens
    /// that page, so the next form posted carries the new session's CSRF token.
    pub async fn login(&mut self, username: &str, password: &str) -> (StatusCode, Option<String>) {
        self.get("/login").await;
        let (status, _, location) = self
            .post("/login", &[("username", username), ("password", password)])
            .await;
        if let Some(to) = &location {
            self.visit(to).await;
        }
        (status, location)
    }

    /// Opens `path`, following redirects (a few at most) to the page they lead to.
    pub async fn visit(&mut self, path: &str) -> (StatusCode, String) {
        let mut path = path.to_owned();
        for _ in 0..5 {
            let res = self.client.get(format!("{}{path}", self.base)).send().await;
            let res = res.expect("get");
            let next = res.headers().get("location").and_then(|v| v.to_str().ok());
            match (res.status().is_redirection(), next) {
                (true, Some(to)) => path = to.to_owned(),
                _ => return self.read(res).await,
            }
        }
        panic!("too many redirects from {path}");
    }
}

fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
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
