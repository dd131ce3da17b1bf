//! How each business is connected to WhatsApp: the provider and its credentials. Secrets are
//! write-only from the outside: they are shown masked and never logged.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::{is_unique_violation, now};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Provider {
    Cloud,
    Gateway,
    Simulator,
    /// The shop's own WhatsApp app, linked by QR code (`whatsapp::linked`).
    Linked,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Cloud => "cloud",
            Provider::Gateway => "gateway",
            Provider::Simulator => "simulator",
            Provider::Linked => "linked",
        }
    }

    fn parse(s: &str) -> Provider {
        match s {
            "cloud" => Provider::Cloud,
            "gateway" => Provider::Gateway,
            "linked" => Provider::Linked,
            _ => Provider::Simulator,
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct WhatsappSettings {
    pub provider: Provider,
    pub phone_number_id: Option<String>,
    pub verify_token: String,
    pub app_secret: String,
    pub access_token: String,
    pub graph_base: String,
    pub gateway_url: String,
    /// The gateway URL was saved by a platform admin or the shell, so it may be a private
    /// address; otherwise sending reaches public addresses only.
    pub gateway_url_by_admin: bool,
    pub api_key: String,
    pub session: String,
    pub hmac_key: String,
    pub template_name: String,
    pub template_language: String,
    pub rate_per_second: u32,
    pub paused_reason: Option<String>,
}

/// What changed in WhatsApp settings, in words: plain fields with their values, secrets only
/// by name.
pub fn changes(old: &WhatsappSettings, new: &WhatsappSettings) -> String {
    let rate = (
        old.rate_per_second.to_string(),
        new.rate_per_second.to_string(),
    );
    let id = |c: &WhatsappSettings| c.phone_number_id.clone().unwrap_or_default();
    let (old_id, new_id) = (id(old), id(new));
    let mut parts = vec![crate::audit::changes(&[
        ("provider", old.provider.as_str(), new.provider.as_str()),
        ("phone number id", &old_id, &new_id),
        ("graph base", &old.graph_base, &new.graph_base),
        ("gateway url", &old.gateway_url, &new.gateway_url),
        ("session", &old.session, &new.session),
        ("template", &old.template_name, &new.template_name),
        (
            "template language",
            &old.template_language,
            &new.template_language,
        ),
        ("messages a second", &rate.0, &rate.1),
    ])];
    let secrets = [
        ("verify token", &old.verify_token, &new.verify_token),
        ("app secret", &old.app_secret, &new.app_secret),
        ("access token", &old.access_token, &new.access_token),
        ("api key", &old.api_key, &new.api_key),
        ("hmac key", &old.hmac_key, &new.hmac_key),
    ];
    for (name, a, b) in secrets {
        if a != b {
            parts.push(format!("{name}: {}", crate::audit::SECRET_CHANGED));
        }
    }
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        "saved, nothing changed".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Checks that a configuration has what its provider needs to work.
pub fn validate(c: &WhatsappSettings) -> Result<(), String> {
    let need = |value: &str, what: &str| {
        if value.trim().is_empty() {
            Err(format!(
                "{what} is required for the {} provider",
                c.provider.as_str()
            ))
        } else {
            Ok(())
        }
    };
    // An address a request can be built for: "http://exa mple" or "http://" passed a prefix
    // check, were saved over working settings, and every send then failed.
    let url = |value: &str, what: &str| {
        if !(value.starts_with("http://") || value.starts_with("https://")) {
            return Err(format!("{what} must start with http:// or https://"));
        }
        match reqwest::Url::parse(value) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            Ok(_) => Err(format!("{what} \"{value}\" names no host")),
            Err(e) => Err(format!("{what} \"{value}\" is not a web address ({e})")),
        }
    };
    match c.provider {
        Provider::Cloud => {
            let id = c.phone_number_id.as_deref().unwrap_or_default();
            need(id, "the phone number id")?;
            // Meta's id for the number (in the webhook's metadata and the send URL) is digits;
            // anything else never matches a webhook, and every message in would be refused.
            if !id.trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(
                    "the phone number id is digits only, as WhatsApp Manager shows it under API Setup"
                        .into(),
                );
            }
            need(&c.verify_token, "the verify token")?;
            need(&c.app_secret, "the app secret")?;
            need(&c.access_token, "the access token")?;
            url(&c.graph_base, "the Graph API base URL")?;
        }
        Provider::Gateway => {
            need(&c.gateway_url, "the gateway URL")?;
            url(&c.gateway_url, "the gateway URL")?;
            need(&c.api_key, "the API key")?;
            need(&c.session, "the session name")?;
            // Unsigned webhooks could be posted by anyone who knows the shop's short code.
            need(&c.hmac_key, "the webhook HMAC key")?;
        }
        Provider::Simulator | Provider::Linked => {}
    }
    if c.rate_per_second == 0 || c.rate_per_second > 1000 {
        return Err("the rate must be from 1 to 1000 messages a second".into());
    }
    Ok(())
}

/// Never print secrets, even in a debug dump.
impl std::fmt::Debug for WhatsappSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsappSettings")
            .field("provider", &self.provider)
            .field("phone_number_id", &self.phone_number_id)
            .field("graph_base", &self.graph_base)
            .field("gateway_url", &self.gateway_url)
            .finish_non_exhaustive()
    }
}

