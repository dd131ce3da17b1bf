//! The JSON API under `/api/v1`, for integrations and scripts. Every call carries a business's
//! token (`Authorization: Bearer …`) and sees only that business.

pub mod auth;
pub mod conversations;
pub mod customers;
pub mod error;
pub mod orders;
pub mod payments;

use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub mod products;

use axum::Json;
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Value};

use crate::api::auth::ApiBusiness;
use crate::error::AppError;
use error::{ApiError, ApiResult};

/// A JSON request body whose problems (not JSON, wrong fields) answer in the API's error shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        // The body limit the router sets travels in the extensions.
        let (headers, extensions) = (req.headers().clone(), req.extensions().clone());
        // A body over the limit is a 413 however it came (with a length, or chunked).
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => error::error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "the request body is too large",
                ),
                _ => ApiError(AppError::BadRequest(r.body_text())).into_response(),
            })?;
        let mut rebuilt = Request::new(Body::from(bytes.clone()));
        *rebuilt.headers_mut() = headers;
        *rebuilt.extensions_mut() = extensions;
        let object = bytes.trim_ascii_start().first() == Some(&b'{');
        match Json::<T>::from_request(rebuilt, state).await {
            // serde reads an object's fields from an array in order too: `["cancelled"]` would
            // cancel an order. Every body this API takes is an object.
            Ok(_) | Err(JsonRejection::JsonDataError(_)) if !object => Err(ApiError(
                AppError::Invalid("the body must be a JSON object ({…})".into()),
            )
            .into_response()),
            Ok(Json(value)) => match positional(&bytes) {
                Some(path) => Err(ApiError(AppError::Invalid(format!(
                    "{path} must be an object ({{…}}), not a list read by position"
                )))
                .into_response()),
                None => Ok(Self(value)),
            },
            // JSON whose fields are missing or of the wrong type is a 422 naming the field, as
            // every other wrong field is; a body that is not JSON at all stays a 400.
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError(AppError::Invalid(field_problem(&e.body_text()))).into_response())
            }
            Err(rejection) => {
                Err(ApiError(AppError::BadRequest(rejection.body_text())).into_response())
            }
        }
    }
}

/// Where a body holds a list of anything but objects: `"customer": ["Asha", "98…"]` or
/// `"lines": [["samosa", 2]]`, which serde would read as objects' fields in order. Every list
/// this API takes is of objects (an order's `lines`).
fn positional(bytes: &[u8]) -> Option<String> {
    fn walk(v: &Value, path: &str) -> Option<String> {
        match v {
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                let at = format!("{path}[{i}]");
                match item {
                    Value::Object(_) => walk(item, &at),
                    _ => Some(at),
                }
            }),
            Value::Object(fields) => fields.iter().find_map(|(k, f)| {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(f, &at)
            }),
            _ => None,
        }
    }
    let v: Value = serde_json::from_slice(bytes).ok()?;
    walk(&v, "")
}

/// serde's words for a field that does not fit, in the API's: the field's path and what it
/// should be, without the framework's preamble, the position or Novi's own type names
/// ("lines[0].qty: invalid type: string \"2\", expected a whole number").
fn field_problem(text: &str) -> String {
    let text = text
        .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut words = text.split(' ').peekable();
    while let Some(word) = words.next() {
        let said = match word {
            // "struct CreateIn with 7 elements": the name is ours, not the client's.
            "struct" => {
                words.next();
                if words.peek() == Some(&"with") {
                    words.nth(2); // "with 7 elements"
                }
                "an object"
            }
            "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" => "a whole number",
            "f64" => "a number",
            w => w,
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(said);
    }
    out
}

/// `page` and `per_page` query parameters.
#[derive(Deserialize, Default)]
pub struct Pagination {
    page: Option<String>,
    per_page: Option<String>,
}

impl Pagination {
    pub const MAX_PER_PAGE: i64 = 100;

    /// Page from 1, per_page from 1 to 100 (default 25).
    pub fn resolve(&self) -> Result<(i64, i64), AppError> {
        let number =
            |v: &Option<String>, name: &str, default: i64| match v.as_deref() {
                None | Some("") => Ok(default),
                Some(t) => t.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    AppError::Invalid(format!("{name} must be a whole number from 1"))
                }),
            };
        let page = number(&self.page, "page", 1)?;
        let per_page = number(&self.per_page, "per_page", 25)?.min(Self::MAX_PER_PAGE);
        Ok((page, per_page))
    }

    /// One page of a list: its `rows` under `key`, and where the page sits in the whole list.
    pub fn page<T>(
        key: &'static str,
        rows: Vec<T>,
        (page, per_page): (i64, i64),
        total: i64,
    ) -> Page<T> {
        let pages = (total + per_page - 1) / per_page;
        let place = Place {
            page,
            pages,
            per_page,
            total,
            total_capped: false,
        };
        Page { key, rows, place }
    }
}

/// A page of a list as the API writes it: `{"<key>": [...], "pagination": {...}}`.
pub struct Page<T> {
    key: &'static str,
    rows: Vec<T>,
    place: Place,
}

/// Where a page sits in the whole list.
#[derive(Serialize)]
struct Place {
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
    /// Past a count's cap `total` is a floor, and this says so; an exact total keeps the shape
    /// it always had.
    #[serde(skip_serializing_if = "is_false")]
    total_capped: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl<T> Page<T> {
    /// Marks the total as a floor: at least that many match.
    pub fn capped(mut self, capped: bool) -> Self {
        self.place.total_capped = capped;
        self
    }
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Keys in alphabetical order, the order the API has always written them in.
        let mut map = s.serialize_map(Some(2))?;
        if self.key < "pagination" {
            map.serialize_entry(self.key, &self.rows)?;
            map.serialize_entry("pagination", &self.place)?;
        } else {
            map.serialize_entry("pagination", &self.place)?;
            map.serialize_entry(self.key, &self.rows)?;
        }
        map.end()
    }
}

/// `GET /api/v1/business`: the profile of the business the token belongs to.
pub async fn business(ApiBusiness(b): ApiBusiness) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "business": b })))
}

/// Unknown API paths answer in JSON too.
pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::Pagination;

    #[test]
    fn a_page_writes_its_keys_in_alphabetical_order() {
        let page = Pagination::page("customers", vec![1, 2], (2, 2), 5);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"customers":[1,2],"pagination":{"page":2,"pages":3,"per_page":2,"total":5}}"#
        );
        let page = Pagination::page("products", vec![7], (1, 25), 10_000).capped(true);
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"pagination":{"page":1,"pages":400,"per_page":25,"total":10000,"total_capped":true},"products":[7]}"#
        );
    }
}
