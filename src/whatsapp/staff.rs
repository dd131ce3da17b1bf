//! A person at the shop writing to a customer, from the reply box or the API: checked,
//! queued in the outbox, and the sender woken. Also "Send again" for a message that failed.

use super::outbox::{self, Content, Retry};
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
    // Line breaks and tabs are part of writing; a NUL or an escape would reach the chat page
    // and the customer's phone as raw bytes.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::Invalid(
            "the message holds a control character".into(),
        ));
    }
    let config = bridge.settings(db, business_id).await?;
    let (to, provider) = (phone.to_string(), config.provider.as_str());
    let id = db
        .write(move |tx| {
            attention::clear(tx, business_id, &to)?;
            let id = outbox::enqueue(tx, business_id, &to, &Content::text(text), provider)?;
            outbox::mark_by_staff(tx, id)?;
            Ok::<_, AppError>(id)
        })
        .await?;
    bridge.wake_sender();
    bridge.live.send(business_id, phone.as_str());
    Ok(id)
}

/// Queues failed message `message_id` of conversation `key` (as stored) again. Shared by the
/// "Send again" button and the API.
pub async fn send_again(
    db: &Db,
    bridge: &Bridge,
    business_id: i64,
    key: &str,
    message_id: i64,
) -> AppResult<()> {
    let phone = key.to_owned();
    let retry = db
        .write(move |tx| outbox::retry(tx, business_id, &phone, message_id))
        .await?;
    match retry {
        Retry::Queued => {
            bridge.wake_sender();
            bridge.live.send(business_id, key);
            Ok(())
        }
        Retry::Unknown => Err(AppError::NotFound),
        Retry::NotFailed(status) => Err(AppError::Conflict(format!(
            "only a message that failed can be sent again; this one is {status}"
        ))),
    }
}