impl WhatsappSettings {
    /// Every business starts on the simulator: Novi can be tried with no WhatsApp account.
    pub fn simulator() -> Self {
        Self {
            provider: Provider::Simulator,
            phone_number_id: None,
            verify_token: String::new(),
            app_secret: String::new(),
            access_token: String::new(),
            graph_base: DEFAULT_GRAPH_BASE.into(),
            gateway_url: String::new(),
            gateway_url_by_admin: false,
            api_key: String::new(),
            session: "default".into(),
            hmac_key: String::new(),
            template_name: String::new(),
            template_language: "en".into(),
            rate_per_second: 20,
            paused_reason: None,
        }
    }
}

pub const DEFAULT_GRAPH_BASE: &str = "https://graph.facebook.com/v21.0";

/// `set, ends …wxyz` for long secrets (enough to tell two apart), `set` for shorter ones,
/// `(not set)` for empty: never enough of a secret to guess the rest.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    match n {
        0 => "(not set)".into(),
        1..=19 => "set".into(),
        _ => {
            let tail: String = secret.chars().skip(n - 4).collect();
            format!("set, ends …{tail}")
        }
    }
}

const COLUMNS: &str = "provider, phone_number_id, verify_token, app_secret, access_token, graph_base, \
    gateway_url, api_key, session, hmac_key, template_name, template_language, rate_per_second, paused_reason, gateway_url_by_admin";

fn from_row(r: &Row) -> rusqlite::Result<WhatsappSettings> {
    Ok(WhatsappSettings {
        provider: Provider::parse(&r.get::<_, String>(0)?),
        phone_number_id: r.get(1)?,
        verify_token: r.get(2)?,
        app_secret: r.get(3)?,
        access_token: r.get(4)?,
        graph_base: r.get(5)?,
        gateway_url: r.get(6)?,
        api_key: r.get(7)?,
        session: r.get(8)?,
        hmac_key: r.get(9)?,
        template_name: r.get(10)?,
        template_language: r.get(11)?,
        rate_per_second: r.get(12)?,
        paused_reason: r.get(13)?,
        gateway_url_by_admin: r.get(14)?,
    })
}

/// The business's configuration; the simulator when none was saved.
pub fn load(conn: &Connection, business_id: i64) -> AppResult<WhatsappSettings> {
    let sql = format!("SELECT {COLUMNS} FROM whatsapp_configs WHERE business_id = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([business_id], from_row)
        .optional()?;
    Ok(found.unwrap_or_else(WhatsappSettings::simulator))
}

/// Saves a configuration. Saving clears a pause, since a new token is how a pause ends.
pub fn save(conn: &Connection, business_id: i64, c: &WhatsappSettings) -> AppResult<()> {
    let result = conn.execute(
        "INSERT INTO whatsapp_configs (business_id, provider, phone_number_id, verify_token, app_secret,
             access_token, graph_base, gateway_url, api_key, session, hmac_key, template_name,
             template_language, rate_per_second, paused_reason, updated_at, gateway_url_by_admin)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULL, ?15, ?16)
         ON CONFLICT (business_id) DO UPDATE SET provider = excluded.provider,
             phone_number_id = excluded.phone_number_id, verify_token = excluded.verify_token,
             app_secret = excluded.app_secret, access_token = excluded.access_token,
             graph_base = excluded.graph_base, gateway_url = excluded.gateway_url,
             api_key = excluded.api_key, session = excluded.session, hmac_key = excluded.hmac_key,
             template_name = excluded.template_name, template_language = excluded.template_language,
             rate_per_second = excluded.rate_per_second, paused_reason = NULL,
             updated_at = excluded.updated_at, gateway_url_by_admin = excluded.gateway_url_by_admin",
        params![
            business_id, c.provider.as_str(), c.phone_number_id, c.verify_token, c.app_secret,
            c.access_token, c.graph_base, c.gateway_url, c.api_key, c.session, c.hmac_key,
            c.template_name, c.template_language, c.rate_per_second, now(),
            c.gateway_url_by_admin
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(
            "that phone number id is already used by another business".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The businesses on `provider`.
pub fn with_provider(conn: &Connection, provider: Provider) -> AppResult<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT business_id FROM whatsapp_configs WHERE provider = ?1 ORDER BY business_id",
    )?;
    let ids = stmt.query_map([provider.as_str()], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// Stops sending for a business until its configuration is saved again.
pub fn pause(conn: &Connection, business_id: i64, reason: &str) -> AppResult<()> {
    conn.execute(
        "UPDATE whatsapp_configs SET paused_reason = ?2 WHERE business_id = ?1",
        params![business_id, reason],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets() {
        assert_eq!(mask(""), "(not set)");
        assert_eq!(mask("short"), "set");
        assert_eq!(mask("EAAG1234567890xyz"), "set");
        assert_eq!(mask("EAAG1234567890abcdefxyz"), "set, ends …fxyz");
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let mut c = WhatsappSettings::simulator();
        c.app_secret = "topsecret-app".into();
        c.access_token = "EAAG-secret-token".into();
        let shown = format!("{c:?}");
        assert!(!shown.contains("topsecret") && !shown.contains("EAAG"));
    }
}
