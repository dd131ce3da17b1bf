//! `novi whatsapp`: connect a business to WhatsApp from the shell, and show how it is connected.

use std::path::Path;

use anyhow::bail;
use clap::{Args, Subcommand};

use super::admin::open_existing;
use super::linked;
use crate::accounts::businesses;
use crate::whatsapp::linked::state as link_state;
use crate::whatsapp::settings::{self, mask, Provider, WhatsappSettings, DEFAULT_GRAPH_BASE};

#[derive(Subcommand, Debug)]
pub enum WhatsappCommand {
    /// Set how a business is connected. A running server picks the change up within a minute
    /// (at once when saved from Settings).
    Configure(Box<ConfigureArgs>),
    /// Show how a business is connected (secrets masked), its webhook paths and its link
    /// state; without --business, the link state of every linked business.
    Show {
        #[arg(long)]
        business: Option<String>,
    },
    /// Link the shop's own WhatsApp app: draws the QR code here and waits until it is scanned.
    Link {
        #[arg(long)]
        business: String,
        /// Print a pairing code to type on the phone with this number instead of a QR code.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Unlink the shop's WhatsApp: removes Novi from the phone's linked devices.
    Unlink {
        #[arg(long)]
        business: String,
    },
}

#[derive(Args, Debug)]
pub struct ConfigureArgs {
    #[arg(long)]
    business: String,
    #[arg(long, value_enum)]
    provider: Provider,
    /// Cloud API: the business number's id in Meta's app.
    #[arg(long)]
    phone_number_id: Option<String>,
    /// Cloud API: the token Meta echoes when verifying the webhook.
    #[arg(long)]
    verify_token: Option<String>,
    /// Cloud API: the app secret that signs webhooks.
    #[arg(long)]
    app_secret: Option<String>,
    /// Cloud API: the access token used to send.
    #[arg(long)]
    access_token: Option<String>,
    /// Cloud API: where the Graph API is [default: https://graph.facebook.com/v21.0].
    #[arg(long)]
    graph_base: Option<String>,
    /// Gateway: its base URL.
    #[arg(long)]
    gateway_url: Option<String>,
    /// Gateway: its API key.
    #[arg(long)]
    api_key: Option<String>,
    /// Gateway: the session (linked phone) to use [default: default].
    #[arg(long)]
    session: Option<String>,
    /// Gateway: the key that signs its webhooks (X-Webhook-Hmac), if it signs them.
    #[arg(long)]
    hmac_key: Option<String>,
    /// An approved template to send when the 24-hour window has closed.
    #[arg(long)]
    template_name: Option<String>,
    /// The template's language [default: en]; only with --template-name (alone it would be
    /// saved for no template).
    #[arg(long, requires = "template_name")]
    template_language: Option<String>,
    /// Messages a second to WhatsApp from this number [default: 20].
    #[arg(long)]
    rate_per_second: Option<u32>,
}

pub fn run(data_dir: &Path, cmd: WhatsappCommand) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    match cmd {
        WhatsappCommand::Configure(a) => {
            check_flags_fit(&a)?;
            let a = *a;
            let code = a.business.clone();
            let saved = db.with_tx(|tx| {
                let b = businesses::require(tx, &code)?;
                let c = from_args(a);
                settings::validate(&c).map_err(crate::error::AppError::Invalid)?;
                let before = settings::load(tx, b.id)?;
                settings::save(tx, b.id, &c)?;
                // Audited as Settings audits it: a token or address swapped at the shell shows
                // in the owner's log too.
                let what = settings::changes(&before, &c);
                let who = crate::audit::Actor::shell();
                crate::audit::record(tx, &who, Some(b.id), crate::audit::WHATSAPP, &what)?;
                Ok::<_, crate::error::AppError>(c)
            })?;
            outln!("{code} now uses the {} provider", saved.provider.as_str())?;
        }
        WhatsappCommand::Show { business: None } => linked::show_all(&db)?,
        WhatsappCommand::Show {
            business: Some(business),
        } => {
            let (c, code, link) = db.with_conn(|conn| {
                let b = businesses::require(conn, &business)?;
                Ok((
                    settings::load(conn, b.id)?,
                    b.short_code,
                    link_state::load(conn, b.id)?,
                ))
            })?;
            out!("{}", describe(&c, &code))?;
            if c.provider == Provider::Linked {
                out!("{}", linked::describe(&link))?;
            }
        }
        WhatsappCommand::Link { business, phone } => {
            linked::link(data_dir, &db, &business, phone.as_deref())?;
        }
        WhatsappCommand::Unlink { business } => linked::unlink(data_dir, &db, &business)?,
    }
    Ok(())
}

