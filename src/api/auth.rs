//! The business an API request acts for, from its `Authorization: Bearer` token. A token
//! belongs to one business and never reaches another's data.

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

use super::error::ApiError;
use crate::accounts::{businesses::Business, tokens};
use crate::error::AppError;
use crate::AppState;

/// The business an API request acts for, from its `Authorization: Bearer` token.
pub struct ApiBusiness(pub Business);

impl FromRequestParts<AppState> for ApiBusiness {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = || {
            AppError::Unauthorized(
                "a valid API token is required (Authorization: Bearer <token>)".into(),
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
            .ok_or_else(unauthorized)?;
        let lookup = token.clone();
        // The token and its business in one lookup, on this thread: a read handed to a reading
        // thread waits its turn there, and with 32 clients at once the wait is most of a
        // request's time.
        let found = state
            .db
            .lookup(move |c| {
                let Some(used) = tokens::business_for(c, &lookup)? else {
                    return Ok(None);
                };
                let business = crate::accounts::businesses::by_id(c, used.business_id)?;
                Ok(business.map(|b| (used, b)))
            })
            .await?;
        let (used, business) = found.ok_or_else(unauthorized)?;
        if used.stamp_due {
            state
                .db
                .write(move |tx| tokens::stamp_use(tx, &token))
                .await?;
        }
        if !business.active() {
            return Err(AppError::Deactivated.into());
        }
        Ok(ApiBusiness(business))
    }
}
