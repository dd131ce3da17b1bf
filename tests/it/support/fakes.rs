//! Fake WhatsApp providers on loopback, and the inbound payloads they would send, for integration
//! tests of the bridge.
//!
//! - [`FakeGraph`] speaks the Cloud API send endpoint
//!   (`POST /{version}/{phone_number_id}/messages`)
//!   and [`FakeGateway`] the WAHA-style `POST /api/sendText`; for `novi doctor` they also answer a
//!   phone number's record (`GET /{version}/{phone_number_id}`) and a session's record
//!   (`GET /api/sessions/{session}`, its phone connected: `WORKING`). Both record every request and answer
//!   from a script ([`Reply`]): queued replies first, then a default that is success unless a
//!   test changes it. They check requests the way the real provider would
//!   (auth header present, documented body shape and limits) and answer those errors without
//!   touching the script, so a malformed send fails the test loudly instead of passing quietly.
//! - Builders for inbound Cloud API webhooks ([`cloud_text`], [`cloud_message`], [`cloud_status`],
//!   [`CloudBatch`] and the message objects) and gateway events ([`gateway_message`]), plus the
//!   signers for `X-Hub-Signature-256` ([`sign_sha256`]) and `X-Webhook-Hmac` ([`sign_sha512`]).
//!
//! The shapes follow `shared/wire/README.md`. Waiting is done on a watch channel, never by polling.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Sha256, Sha512};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The WhatsApp Business Account id put in webhook entries when a test does not choose one.
pub const WABA_ID: &str = "190000000000001";
/// The business's display number put in webhook metadata.
pub const DISPLAY_PHONE: &str = "919800000001";
/// The customer a status is about in [`cloud_status`].
pub const STATUS_RECIPIENT: &str = "919812345678";

// ---------------------------------------------------------------------------------------------
// Scripted replies
// ---------------------------------------------------------------------------------------------

/// How a fake answers one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with the provider's documented success body (a fresh message id).
    Ok,
    /// 200 with the success body carrying this message id, as a provider repeating an id would.
    OkWithId(String),
    /// The provider's documented error body with this HTTP status and error code.
    Error {
        http_status: u16,
        code: i64,
        message: String,
    },
    /// A bare status with an empty body, as a proxy or load balancer in front would give.
    Status(u16),
    /// Never answers while the fake lives, so the client's timeout is what ends the call.
    Hang,
}

impl Reply {
    /// An error reply with the given HTTP status, provider code and message.
    pub fn error(http_status: u16, code: i64, message: impl Into<String>) -> Self {
        Reply::Error {
            http_status,
            code,
            message: message.into(),
        }
    }

    /// A Graph API error for a documented code, with the HTTP status and title Meta uses
    /// (401 for an expired token, 400 for the rest), so tests read `Reply::graph(131047)`.
    pub fn graph(code: i64) -> Self {
        let status = if code == 190 { 401 } else { 400 };
        Reply::error(status, code, graph_title(code))
    }
}

/// Meta's titles for the codes the bridge handles (wire README, "Codes worth handling").
fn graph_title(code: i64) -> &'static str {
    match code {
        190 => "Error validating access token: Session has expired",
        130429 => "Rate limit hit",
        131056 => "(Business Account, Consumer Account) pair rate limit hit",
        131047 => "Re-engagement message",
        131026 => "Message Undeliverable",
        131050 => "User has stopped receiving marketing messages",
        131048 => "Spam rate limit hit",
        131049 => "Meta chose not to deliver",
        132000 => "Number of parameters does not match the expected number of params",
        132001 => "Template name does not exist in the translation",
        100 => "Invalid parameter",
        131008 => "Required parameter is missing",
        131009 => "Parameter value is not valid",
        _ => "Fake Graph API error",
    }
}