fn from_args(a: ConfigureArgs) -> WhatsappSettings {
    let mut c = WhatsappSettings::simulator();
    c.provider = a.provider;
    c.phone_number_id = a
        .phone_number_id
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    c.verify_token = a.verify_token.unwrap_or_default();
    c.app_secret = a.app_secret.unwrap_or_default();
    c.access_token = a.access_token.unwrap_or_default();
    c.graph_base = a.graph_base.unwrap_or_else(|| DEFAULT_GRAPH_BASE.into());
    c.gateway_url = a.gateway_url.unwrap_or_default();
    // The shell is the server's administrator: a gateway on the server's own network is fine.
    c.gateway_url_by_admin = true;
    c.api_key = a.api_key.unwrap_or_default();
    c.session = a.session.unwrap_or_else(|| "default".into());
    c.hmac_key = a.hmac_key.unwrap_or_default();
    c.template_name = a.template_name.unwrap_or_default();
    c.template_language = a.template_language.unwrap_or_else(|| "en".into());
    c.rate_per_second = a.rate_per_second.unwrap_or(20);
    c
}

/// The configuration as an owner reads it, secrets masked.
pub fn describe(c: &WhatsappSettings, code: &str) -> String {
    let mut out = format!("provider: {}\n", c.provider.as_str());
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k}: {v}\n"));
    match c.provider {
        Provider::Cloud => {
            line(
                "phone number id",
                c.phone_number_id.as_deref().unwrap_or_default(),
            );
            line("verify token", &mask(&c.verify_token));
            line("app secret", &mask(&c.app_secret));
            line("access token", &mask(&c.access_token));
            line("graph base", &c.graph_base);
            line("webhook", &format!("/webhooks/whatsapp/{code}"));
        }
        Provider::Gateway => {
            line("gateway url", &c.gateway_url);
            line("api key", &mask(&c.api_key));
            line("session", &c.session);
            line("hmac key", &mask(&c.hmac_key));
            line("webhook", &format!("/webhooks/gateway/{code}"));
        }
        Provider::Simulator => line("simulator", &format!("/b/{code}/simulator")),
        Provider::Linked => line("settings", &format!("/b/{code}/settings/whatsapp")),
    }
    let template = if c.template_name.is_empty() {
        "(none)".to_owned()
    } else {
        format!("{} ({})", c.template_name, c.template_language)
    };
    line("24-hour template", &template);
    line("rate", &format!("{} messages a second", c.rate_per_second));
    if let Some(reason) = &c.paused_reason {
        line("SENDING PAUSED", reason);
    }
    out
}

/// Refuses provider-specific flags that cannot apply, so a typo'd provider is caught.
pub fn check_flags_fit(a: &ConfigureArgs) -> anyhow::Result<()> {
    let cloud = a.phone_number_id.is_some()
        || a.verify_token.is_some()
        || a.app_secret.is_some()
        || a.access_token.is_some();
    let gateway = a.gateway_url.is_some() || a.api_key.is_some() || a.hmac_key.is_some();
    match a.provider {
        Provider::Cloud if gateway => bail!("gateway flags given with --provider cloud"),
        Provider::Gateway if cloud => bail!("Cloud API flags given with --provider gateway"),
        Provider::Simulator if cloud || gateway => bail!("the simulator takes no credentials"),
        Provider::Linked if cloud || gateway => {
            bail!("the linked provider takes no credentials: link with `novi whatsapp link`")
        }
        _ => Ok(()),
    }
}
