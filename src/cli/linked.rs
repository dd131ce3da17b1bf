//! `novi whatsapp link` / `unlink` and the link state in `show`: the shop's own WhatsApp app,
//! linked from the shell by a QR code drawn in the terminal, or by a pairing code.

use std::path::Path;
#[cfg(feature = "linked")]
use std::time::Duration;

use anyhow::{bail, Context};

use crate::accounts::businesses;
#[cfg(feature = "linked")]
use crate::accounts::businesses::Business;
use crate::db::Db;
#[cfg(feature = "linked")]
use crate::domain::Phone;
use crate::whatsapp::linked::state::{self, Link, State};
use crate::whatsapp::settings::{self, Provider};

/// The link state as `show` prints it.
pub fn describe(link: &Link) -> String {
    let mut out = format!("link: {}\n", link.state.as_str());
    if !link.phone.is_empty() {
        out.push_str(&format!("linked number: +{}\n", link.phone));
    }
    if !link.push_name.is_empty() {
        out.push_str(&format!("whatsapp name: {}\n", link.push_name));
    }
    if let Some(at) = link
        .connected_since
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        out.push_str(&format!("connected since: {}\n", at.to_rfc3339()));
    }
    if let Some(at) = link
        .next_retry_at
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        out.push_str(&format!("next retry: {}\n", at.to_rfc3339()));
    }
    if !link.reason.is_empty() {
        out.push_str(&format!("reason: {}\n", link.reason));
    }
    out
}

/// Every business on the linked provider, a line each.
pub fn show_all(db: &Db) -> anyhow::Result<()> {
    let rows = db.with_conn(|c| {
        let mut rows = Vec::new();
        for id in settings::with_provider(c, Provider::Linked)? {
            let code = businesses::by_id(c, id)?
                .map(|b| b.short_code)
                .unwrap_or_default();
            rows.push((code, state::load(c, id)?));
        }
        Ok(rows)
    })?;
    if rows.is_empty() {
        outln!("No business is on the linked provider.")?;
    }
    for (code, l) in rows {
        let number = if l.phone.is_empty() {
            String::new()
        } else {
            format!(" +{}", l.phone)
        };
        outln!("{code}: {}{number}", l.state.as_str())?;
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The QR code as text for a terminal.
#[cfg(feature = "linked")]
fn terminal_qr(code: &str) -> String {
    use qrcode::render::unicode::Dense1x2;
    qrcode::QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .build()
        })
        .unwrap_or_default()
}

/// Links a business: draws each QR code (or prints the pairing code) and waits until linked.
#[cfg(feature = "linked")]
pub fn link(data_dir: &Path, db: &Db, code: &str, phone: Option<&str>) -> anyhow::Result<()> {
    let b = db.with_conn(|c| businesses::require(c, code))?;
    let digits = match phone {
        Some(p) => Some(Phone::parse(p, "91").map_err(|e| anyhow::anyhow!("--phone: {e}"))?),
        None => None,
    }
    .map(|p| {
        p.to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    });
    let bridge = crate::whatsapp::Bridge::start(db, data_dir);
    let linked = bridge.linked.clone();
    let rt = runtime()?;
    let result = rt.block_on(async {
        linked.start(b.id, true);
        let outcome = wait_linked(db, &linked, &b, digits).await;
        linked.stop(b.id).await;
        outcome
    });
    let l = result?;
    db.with_tx(|tx| {
        let mut c = settings::load(tx, b.id)?;
        if c.provider != Provider::Linked {
            c.provider = Provider::Linked;
            c.rate_per_second = 1;
        }
        settings::save(tx, b.id, &c)
    })?;
    outln!(
        "{} is linked to +{} ({}).",
        b.short_code,
        l.phone,
        l.push_name
    )?;
    outln!("A running server connects it within a minute; `novi serve` does at start.")?;
    Ok(())
}

#[cfg(feature = "linked")]
async fn wait_linked(
    db: &Db,
    linked: &crate::whatsapp::linked::Linked,
    b: &Business,
    phone: Option<String>,
) -> anyhow::Result<Link> {
    let (mut shown, mut asked) = (None::<String>, phone.is_none());
    let mut changed = linked.shared.changed.subscribe();
    loop {
        let id = b.id;
        let l = db.with_conn(|c| state::load(c, id))?;
        if l.state == State::Connected {
            return Ok(l);
        }
        let view = linked.view(b.id);
        if !asked && view.linking {
            asked = true;
            let number = phone.clone().unwrap_or_default();
            let code = linked
                .pair_phone(b.id, number)
                .await
                .map_err(anyhow::Error::msg)?;
            outln!("Pairing code: {code}")?;
            outln!("On the phone: WhatsApp → Linked devices → Link a device → Link with phone number instead, then type the code.")?;
        } else if phone.is_none() && view.qr.is_some() && view.qr != shown {
            shown = view.qr.clone();
            outln!("{}", terminal_qr(shown.as_deref().unwrap_or_default()))?;
            outln!("On the shop's phone: WhatsApp → Linked devices → Link a device, and scan this code.")?;
        } else if shown.is_some() && !view.linking && l.state != State::Connected {
            bail!("the code expired before it was scanned; run the command again");
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), changed.changed()).await;
    }
}

#[cfg(not(feature = "linked"))]
pub fn link(_data_dir: &Path, _db: &Db, _code: &str, _phone: Option<&str>) -> anyhow::Result<()> {
    bail!("this build of Novi cannot link a phone (it was built without the `linked` feature)")
}

/// Unlinks a business: removes the device from the phone and forgets the session.
pub fn unlink(data_dir: &Path, db: &Db, code: &str) -> anyhow::Result<()> {
    let b = db.with_conn(|c| businesses::require(c, code))?;
    let (c, l) = db.with_conn(|c| Ok((settings::load(c, b.id)?, state::load(c, b.id)?)))?;
    if c.provider != Provider::Linked || l.state == State::NotLinked {
        bail!("{code} is not linked");
    }
    let bridge = crate::whatsapp::Bridge::start(db, data_dir);
    let linked = bridge.linked.clone();
    runtime()?.block_on(linked.unlink(b.id));
    outln!("{code} is unlinked. Link it again with `novi whatsapp link --business {code}`.")?;
    Ok(())
}
