//! Sending: one trait, three ways out. The Cloud API and the gateway speak HTTP to their
//! provider; the simulator delivers inside Novi. Provider errors are sorted into what to do next.

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};

use super::address;
use super::outbox::Content;
use super::settings::{Provider, WhatsappSettings};

/// What a failed send calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// WhatsApp could not be reached (no network, the provider or the link down, no answer
    /// in time, a bare 5xx or 429 from whatever stands in front of it): not the message's
    /// failure. It waits, without counting an attempt, until the link works again.
    Offline,
    /// WhatsApp answered "not now" (throughput limits): try again later, counted as an attempt.
    Transient,
    /// Do not retry; the message has failed.
    Permanent,
    /// More than 24 hours since the customer wrote: only a template may go.
    OutsideWindow,
    /// The settings cannot work (the access token expired, or the gateway address is not one
    /// this business may use): stop sending for this business until they are saved again.
    NeedsSettings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub failure: Failure,
    pub code: Option<i64>,
    pub reason: String,
}

pub trait Transport {
    /// Sends `content` to `to`; returns the provider's message id.
    fn send(
        &self,
        to: &str,
        content: &Content,
    ) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// The Cloud API's documented error codes: what each calls for, and what to tell the owner.
pub fn classify(code: i64) -> (Failure, &'static str) {
    match code {
        130_429 => (Failure::Transient, "WhatsApp's throughput limit was reached"),
        131_056 => (Failure::Transient, "too many messages to this person in a short time"),
        131_047 => (Failure::OutsideWindow, "more than 24 hours since the customer last wrote; only an approved template may be sent"),
        190 => (Failure::NeedsSettings, "the WhatsApp access token has expired; replace it in Settings"),
        131_026 => (Failure::Permanent, "WhatsApp could not deliver it (the number may not be on WhatsApp or may need to update the app)"),
        131_050 => (Failure::Permanent, "the customer has stopped marketing messages from this business"),
        131_048 => (Failure::Permanent, "WhatsApp limited this number for spam"),
        131_049 => (Failure::Permanent, "WhatsApp held it back to limit marketing messages to this person"),
        100 => (Failure::Permanent, "WhatsApp rejected a parameter of the message"),
        131_008 => (Failure::Permanent, "a required parameter was missing"),
        131_009 => (Failure::Permanent, "a parameter value was not valid"),
        132_000 => (Failure::Permanent, "the template's parameters do not match the template"),
        132_001 => (Failure::Permanent, "the template does not exist in this language or is not approved"),
        _ => (Failure::Permanent, "WhatsApp refused the message"),
    }
}

fn network(e: &reqwest::Error) -> SendError {
    SendError {
        failure: Failure::Offline,
        code: None,
        reason: format!("could not reach WhatsApp: {e}"),
    }
}

pub struct CloudApi {
    pub http: reqwest::Client,
    pub graph_base: String,
    pub phone_number_id: String,
    pub access_token: String,
}

/// The Graph API request body for `content`.
pub fn cloud_body(to: &str, content: &Content) -> Value {
    let head = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to});
    let mut body = head;
    match content {
        Content::Text { text } => {
            body["type"] = json!("text");
            body["text"] = json!({"body": truncate(text, 4096)});
        }
        Content::Buttons { text, buttons } => {
            let buttons: Vec<Value> = buttons.iter().take(3).map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": truncate(&b.title, 20)}})).collect();
            body["type"] = json!("interactive");
            body["interactive"] = json!({"type": "button", "body": {"text": truncate(text, 1024)}, "action": {"buttons": buttons}});
        }
        Content::List { text, button, rows } => {
            let rows: Vec<Value> = rows
                .iter()
                .take(10)
                .map(|r| json!({"id": r.id, "title": truncate(&r.title, 24), "description": truncate(&r.description, 72)}))
                .collect();
            body["type"] = json!("interactive");
            body["interactive"] = json!({
                "type": "list",
                "body": {"text": truncate(text, 1024)},
                "action": {"button": truncate(button, 20), "sections": [{"title": "Categories", "rows": rows}]},
            });
        }
        Content::Template {
            name,
            language,
            params,
        } => {
            let parameters: Vec<Value> = params
                .iter()
                .map(|p| json!({"type": "text", "text": p}))
                .collect();
            let components = if parameters.is_empty() {
                json!([])
            } else {
                json!([{"type": "body", "parameters": parameters}])
            };
            body["type"] = json!("template");
            body["template"] =
                json!({"name": name, "language": {"code": language}, "components": components});
        }
    }
    body
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl Transport for CloudApi {
    async fn send(&self, to: &str, content: &Content) -> Result<String, SendError> {
        let url = format!(
            "{}/{}/messages",
            self.graph_base.trim_end_matches('/'),
            self.phone_number_id
        );
        let res = self
            .http
            .post(url)
            .bearer_auth(&self.access_token)
            .json(&cloud_body(to, content))
            .send()
            .await
            .map_err(|e| network(&e))?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            // Accepted is accepted: sending again for want of an id would send it twice.
            let id = body["messages"][0]["id"].as_str().map(str::to_owned);
            return Ok(id.unwrap_or_else(|| format!("noid.{}", &crate::secret::new_token()[..24])));
        }
        let code = body["error"]["code"].as_i64();
        let (failure, reason) = match code {
            // WhatsApp's servers in trouble, whatever code they give: the way out is down.
            _ if status.is_server_error() => (Failure::Offline, "WhatsApp is unavailable"),
            Some(c) => classify(c),
            // No Graph error body: a proxy or load balancer answered, not WhatsApp.
            None if status.as_u16() == 429 => (Failure::Offline, "WhatsApp is unavailable"),
            None => (Failure::Permanent, "WhatsApp refused the message"),
        };
        Err(SendError {
            failure,
            code,
            reason: format!("{reason} (HTTP {})", status.as_u16()),
        })
    }
}

