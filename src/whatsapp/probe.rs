//! One read-only call to a business's WhatsApp provider, to tell whether its settings work (for
//! `novi doctor`): the Cloud API's phone number, or the gateway's session. Nothing is sent.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::address;
use super::settings::{Provider, WhatsappSettings};

/// What the provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// What was reached, or why not, in words.
    pub result: Result<String, String>,
    /// The provider's clock, from its `Date` header, when it answered at all.
    pub date: Option<DateTime<Utc>>,
}

impl Probe {
    fn failed(why: String) -> Self {
        Self {
            result: Err(why),
            date: None,
        }
    }
}

/// Calls the provider `c` names, waiting at most `timeout`; `None` for the simulator and a
/// linked phone, which have no provider to call.
pub async fn probe(c: &WhatsappSettings, timeout: Duration) -> Option<Probe> {
    match c.provider {
        Provider::Cloud => Some(cloud(c, timeout).await),
        Provider::Gateway => Some(gateway(c, timeout).await),
        Provider::Simulator | Provider::Linked => None,
    }
}

/// `GET <graph base>/<phone number id>` with the access token: the number's own record.
async fn cloud(c: &WhatsappSettings, timeout: Duration) -> Probe {
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .unwrap_or_default();
    let id = c.phone_number_id.as_deref().unwrap_or_default();
    let url = format!("{}/{id}", c.graph_base.trim_end_matches('/'));
    let sent = http
        .get(url)
        .query(&[("fields", "display_phone_number,verified_name")])
        .bearer_auth(&c.access_token)
        .send()
        .await;
    let res = match sent {
        Ok(r) => r,
        Err(e) => return Probe::failed(unreachable(&c.graph_base, &e)),
    };
    let date = date(&res);
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let result = if (200..300).contains(&status) {
        let number = body["display_phone_number"].as_str().unwrap_or(id);
        let name = body["verified_name"].as_str().unwrap_or("no verified name");
        Ok(format!("Cloud API: phone number {number} ({name})"))
    } else {
        let said = body["error"]["message"].as_str().unwrap_or("no message");
        Err(match (status, body["error"]["code"].as_i64()) {
            (401, _) | (_, Some(190)) => format!("access token rejected ({status}: {said})"),
            (_, Some(100)) => format!("phone number id {id} not usable ({status}: {said})"),
            _ => format!("Graph API answered {status}: {said}"),
        })
    };
    Probe { result, date }
}

/// `GET <gateway>/api/sessions/<session>` with the API key (WAHA's session record); `WORKING`
/// means its phone is connected.
async fn gateway(c: &WhatsappSettings, timeout: Duration) -> Probe {
    let http = if c.gateway_url_by_admin {
        reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default()
    } else {
        // An owner's URL reaches public addresses only, as sending does.
        if let Err(why) = address::check_public(&c.gateway_url).await {
            return Probe::failed(format!("the gateway URL {why}"));
        }
        address::public_client(timeout, timeout)
    };
    let url = format!(
        "{}/api/sessions/{}",
        c.gateway_url.trim_end_matches('/'),
        c.session
    );
    let res = match http.get(url).header("X-Api-Key", &c.api_key).send().await {
        Ok(r) => r,
        Err(e) => return Probe::failed(unreachable(&c.gateway_url, &e)),
    };
    let date = date(&res);
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let session = &c.session;
    let result = match (status, body["status"].as_str()) {
        (200..=299, Some("WORKING")) => Ok(format!("gateway: session {session} is WORKING")),
        (200..=299, Some(other)) => {
            Err(format!("gateway session {session} is {other}, not WORKING"))
        }
        (200..=299, None) => Err("the gateway's answer has no session status".to_owned()),
        (401 | 403, _) => Err(format!("gateway API key rejected ({status})")),
        (404, _) => Err(format!("the gateway has no session named {session} (404)")),
        _ => Err(format!("the gateway answered {status}")),
    };
    Probe { result, date }
}

fn unreachable(base: &str, e: &reqwest::Error) -> String {
    let host = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| base.to_owned());
    let why = if e.is_timeout() {
        "no answer in time".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        e.to_string()
    };
    format!("could not reach {host}: {why}")
}

/// The answer's `Date` header (RFC 2822 / IMF-fixdate).
fn date(res: &reqwest::Response) -> Option<DateTime<Utc>> {
    let text = res.headers().get(reqwest::header::DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(text).ok().map(|d| d.to_utc())
}