// ---------------------------------------------------------------------------------------------
// What was received
// ---------------------------------------------------------------------------------------------

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The auth header as sent: `Authorization` for Graph, `X-Api-Key` for the gateway.
    pub auth: Option<String>,
    /// The body parsed as JSON (`Null` when it was not JSON).
    pub body: Value,
    /// The body as sent.
    pub raw: String,
    pub at: Instant,
    /// The reply chosen for it, as scripted.
    pub reply: Reply,
    /// The message id the fake answered on success.
    pub message_id: Option<String>,
}

impl Recorded {
    /// The recipient: `to` for Graph, `chatId` for the gateway.
    pub fn to(&self) -> Option<&str> {
        self.body["to"].as_str().or(self.body["chatId"].as_str())
    }

    /// The message `type` (Graph; `text` when omitted, as the API assumes).
    pub fn kind(&self) -> Option<&str> {
        match &self.body["type"] {
            Value::Null if self.body.get("to").is_some() => Some("text"),
            v => v.as_str(),
        }
    }

    /// The text of a text message: Graph `text.body`, or the gateway's `text`.
    pub fn text(&self) -> Option<&str> {
        if let Some(t) = self.body["text"].as_str() {
            return Some(t);
        }
        (self.kind() == Some("text"))
            .then(|| self.body["text"]["body"].as_str())
            .flatten()
    }

    /// Whether the fake accepted it (answered success).
    pub fn accepted(&self) -> bool {
        self.message_id.is_some() || self.is_mark_read() && self.reply == Reply::Ok
    }

    /// Whether this is a Graph mark-read call rather than a send.
    pub fn is_mark_read(&self) -> bool {
        self.body["status"] == "read"
    }

