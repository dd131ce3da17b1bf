//! Fixtures for a business's WhatsApp connection: its settings for the Cloud API or a gateway,
//! pointed at the fakes in `fakes`, and its webhooks posted and signed as the provider would.

use novi::accounts::businesses::Business;
use novi::whatsapp::settings::{self, Provider, WhatsappSettings};
use reqwest::StatusCode;
use serde_json::Value;
use tempfile::TempDir;

use super::fakes::{self, FakeGateway, FakeGraph};
use super::process;
use super::TestApp;

/// The business's phone number id on the Cloud API, as webhooks name it.
pub const PNID: &str = "110000000000001";
/// What Meta sends back when it checks the webhook.
pub const VERIFY_TOKEN: &str = "verify-me";
/// The app secret that signs Cloud API webhooks.
pub const APP_SECRET: &str = "app-secret-for-tests";
/// The token sends to the Graph API carry.
pub const ACCESS_TOKEN: &str = "EAAG-test-token";
/// The key that signs the gateway's webhooks.
pub const GATEWAY_HMAC_KEY: &str = "hmac-key";
/// A customer writing to the business: Asha, 98123 45678.
pub const CUSTOMER: &str = "919812345678";

/// Cloud API settings sending to `graph`.
pub fn cloud_config(graph: &FakeGraph) -> WhatsappSettings {
    let mut c = WhatsappSettings::simulator();
    c.provider = Provider::Cloud;
    c.phone_number_id = Some(PNID.into());
    c.verify_token = VERIFY_TOKEN.into();
    c.app_secret = APP_SECRET.into();
    c.access_token = ACCESS_TOKEN.into();
    c.graph_base = format!("{}/v21.0", graph.base_url());
    c
}

/// Gateway settings sending to `gw`, its webhooks signed with [`GATEWAY_HMAC_KEY`], saved as
/// a platform admin or `novi whatsapp configure` would save them.
pub fn gateway_config(gw: &FakeGateway) -> WhatsappSettings {
    let mut c = WhatsappSettings::simulator();
    c.provider = Provider::Gateway;
    c.gateway_url = gw.base_url();
    // The fake listens on loopback, which only an admin or the shell may set.
    c.gateway_url_by_admin = true;
    c.api_key = "gw-key".into();
    c.hmac_key = GATEWAY_HMAC_KEY.into();
    c
}

/// A business on the Cloud API, sending through a fake Graph API from an app whose outbox
/// retries quickly.
pub struct CloudShop {
    pub app: TestApp,
    pub b: Business,
    pub graph: FakeGraph,
}

/// A [`CloudShop`]: business `Shop {code}`, no products, connected with [`cloud_config`].
pub async fn cloud_shop(code: &str) -> CloudShop {
    let graph = FakeGraph::start().await;
    let app = TestApp::start_fast_outbox().await;
    let b = app.business(code);
    app.connect_cloud(&b, &graph);
    CloudShop { app, b, graph }
}

impl TestApp {
    /// Connects the business to the Cloud API through `graph` ([`cloud_config`]).
    pub fn connect_cloud(&self, b: &Business, graph: &FakeGraph) {
        self.save_whatsapp(b, &cloud_config(graph));
    }

    /// Connects the business to a WhatsApp gateway, `gw` ([`gateway_config`]).
    pub fn connect_gateway(&self, b: &Business, gw: &FakeGateway) {
        self.save_whatsapp(b, &gateway_config(gw));
    }

    /// Saves the business's WhatsApp settings.
    pub fn save_whatsapp(&self, b: &Business, settings: &WhatsappSettings) {
        self.db
            .with_tx(|tx| settings::save(tx, b.id, settings))
            .expect("WhatsApp settings saved");
    }

    /// Posts a Cloud API webhook for the business with this `X-Hub-Signature-256`, if any.
    pub async fn post_cloud(
        &self,
        b: &Business,
        body: &Value,
        signature: Option<String>,
    ) -> StatusCode {
        let url = self.url(&format!("/webhooks/whatsapp/{}", b.short_code));
        let mut req = reqwest::Client::new().post(url).body(body.to_string());
        if let Some(sig) = signature {
            req = req.header("X-Hub-Signature-256", sig);
        }
        req.send().await.expect("post webhook").status()
    }

    /// Posts a Cloud API webhook for the business, signed with [`APP_SECRET`] as Meta would.
    pub async fn deliver(&self, b: &Business, body: &Value) -> StatusCode {
        let signature = fakes::sign_sha256(APP_SECRET, body.to_string());
        self.post_cloud(b, body, Some(signature)).await
    }

    /// Posts a gateway webhook for the business, signed with `key` if there is one.
    pub async fn post_gateway(&self, b: &Business, body: &Value, key: Option<&str>) -> StatusCode {
        let raw = body.to_string();
        let url = self.url(&format!("/webhooks/gateway/{}", b.short_code));
        let mut req = reqwest::Client::new().post(url).body(raw.clone());
        if let Some(k) = key {
            req = req
                .header("X-Webhook-Hmac", fakes::sign_sha512(k, &raw))
                .header("X-Webhook-Hmac-Algorithm", "sha512");
        }
        req.send().await.expect("post webhook").status()
    }
}

/// An install with business `shop` on the Cloud API, sending to `graph_base`, and an API token
/// for it.
pub fn cloud_install(graph_base: &str) -> (TempDir, String) {
    let dir = process::install_with_business("shop");
    let d = dir.path();
    std::fs::write(
        d.join("novi.toml"),
        "outbox_retry_base_ms = 20\nrecipient_interval_ms = 1\n",
    )
    .unwrap();
    configure_cloud(d, graph_base);
    let create = ["token", "create", "--business", "shop", "--name", "crash"];
    let token = process::ok(d, &create, "").trim().to_owned();
    (dir, token)
}

/// `novi whatsapp configure` connecting business `shop` in `dir` to the Cloud API at
/// `graph_base`, with this module's phone number id, secrets and token.
pub fn configure_cloud(dir: &std::path::Path, graph_base: &str) {
    let configure = [
        "whatsapp",
        "configure",
        "--business",
        "shop",
        "--provider",
        "cloud",
        "--phone-number-id",
        PNID,
        "--verify-token",
        VERIFY_TOKEN,
        "--app-secret",
        APP_SECRET,
        "--access-token",
        ACCESS_TOKEN,
        "--graph-base",
        graph_base,
    ];
    process::ok(dir, &configure, "");
}

/// A customer's text message to `shop`, posted to `base` signed as the Cloud API signs it.
pub async fn post_cloud_text(
    client: &reqwest::Client,
    base: &str,
    wamid: &str,
) -> Result<StatusCode, reqwest::Error> {
    let body = fakes::cloud_text(PNID, CUSTOMER, "Asha", wamid, "1 kg jalebi").to_string();
    let sig = fakes::sign_sha256(APP_SECRET, &body);
    let res = client
        .post(format!("{base}/webhooks/whatsapp/shop"))
        .header("X-Hub-Signature-256", sig)
        .body(body)
        .send()
        .await?;
    Ok(res.status())
}
