//! A person at the shop writing to a customer, from the reply box or the API: checked,
//! queued in the outbox, and the sender woken.

use super::outbox::{self, Content};
use super::{attention, Bridge};
use crate::db::Db;
use crate::domain::Phone;
use crate::error::{AppError, AppResult};

/// The longest text WhatsApp accepts in one message.
pub const MAX_TEXT: usize = 4096;

/// Queues a text to `phone` and wakes the sender. Shared by the reply box and the API.
pub async fn queue_text(
    db: &Db,
    bridge: &Bridge,
    business_id: i64,
    phone: &Phone,
    text: &str,
) -> AppResult<i64> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(AppError::Invalid("the message is empty".into()));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid(format!(
            "a message can be at most {MAX_TEXT} characters"
        )));
    }
    let config = bridge.settings(db, business_id).await?;
    let (to, provider) = (phone.to_string(), config.provider.as_str());
    let id = db
        .write(move |tx| {
            attention::clear(tx, business_id, &to)?;
            outbox::enqueue(tx, business_id, &to, &Content::text(text), provider)
        })
        .await?;
    bridge.wake_sender();
    bridge.live.send(business_id, phone.as_str());
    Ok(id)
}