    /// One line for failure messages.
    fn summary(&self, since: Instant) -> String {
        let raw: String = self.raw.chars().take(160).collect();
        let ms = self.at.saturating_duration_since(since).as_millis();
        format!(
            "+{ms}ms {} {} -> {:?}: {raw}",
            self.method, self.path, self.reply
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The server shared by both fakes
// ---------------------------------------------------------------------------------------------

/// What differs between the Graph API and the gateway: paths, checks and body shapes.
pub trait Provider: Send + Sync + 'static {
    const NAME: &'static str;
    const AUTH_HEADER: &'static str;
    /// Answers what the real provider would reject before looking at anything else.
    fn check(
        method: &Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(), Reply>;
    /// The id a successful answer carries (`None` where the provider gives none).
    fn message_id(tag: u32, seq: u64, body: &Value) -> Option<String>;
    fn ok_body(id: Option<&str>, body: &Value) -> Value;
    fn error_body(http_status: u16, code: i64, message: &str) -> Value;
}

/// Marker for the Cloud API (Graph) flavour of [`Fake`].
pub struct Graph;
/// Marker for the WAHA-style gateway flavour of [`Fake`].
pub struct Gateway;

/// A fake Graph API send endpoint.
pub type FakeGraph = Fake<Graph>;
/// A fake WAHA-style gateway.
pub type FakeGateway = Fake<Gateway>;

/// A fake provider listening on `127.0.0.1`; stops when dropped.
pub struct Fake<P: Provider> {
    core: Arc<Core>,
    addr: SocketAddr,
    server: JoinHandle<()>,
    // Dropping this wakes requests held by `Reply::Hang`.
    _release: watch::Sender<()>,
    _provider: PhantomData<P>,
}

struct Core {
    state: Mutex<Script>,
    /// Counts recorded requests; waiters watch it instead of polling.
    seen: watch::Sender<usize>,
    released: watch::Receiver<()>,
    seq: AtomicU64,
    /// Makes message ids unique across fakes within one test run.
    tag: u32,
    started: Instant,
}

struct Script {
    queue: VecDeque<Reply>,
    default: Reply,
    log: Vec<Recorded>,
}

impl Script {
    fn next(&mut self) -> Reply {
        self.queue
            .pop_front()
            .unwrap_or_else(|| self.default.clone())
    }
}

/// The request fields kept for the record.
struct Incoming {
    method: Method,
    path: String,
    auth: Option<String>,
    raw: Bytes,
    body: Option<Value>,
}

/// How to answer one request, decided on arrival.
struct Plan {
    reply: Reply,
    id: Option<String>,
    body: Value,
}

impl Core {
    fn lock(&self) -> MutexGuard<'_, Script> {
        // A test that panicked elsewhere must not hide what this fake saw.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Picks the reply, records the request, and wakes waiters — all before answering.
    fn decide<P: Provider>(&self, req: Incoming, check: Result<(), Reply>) -> Plan {
        let body = req.body.unwrap_or(Value::Null);
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut script = self.lock();
        let reply = match check {
            Err(reply) => reply,
            Ok(()) => script.next(),
        };
        let id = match &reply {
            Reply::Ok => P::message_id(self.tag, seq, &body),
            Reply::OkWithId(id) => Some(id.clone()),
            _ => None,
        };
        script.log.push(Recorded {
            method: req.method.to_string(),
            path: req.path,
            auth: req.auth,
            raw: String::from_utf8_lossy(&req.raw).into_owned(),
            body: body.clone(),
            at: Instant::now(),
            reply: reply.clone(),
            message_id: id.clone(),
        });
        drop(script);
        self.seen.send_modify(|n| *n += 1);
        Plan { reply, id, body }
    }
}

/// The one handler: every method and path comes here so nothing goes unrecorded.
async fn handle<P: Provider>(
    State(core): State<Arc<Core>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let auth = headers
        .get(P::AUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = serde_json::from_slice::<Value>(&raw).ok();
    let check = P::check(&method, uri.path(), auth.as_deref(), body.as_ref());
    let incoming = Incoming {
        method,
        path: uri.path().to_owned(),
        auth,
        raw,
        body,
    };
    let plan = core.decide::<P>(incoming, check);
    respond::<P>(&core, plan).await
}

async fn respond<P: Provider>(core: &Core, plan: Plan) -> Response {
    match plan.reply {
        Reply::Ok | Reply::OkWithId(_) => {
            Json(P::ok_body(plan.id.as_deref(), &plan.body)).into_response()
        }
        Reply::Error {
            http_status,
            code,
            message,
        } => {
            let body = P::error_body(http_status, code, &message);
            (status(http_status), Json(body)).into_response()
        }
        Reply::Status(s) => status(s).into_response(),
        Reply::Hang => {
            // Err once the fake is dropped; until then this request simply never ends.
            let _ = core.released.clone().changed().await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl<P: Provider> Fake<P> {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake provider: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake provider: local addr");
        let (release, released) = watch::channel(());
        let core = Arc::new(Core {
            state: Mutex::new(Script {
                queue: VecDeque::new(),
                default: Reply::Ok,
                log: Vec::new(),
            }),
            seen: watch::Sender::new(0),
            released,
            seq: AtomicU64::new(1),
            tag: rand::random(),
            started: Instant::now(),
        });
        let app = Router::new().fallback(handle::<P>).with_state(core.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Fake {
            core,
            addr,
            server,
            _release: release,
            _provider: PhantomData,
        }
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a reply for the next request that reaches the script.
    pub fn push(&self, reply: Reply) {
        self.core.lock().queue.push_back(reply);
    }

    /// The reply for every request once the queues are empty, until changed again.
    pub fn set_default(&self, reply: Reply) {
        self.core.lock().default = reply;
    }

    /// Empties the queues and makes success the default again; the record is kept.
    pub fn reset(&self) {
        let mut script = self.core.lock();
        script.queue.clear();
        script.default = Reply::Ok;
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.core.lock().log.clone()
    }

    pub fn request_count(&self) -> usize {
        self.core.lock().log.len()
    }

    /// The texts of every text message sent to `recipient`, attempts included, in order.
    pub fn texts_to(&self, recipient: &str) -> Vec<String> {
        let script = self.core.lock();
        let to_them = script.log.iter().filter(|r| r.to() == Some(recipient));
        to_them
            .filter_map(|r| r.text().map(str::to_owned))
            .collect()
    }

    /// Waits until at least `n` requests have arrived and returns them all; panics on timeout.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let what = format!("{n} request(s)");
        self.wait_until(&what, timeout, |log| log.len() >= n).await
    }

    /// Waits until `done` holds for the requests so far and returns them; on timeout panics
    /// naming `what` and listing what did arrive.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&[Recorded]) -> bool,
    ) -> Vec<Recorded> {
        let mut seen = self.core.seen.subscribe();
        let waited = tokio::time::timeout(timeout, seen.wait_for(|_| done(&self.core.lock().log)));
        if waited.await.is_err() {
            panic!("{}", self.timeout_report(what, timeout));
        }
        self.requests()
    }

    fn timeout_report(&self, what: &str, timeout: Duration) -> String {
        let log = self.requests();
        let mut out = format!(
            "{}: timed out after {timeout:?} waiting for {what}; {} request(s) arrived",
            P::NAME,
            log.len()
        );
        for (i, r) in log.iter().enumerate() {
            let _ = write!(out, "\n  #{i} {}", r.summary(self.core.started));
        }
        out
    }
}

impl<P: Provider> Drop for Fake<P> {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn random_hex(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    hex::encode_upper(raw)
}

// ---------------------------------------------------------------------------------------------
// Graph API
// ---------------------------------------------------------------------------------------------

impl Provider for Graph {
    const NAME: &'static str = "FakeGraph";
    const AUTH_HEADER: &'static str = "authorization";

    fn check(
        method: &Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(), Reply> {
        let parts: Vec<&str> = path.split('/').collect();
        // A phone number's own record (`GET /{version}/{phone_number_id}`), which `novi
        // doctor` reads to check the settings.
        let number = *method == Method::GET && matches!(parts.as_slice(), ["", _, _]);
        let send = *method == Method::POST && matches!(parts.as_slice(), ["", _, _, "messages"]);
        if !number && !send {
            let msg = format!("Unknown path components: {path}");
            return Err(Reply::error(400, 2500, msg));
        }
        let token = auth.and_then(|a| a.strip_prefix("Bearer "));
        if token.is_none_or(str::is_empty) {
            let msg = "Invalid OAuth access token - Cannot parse access token";
            return Err(Reply::error(401, 190, msg));
        }
        if number {
            return Ok(());
        }
        let body = body.ok_or_else(|| invalid("the request body is not JSON"))?;
        check_graph_body(body).map_err(invalid)
    }

    fn message_id(tag: u32, seq: u64, body: &Value) -> Option<String> {
        let is_send = !body.is_null() && body["status"] != "read";
        is_send.then(|| format!("wamid.fake.{tag:08x}.{seq}"))
    }

    fn ok_body(id: Option<&str>, body: &Value) -> Value {
        if body.is_null() {
            // Only the phone number's record is asked for with no body.
            return json!({
                "display_phone_number": DISPLAY_PHONE,
                "verified_name": "Fake Shop",
                "quality_rating": "GREEN",
                "id": "110000000000001",
            });
        }
        let Some(id) = id else {
            return json!({ "success": true });
        };
        let to = body["to"].as_str().unwrap_or_default();
        let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": wa_id }],
            "messages": [{ "id": id }],
        })
    }

    fn error_body(_http_status: u16, code: i64, message: &str) -> Value {
        json!({ "error": {
            "message": format!("(#{code}) {message}"),
            "type": "OAuthException",
            "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": message },
            "fbtrace_id": format!("A{}", random_hex(10)),
        }})
    }
}

/// Graph's answer to a malformed parameter.
fn invalid(details: impl Into<String>) -> Reply {
    let details = details.into();
    Reply::error(400, 100, format!("Invalid parameter: {details}"))
}

/// The documented send bodies and their limits (wire README, "Sending").
fn check_graph_body(body: &Value) -> Result<(), String> {
    if body["messaging_product"] != "whatsapp" {
        return Err("messaging_product must be \"whatsapp\"".into());
    }
    if body.get("status").is_some() {
        return check_mark_read(body);
    }
    if body["to"].as_str().is_none_or(str::is_empty) {
        return Err("param to is required".into());
    }
    match body["type"].as_str().unwrap_or("text") {
        "text" => check_text(body),
        "interactive" => check_interactive(&body["interactive"]),
        "template" => check_template(&body["template"]),
        _ => Ok(()),
    }
}

fn check_mark_read(body: &Value) -> Result<(), String> {
    if body["status"] != "read" || body["message_id"].as_str().is_none_or(str::is_empty) {
        return Err("mark read needs status \"read\" and a message_id".into());
    }
    Ok(())
}

fn check_text(body: &Value) -> Result<(), String> {
    let text = body["text"]["body"].as_str().unwrap_or_default();
    if text.trim().is_empty() {
        return Err("param text['body'] is required".into());
    }
    if text.chars().count() > 4096 {
        return Err("param text['body'] must be at most 4096 characters long".into());
    }
    Ok(())
}

fn check_interactive(interactive: &Value) -> Result<(), String> {
    if interactive["type"] != "button" {
        return Ok(());
    }
    if interactive["body"]["text"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return Err("param interactive['body']['text'] is required".into());
    }
    let buttons = interactive["action"]["buttons"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if buttons.is_empty() || buttons.len() > 3 {
        return Err("interactive buttons must number 1 to 3".into());
    }
    for b in &buttons {
        let title = b["reply"]["title"].as_str().unwrap_or_default();
        let id = b["reply"]["id"].as_str().unwrap_or_default();
        if b["type"] != "reply" || id.is_empty() || title.is_empty() {
            return Err("each button needs type \"reply\" and reply{id, title}".into());
        }
        if title.chars().count() > 20 {
            return Err(format!(
                "button title '{title}' is longer than 20 characters"
            ));
        }
    }
    Ok(())
}

fn check_template(template: &Value) -> Result<(), String> {
    let name = template["name"].as_str().unwrap_or_default();
    let code = template["language"]["code"].as_str().unwrap_or_default();
    if name.is_empty() || code.is_empty() {
        return Err("template needs name and language{code}".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// WAHA-style gateway
// ---------------------------------------------------------------------------------------------

impl Provider for Gateway {
    const NAME: &'static str = "FakeGateway";
    const AUTH_HEADER: &'static str = "x-api-key";

    fn check(
        method: &Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(), Reply> {
        // A session's record (`GET /api/sessions/{session}`), which `novi doctor` reads.
        let session = *method == Method::GET && path.starts_with("/api/sessions/");
        if !session && (*method != Method::POST || path != "/api/sendText") {
            return Err(Reply::error(404, 404, format!("Cannot {method} {path}")));
        }
        if auth.is_none_or(str::is_empty) {
            return Err(Reply::error(401, 401, "Unauthorized"));
        }
        if session {
            return Ok(());
        }
        let body = body.unwrap_or(&Value::Null);
        let field = |k: &str| body[k].as_str().is_some_and(|s| !s.is_empty());
        if !(field("session") && field("chatId") && field("text")) {
            return Err(Reply::error(
                400,
                400,
                "session, chatId and text are required",
            ));
        }
        let chat = body["chatId"].as_str().unwrap_or_default();
        if !(chat.ends_with("@c.us") || chat.ends_with("@g.us")) {
            return Err(Reply::error(
                400,
                400,
                "chatId must end with @c.us or @g.us",
            ));
        }
        Ok(())
    }

    fn message_id(_tag: u32, _seq: u64, body: &Value) -> Option<String> {
        let chat = body["chatId"].as_str()?;
        Some(format!("true_{chat}_{}", random_hex(10)))
    }

    fn ok_body(id: Option<&str>, body: &Value) -> Value {
        if body.is_null() {
            // Only a session's record is asked for with no body: the phone is connected.
            return json!({
                "name": "default",
                "status": "WORKING",
                "me": { "id": format!("{DISPLAY_PHONE}@c.us"), "pushName": "Fake Shop" },
            });
        }
        json!({
            "id": id,
            "timestamp": unix_secs(),
            "from": format!("{DISPLAY_PHONE}@c.us"),
            "fromMe": true,
            "to": body["chatId"],
            "body": body["text"],
            "hasMedia": false,
        })
    }

    fn error_body(http_status: u16, code: i64, message: &str) -> Value {
        let reason = status(http_status).canonical_reason().unwrap_or("Error");
        json!({ "statusCode": http_status, "code": code, "message": message, "error": reason })
    }
}

// ---------------------------------------------------------------------------------------------
// Inbound Cloud API webhooks
// ---------------------------------------------------------------------------------------------

/// A full webhook carrying one text message from `from` (named `name`) to `phone_number_id`.
pub fn cloud_text(phone_number_id: &str, from: &str, name: &str, wamid: &str, text: &str) -> Value {
    cloud_message(phone_number_id, from, name, text_message(wamid, text))
}

/// A full webhook carrying one message object (from the `*_message` builders) and its contact.
pub fn cloud_message(phone_number_id: &str, from: &str, name: &str, message: Value) -> Value {
    CloudBatch::new()
        .change(phone_number_id)
        .message(from, name, message)
        .build()
}

/// A full webhook carrying one status for our outbound `wamid`, to [`STATUS_RECIPIENT`];
/// `errors` are `(code, title)` pairs, usually given with `failed`.
pub fn cloud_status(
    phone_number_id: &str,
    wamid: &str,
    status: &str,
    errors: &[(i64, &str)],
) -> Value {
    let status = status_object(wamid, status, STATUS_RECIPIENT, errors);
    CloudBatch::new()
        .change(phone_number_id)
        .status(status)
        .build()
}

/// One `value.statuses[]` object.
pub fn status_object(
    wamid: &str,
    status: &str,
    recipient_id: &str,
    errors: &[(i64, &str)],
) -> Value {
    let mut s = json!({
        "id": wamid,
        "status": status,
        "timestamp": unix_secs().to_string(),
        "recipient_id": recipient_id,
    });
    // Meta adds billing details to sent/delivered; the parser must tolerate them.
    if status == "sent" || status == "delivered" {
        s["conversation"] = json!({ "id": random_hex(16), "origin": { "type": "service" } });
        s["pricing"] = json!({ "billable": true, "pricing_model": "CBP", "category": "service" });
    }
    if !errors.is_empty() {
        s["errors"] = errors.iter().map(|&(c, t)| error_object(c, t)).collect();
    }
    s
}

fn error_object(code: i64, title: &str) -> Value {
    json!({ "code": code, "title": title, "message": title, "error_data": { "details": title } })
}

/// Fields every inbound message has; `from` is added by [`CloudBatch::message`].
fn message_base(wamid: &str, kind: &str) -> Value {
    json!({ "id": wamid, "timestamp": unix_secs().to_string(), "type": kind })
}

/// A `text` message object.
pub fn text_message(wamid: &str, text: &str) -> Value {
    let mut m = message_base(wamid, "text");
    m["text"] = json!({ "body": text });
    m
}

/// An `interactive` `button_reply` message object (a tap on one of our reply buttons).
pub fn button_reply_message(wamid: &str, id: &str, title: &str) -> Value {
    let mut m = message_base(wamid, "interactive");
    m["interactive"] =
        json!({ "type": "button_reply", "button_reply": { "id": id, "title": title } });
    m
}

/// An `interactive` `list_reply` message object.
pub fn list_reply_message(wamid: &str, id: &str, title: &str, description: &str) -> Value {
    let mut m = message_base(wamid, "interactive");
    let reply = json!({ "id": id, "title": title, "description": description });
    m["interactive"] = json!({ "type": "list_reply", "list_reply": reply });
    m
}

/// An `order` message object (a cart from the catalog); items are
/// `(product_retailer_id, quantity, item_price)` in INR, and prices may be decimals.
pub fn order_message(
    wamid: &str,
    catalog_id: &str,
    items: &[(&str, u32, f64)],
    text: Option<&str>,
) -> Value {
    let product_items: Vec<Value> = items
        .iter()
        .map(|&(id, quantity, price)| {
            json!({ "product_retailer_id": id, "quantity": quantity,
                    "item_price": price, "currency": "INR" })
        })
        .collect();
    let mut order = json!({ "catalog_id": catalog_id, "product_items": product_items });
    if let Some(t) = text {
        order["text"] = json!(t);
    }
    let mut m = message_base(wamid, "order");
    m["order"] = order;
    m
}

/// A `location` message object.
pub fn location_message(
    wamid: &str,
    latitude: f64,
    longitude: f64,
    name: Option<&str>,
    address: Option<&str>,
) -> Value {
    let mut loc = json!({ "latitude": latitude, "longitude": longitude });
    if let Some(n) = name {
        loc["name"] = json!(n);
    }
    if let Some(a) = address {
        loc["address"] = json!(a);
    }
    let mut m = message_base(wamid, "location");
    m["location"] = loc;
    m
}

/// An `image` message object referring to uploaded media `media_id`.
pub fn image_message(wamid: &str, media_id: &str, caption: Option<&str>) -> Value {
    let mut image = json!({
        "mime_type": "image/jpeg",
        "sha256": "dGhpcyBpcyBub3QgYSByZWFsIGltYWdlIGhhc2g=",
        "id": media_id,
    });
    if let Some(c) = caption {
        image["caption"] = json!(c);
    }
    let mut m = message_base(wamid, "image");
    m["image"] = image;
    m
}

/// An `unsupported` message object, as Meta sends for kinds the API cannot pass on.
pub fn unsupported_message(wamid: &str) -> Value {
    let mut m = message_base(wamid, "unsupported");
    m["errors"] = json!([error_object(131051, "Message type unknown")]);
    m
}

/// A message of a `kind` the bridge does not know (it must be stored and ignored, not fail).
pub fn unknown_message(wamid: &str, kind: &str) -> Value {
    let mut m = message_base(wamid, kind);
    m[kind] = json!({ "note": "a kind this bridge has never seen" });
    m
}

/// Builds one webhook with several entries, changes, messages and statuses, in order:
/// `CloudBatch::new().change(ID).message(..).message(..).change(ID2).status(..).build()`.
#[derive(Debug, Clone, Default)]
pub struct CloudBatch {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    changes: Vec<Change>,
}

#[derive(Debug, Clone)]
struct Change {
    phone_number_id: String,
    contacts: Vec<Value>,
    messages: Vec<Value>,
    statuses: Vec<Value>,
}

impl CloudBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a new entry for a WhatsApp Business Account.
    pub fn entry(mut self, waba_id: &str) -> Self {
        self.entries.push(Entry {
            id: waba_id.to_owned(),
            changes: Vec::new(),
        });
        self
    }

    /// Starts a new `messages` change for a business number (in a [`WABA_ID`] entry if none).
    pub fn change(mut self, phone_number_id: &str) -> Self {
        if self.entries.is_empty() {
            self = self.entry(WABA_ID);
        }
        let entry = self.entries.last_mut().expect("an entry");
        entry.changes.push(Change {
            phone_number_id: phone_number_id.to_owned(),
            contacts: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
        });
        self
    }

    /// Adds a message from `from` to the current change, and its contact once per sender.
    pub fn message(mut self, from: &str, name: &str, mut message: Value) -> Self {
        message["from"] = json!(from);
        let contact = json!({ "profile": { "name": name }, "wa_id": from });
        let change = self.current();
        if !change.contacts.iter().any(|c| c["wa_id"] == from) {
            change.contacts.push(contact);
        }
        change.messages.push(message);
        self
    }

    /// Adds a status object (see [`status_object`]) to the current change.
    pub fn status(mut self, status: Value) -> Self {
        self.current().statuses.push(status);
        self
    }

    fn current(&mut self) -> &mut Change {
        let entry = self
            .entries
            .last_mut()
            .expect("CloudBatch: call change() first");
        entry
            .changes
            .last_mut()
            .expect("CloudBatch: call change() first")
    }

    pub fn build(self) -> Value {
        let entries: Vec<Value> = self.entries.into_iter().map(Entry::into_json).collect();
        json!({ "object": "whatsapp_business_account", "entry": entries })
    }
}

impl Entry {
    fn into_json(self) -> Value {
        let changes: Vec<Value> = self.changes.into_iter().map(Change::into_json).collect();
        json!({ "id": self.id, "changes": changes })
    }
}

impl Change {
    fn into_json(self) -> Value {
        let mut value = json!({
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": DISPLAY_PHONE,
                "phone_number_id": self.phone_number_id,
            },
        });
        // Meta leaves out the arrays a change does not carry (a status-only change has no
        // contacts or messages), so the builder does too.
        for (key, list) in [
            ("contacts", self.contacts),
            ("messages", self.messages),
            ("statuses", self.statuses),
        ] {
            if !list.is_empty() {
                value[key] = Value::Array(list);
            }
        }
        json!({ "field": "messages", "value": value })
    }
}

// ---------------------------------------------------------------------------------------------
// Inbound gateway webhooks
// ---------------------------------------------------------------------------------------------

/// A WAHA-style `message` event. For a group (`...@g.us`) pass the sender as `participant`.
/// Each call makes fresh event and message ids; send the same value again to test duplicates.
pub fn gateway_message(
    session: &str,
    from_chat_id: &str,
    body: &str,
    participant: Option<&str>,
    from_me: bool,
) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut id = format!("{from_me}_{from_chat_id}_{}", random_hex(10));
    let mut payload = json!({
        "timestamp": now.as_secs(),
        "from": from_chat_id,
        "fromMe": from_me,
        "to": format!("{DISPLAY_PHONE}@c.us"),
        "body": body,
        "hasMedia": false,
    });
    if let Some(p) = participant {
        id = format!("{id}_{p}");
        payload["participant"] = json!(p);
    }
    payload["id"] = json!(id);
    json!({
        "id": format!("evt_{}", random_hex(12).to_lowercase()),
        "timestamp": now.as_millis() as u64,
        "event": "message",
        "session": session,
        "payload": payload,
    })
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

/// The `X-Hub-Signature-256` value for `body`: `sha256=` and the hex HMAC-SHA256 keyed with
/// the app secret.
pub fn sign_sha256(secret: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_ref()).expect("HMAC takes any key");
    mac.update(body.as_ref());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The `X-Webhook-Hmac` value for `body`: the hex HMAC-SHA512 keyed with the gateway's key.
pub fn sign_sha512(key: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(key.as_ref()).expect("HMAC takes any key");
    mac.update(body.as_ref());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_signer_matches_meta_test_vector() {
        let want = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";
        assert_eq!(sign_sha256("TEST_APP_SECRET", "test"), want);
    }

    #[test]
    fn sha256_signer_matches_razorpay_webhook_vector() {
        // Same HMAC-SHA256-hex construction, a second vector from the wire README.
        let want = "sha256=2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc";
        assert_eq!(sign_sha256("123456", r#"{"a":1,"b":2,"c":{"d":3}}"#), want);
    }

    #[test]
    fn sha512_signer_matches_rfc4231_case_2() {
        // The wire README has no SHA-512 vector; RFC 4231 test case 2 is the standard one.
        let want = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                    9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737";
        assert_eq!(sign_sha512("Jefe", "what do ya want for nothing?"), want);
    }
}
