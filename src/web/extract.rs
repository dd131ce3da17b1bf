//! Extractors that answer "who is this?" for a handler: a logged-in user, a user inside one
//! business's pages (`/b/{code}/...`).

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

use super::{cookie, csrf::CsrfToken};
use crate::accounts::{businesses::Business, sessions, users::User, Role};
use crate::error::AppError;
use crate::whatsapp::linked;
use crate::whatsapp::settings::Provider;
use crate::AppState;
use std::sync::Arc;

/// The logged-in user. Pages without one redirect to the login form.
pub struct CurrentUser(pub User);

fn path_and_query(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    uri.path_and_query()
        .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let next = path_and_query(parts);
        let name = cookie::session_name(state.config.behind_https);
        let Some(token) = cookie::get(&parts.headers, name) else {
            return Err(AppError::LoginRequired { next });
        };
        let user = state
            .db
            .lookup(move |c| sessions::user_for(c, &token))
            .await?;
        user.map(CurrentUser)
            .ok_or(AppError::LoginRequired { next })
    }
}

/// A user working inside one business's pages. Anyone without access to that business gets
/// 404, exactly as if it did not exist.
pub struct ShopPage {
    pub user: User,
    pub business: Business,
    /// The user's role here; a platform admin acts as an owner.
    pub role: Role,
    pub csrf: String,
    /// Every business as (short code, name), for a platform admin's switcher; empty otherwise.
    pub switcher: Vec<(String, String)>,
    /// Why WhatsApp sending is paused for this business, if it is (shown as a banner).
    pub whatsapp_paused: Option<String>,
    /// The shop's linked WhatsApp was unlinked from the phone (shown as a banner).
    pub whatsapp_unlinked: bool,
    /// How the backups stand, for owners and platform admins only (a banner when overdue).
    pub backup: Option<crate::backup::schedule::Status>,
    /// The client's address, for the audit log.
    pub address: String,
}

impl ShopPage {
    /// Refuses unless the user may change settings here.
    pub fn require_settings(&self) -> Result<(), AppError> {
        if self.role.can_manage_settings() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The URL of a page inside this business.
    pub fn url(&self, rest: &str) -> String {
        format!("/b/{}{}", self.business.short_code, rest)
    }
}

/// The short code in a `/b/{code}/...` path.
fn short_code_of(path: &str) -> Option<&str> {
    path.strip_prefix("/b/")?
        .split('/')
        .next()
        .filter(|c| !c.is_empty())
}

impl FromRequestParts<AppState> for ShopPage {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        let path = path_and_query(parts);
        let code = short_code_of(&path).ok_or(AppError::NotFound)?.to_owned();
        let business = state
            .business_by_code(&code)
            .await?
            .ok_or(AppError::NotFound)?;
        // A deactivated shop's pages stop for its staff; the platform admin still sees them.
        if !business.active() && !user.platform_admin {
            return Err(AppError::Deactivated);
        }
        let role = if user.platform_admin {
            Role::Owner
        } else if user.business_id == Some(business.id) {
            user.role.ok_or(AppError::NotFound)?
        } else {
            return Err(AppError::NotFound);
        };
        let super::audit::Address(address) =
            super::audit::Address::from_request_parts(parts, state).await?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let switcher = if user.platform_admin {
            let all = state.db.read(crate::accounts::businesses::list).await?;
            all.into_iter().map(|b| (b.short_code, b.name)).collect()
        } else {
            Vec::new()
        };
        let config = state.bridge.settings(&state.db, business.id).await?;
        let whatsapp_unlinked = config.provider == Provider::Linked && {
            let id = business.id;
            let link = state.db.read(move |c| linked::state::load(c, id)).await?;
            link.state == linked::state::State::LoggedOut
        };
        let whatsapp_paused = config.paused_reason.clone();
        let backup = (role == Role::Owner).then(|| state.backups.status(chrono::Utc::now()));
        Ok(ShopPage {
            user,
            business: Arc::unwrap_or_clone(business),
            role,
            csrf,
            switcher,
            whatsapp_paused,
            whatsapp_unlinked,
            backup,
            address,
        })
    }
}

/// A list's `page` as typed in the address: missing or blank is the first page, as is zero or
/// less; anything but a whole number is refused with a line a person can read (the framework
/// said "Failed to deserialize query string: invalid digit found in string").
pub fn page_number(text: Option<&str>) -> Result<i64, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(1),
        Some(t) => t.parse::<i64>().map(|n| n.max(1)).map_err(|_| {
            AppError::BadRequest(format!(
                "\"{t}\" is not a page number: use a whole number, 1 for the first page"
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{page_number, short_code_of};

    #[test]
    fn a_page_is_a_whole_number_from_one() {
        assert_eq!(page_number(None).unwrap(), 1);
        assert_eq!(page_number(Some(" ")).unwrap(), 1);
        assert_eq!(page_number(Some("3")).unwrap(), 3);
        assert_eq!(page_number(Some("-2")).unwrap(), 1);
        let refused = page_number(Some("abc")).unwrap_err().to_string();
        assert!(
            refused.starts_with("\"abc\" is not a page number"),
            "{refused}"
        );
        assert!(page_number(Some("2.5")).is_err());
    }

    #[test]
    fn short_code_from_path() {
        assert_eq!(short_code_of("/b/demo/orders"), Some("demo"));
        assert_eq!(short_code_of("/b/demo"), Some("demo"));
        assert_eq!(short_code_of("/b//x"), None);
        assert_eq!(short_code_of("/admin"), None);
    }
}