pub struct Gateway {
    pub http: reqwest::Client,
    pub url: String,
    pub api_key: String,
    pub session: String,
    /// The URL was saved by an owner: it may reach public addresses only, checked before each
    /// request (and `http` is then a client whose resolver refuses private answers).
    pub public_only: bool,
}

/// A gateway chat id: groups keep theirs, numbers become `<digits>@c.us`.
fn chat_id(to: &str) -> String {
    if to.contains('@') {
        to.to_owned()
    } else {
        format!("{to}@c.us")
    }
}

impl Transport for Gateway {
    async fn send(&self, to: &str, content: &Content) -> Result<String, SendError> {
        let text = match content {
            Content::Buttons { text, buttons } => {
                let options: Vec<String> = buttons.iter().map(|b| b.title.clone()).collect();
                format!("{text}\n\nReply: {}", options.join(" / "))
            }
            other => other.readable(),
        };
        if self.public_only {
            address::check_public(&self.url)
                .await
                .map_err(|why| SendError {
                    // A lookup that fails is the network, not the settings.
                    failure: if address::is_lookup_failure(&why) {
                        Failure::Offline
                    } else {
                        Failure::NeedsSettings
                    },
                    code: None,
                    reason: format!("the gateway URL {why}"),
                })?;
        }
        let url = format!("{}/api/sendText", self.url.trim_end_matches('/'));
        let body = json!({"session": self.session, "chatId": chat_id(to), "text": text});
        let res = self
            .http
            .post(url)
            .header("X-Api-Key", &self.api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "gateway unreachable");
                SendError {
                    failure: Failure::Offline,
                    code: None,
                    reason: "could not reach the gateway".to_owned(),
                }
            })?;
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            let id = answer["id"]
                .as_str()
                .or_else(|| answer["key"]["id"].as_str())
                .or_else(|| answer["id"]["_serialized"].as_str());
            return Ok(id.map_or_else(
                || format!("gw.{}", crate::secret::new_token()),
                str::to_owned,
            ));
        }
        // The status goes to the log, not to the owner: answers that differ by status would
        // tell whoever chose the URL what is listening there.
        tracing::warn!(status = status.as_u16(), "gateway refused a message");
        // A gateway whose phone is not connected answers 5xx: the link is down.
        let (failure, reason) = if status.is_server_error() || status.as_u16() == 429 {
            (Failure::Offline, "the gateway is unavailable")
        } else {
            (
                Failure::Permanent,
                "the gateway refused the message (check its URL, API key and session)",
            )
        };
        Err(SendError {
            failure,
            code: None,
            reason: reason.to_owned(),
        })
    }
}

