//! One error type for the whole app, with the HTTP status and stable code each case maps to.
//! The web layer renders it as a page and the API as JSON; this module knows neither.

use axum::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not there, or not yours: both look the same from outside so ids cannot be probed.
    #[error("not found")]
    NotFound,
    /// A page that needs a logged-in user; pages redirect to the login form.
    #[error("please log in")]
    LoginRequired { next: String },
    #[error("{0}")]
    Unauthorized(String),
    #[error("you do not have permission to do that")]
    Forbidden,
    /// The business was deactivated by the platform admin: pages, API and sending stop.
    #[error(
        "This business has been deactivated: its pages, API and WhatsApp replies are stopped. \
         Its data is kept; ask the platform admin to reactivate it."
    )]
    Deactivated,
    /// The same, as the shop's customers meet it (storefront, tracking links): the shop, by
    /// name, is closed; nothing of its orders is shown.
    #[error("{0} is closed on Novi")]
    ShopClosed(String),
    #[error("{0}")]
    BadRequest(String),
    /// Input that parsed but is not acceptable (a field out of range, a taken name).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("something went wrong on our side")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::LoginRequired { .. } | Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Deactivated | Self::ShopClosed(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code API clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::LoginRequired { .. } | Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::Deactivated => "business_deactivated",
            Self::ShopClosed(_) => "shop_closed",
            Self::BadRequest(_) => "bad_request",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::TooManyRequests(_) => "rate_limited",
            Self::Internal(_) => "internal",
        }
    }

    /// The message to show the person who asked when they can put it right (a field out of
    /// range, a name already taken, a refused change); any other error comes back as it is,
    /// for the caller to pass on. Forms use it to show the message beside what was posted.
    pub fn into_refusal(self) -> Result<String, AppError> {
        match self {
            Self::Invalid(m) | Self::Conflict(m) => Ok(m),
            other => Err(other),
        }
    }

    /// The error with its causes, for logs (the `Display` of a server fault hides them).
    pub fn detail(&self) -> String {
        match self {
            Self::Internal(err) => format!("{err:#}"),
            other => other.to_string(),
        }
    }

    /// Server faults are logged in full where they are turned into a response; users see only
    /// that something went wrong.
    pub fn log_if_internal(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(err: rusqlite::Error) -> Self {
        Self::internal(err)
    }
}