/// Delivers inside Novi: the simulator page shows the message as soon as it is "sent".
pub struct Simulator;

impl Transport for Simulator {
    async fn send(&self, _to: &str, _content: &Content) -> Result<String, SendError> {
        Ok(format!("sim.{}", &crate::secret::new_token()[..24]))
    }
}

/// Sends through the business's linked phone. Buttons and lists cannot be relied on over a
/// linked device, so choices go out as numbered text. Each send waits a short random moment
/// first: an unofficial client sending in even bursts is what gets numbers banned.
pub struct LinkedPhone {
    #[cfg(feature = "linked")]
    pub client: Option<std::sync::Arc<dyn super::linked::seam::LinkedClient>>,
}

/// Text for a linked phone: choices numbered, so "1" or the word answers.
pub fn numbered(content: &Content) -> String {
    match content {
        Content::Buttons { text, buttons } => {
            let choices: Vec<String> = buttons
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{} – {}", i + 1, b.title))
                .collect();
            format!(
                "{text}\n\nReply with the number or the word:\n{}",
                choices.join("\n")
            )
        }
        Content::List { text, rows, .. } => {
            let choices: Vec<String> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} – {} ({})", i + 1, r.title, r.description))
                .collect();
            format!("{text}\n\n{}", choices.join("\n"))
        }
        other => other.readable(),
    }
}

impl Transport for LinkedPhone {
    #[cfg(feature = "linked")]
    async fn send(&self, to: &str, content: &Content) -> Result<String, SendError> {
        use super::linked::seam::SendFailure;
        let Some(client) = &self.client else {
            return Err(SendError {
                failure: Failure::Offline,
                code: None,
                reason: "this shop's WhatsApp is not linked".into(),
            });
        };
        let pause = {
            use rand::Rng;
            Duration::from_millis(rand::thread_rng().gen_range(100..600))
        };
        tokio::time::sleep(pause).await;
        client
            .send_text(to, &numbered(content))
            .await
            .map_err(|f| match f {
                SendFailure::NotConnected(why) => SendError {
                    failure: Failure::Offline,
                    code: None,
                    reason: format!("WhatsApp is not connected ({why})"),
                },
                SendFailure::Refused(why) => SendError {
                    failure: Failure::Permanent,
                    code: None,
                    reason: format!("WhatsApp refused the message ({why})"),
                },
            })
    }

    #[cfg(not(feature = "linked"))]
    async fn send(&self, _to: &str, _content: &Content) -> Result<String, SendError> {
        Err(SendError {
            failure: Failure::NeedsSettings,
            code: None,
            reason: "this build of Novi cannot link a phone; choose another provider".into(),
        })
    }
}

/// The HTTP clients sends go through: one that reaches any address (the Cloud API, gateways a
/// platform admin or the shell set) and one that reaches public addresses only.
#[derive(Clone)]
pub struct HttpClients {
    pub any: reqwest::Client,
    pub public_only: reqwest::Client,
}

impl HttpClients {
    pub fn new() -> Self {
        let (timeout, connect) = (Duration::from_secs(20), Duration::from_secs(5));
        let any = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(connect)
            .build()
            .unwrap_or_default();
        Self {
            any,
            public_only: address::public_client(timeout, connect),
        }
    }
}

impl Default for HttpClients {
    fn default() -> Self {
        Self::new()
    }
}

/// The transport a business's configuration names.
pub enum AnyTransport {
    Cloud(CloudApi),
    Gateway(Gateway),
    Simulator(Simulator),
    Linked(LinkedPhone),
}

impl AnyTransport {
    /// The transport for `c`; a linked business sends through its client in `linked`.
    #[cfg_attr(not(feature = "linked"), allow(unused_variables))]
    pub fn for_config(
        c: &WhatsappSettings,
        http: &HttpClients,
        linked: &super::linked::Linked,
        business_id: i64,
    ) -> Self {
        match c.provider {
            Provider::Cloud => AnyTransport::Cloud(CloudApi {
                http: http.any.clone(),
                graph_base: c.graph_base.clone(),
                phone_number_id: c.phone_number_id.clone().unwrap_or_default(),
                access_token: c.access_token.clone(),
            }),
            Provider::Gateway => AnyTransport::Gateway(Gateway {
                http: if c.gateway_url_by_admin {
                    http.any.clone()
                } else {
                    http.public_only.clone()
                },
                url: c.gateway_url.clone(),
                api_key: c.api_key.clone(),
                session: c.session.clone(),
                public_only: !c.gateway_url_by_admin,
            }),
            Provider::Simulator => AnyTransport::Simulator(Simulator),
            Provider::Linked => AnyTransport::Linked(LinkedPhone {
                #[cfg(feature = "linked")]
                client: linked.client(business_id),
            }),
        }
    }

    pub async fn send(&self, to: &str, content: &Content) -> Result<String, SendError> {
        match self {
            AnyTransport::Cloud(t) => t.send(to, content).await,
            AnyTransport::Gateway(t) => t.send(to, content).await,
            AnyTransport::Simulator(t) => t.send(to, content).await,
            AnyTransport::Linked(t) => t.send(to, content).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatsapp::outbox::Button;

    #[test]
    fn documented_codes_are_sorted() {
        for code in [130_429, 131_056] {
            assert_eq!(classify(code).0, Failure::Transient);
        }
        for code in [
            131_026, 131_050, 131_048, 131_049, 100, 131_008, 131_009, 132_000, 132_001,
        ] {
            assert_eq!(classify(code).0, Failure::Permanent, "{code}");
        }
        assert_eq!(classify(131_047).0, Failure::OutsideWindow);
        assert_eq!(classify(190).0, Failure::NeedsSettings);
    }

    #[test]
    fn cloud_bodies_follow_the_documented_shapes() {
        let t = cloud_body("9198", &Content::text("hi"));
        assert_eq!(
            t,
            json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "9198", "type": "text", "text": {"body": "hi"}})
        );
        let b = cloud_body(
            "9198",
            &Content::Buttons {
                text: "Confirm?".into(),
                buttons: (0..5)
                    .map(|i| Button {
                        id: format!("b{i}"),
                        title: "A very long button title".into(),
                    })
                    .collect(),
            },
        );
        assert_eq!(
            b["interactive"]["action"]["buttons"]
                .as_array()
                .unwrap()
                .len(),
            3,
            "at most 3"
        );
        assert_eq!(
            b["interactive"]["action"]["buttons"][0]["reply"]["title"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            20
        );
        let tpl = cloud_body(
            "9198",
            &Content::Template {
                name: "order_update".into(),
                language: "en".into(),
                params: vec!["#12".into()],
            },
        );
        assert_eq!(
            tpl["template"]["components"][0]["parameters"][0]["text"],
            "#12"
        );
        assert_eq!(
            cloud_body("9198", &Content::text("x".repeat(5000)))["text"]["body"]
                .as_str()
                .unwrap()
                .len(),
            4096
        );
    }

    #[test]
    fn a_linked_phone_gets_choices_as_numbered_text() {
        let b = |id: &str, title: &str| Button {
            id: id.into(),
            title: title.into(),
        };
        let summary = Content::Buttons {
            text: "Total: ₹340.00".into(),
            buttons: vec![
                b("confirm", "Confirm"),
                b("change", "Change"),
                b("cancel", "Cancel"),
            ],
        };
        assert_eq!(
            numbered(&summary),
            "Total: ₹340.00\n\nReply with the number or the word:\n1 – Confirm\n2 – Change\n3 – Cancel"
        );
        assert_eq!(numbered(&Content::text("hi")), "hi");
    }

    #[test]
    fn gateway_chat_ids() {
        assert_eq!(chat_id("919812345678"), "919812345678@c.us");
        assert_eq!(chat_id("1203@g.us"), "1203@g.us");
    }
}
