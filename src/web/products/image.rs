//! Product images: upload (checked by content, size-limited, stored under a random name in
//! the data directory) and serving them, only to staff of the product's business.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::view::View;
use super::{again, find, parse_id, require_catalog};
use crate::catalog::image::{self, Kind, MAX_BYTES};
use crate::catalog::products;
use crate::db::blocking;
use crate::error::{AppError, AppResult};
use crate::web::extract::ShopPage;
use crate::AppState;

/// What the upload form sent.
enum Upload {
    Image(Bytes),
    Missing,
    TooLarge,
}

/// Reads the `image` field, keeping at most `MAX_BYTES`. The rest of an oversized file is
/// still read (the whole body is capped by the server's limit) so the browser gets an answer
/// rather than a reset connection.
async fn read_upload(mut multipart: Multipart) -> AppResult<Upload> {
    let bad = |_| AppError::BadRequest("the upload could not be read; try again".into());
    let mut found = Upload::Missing;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let wanted = field.name() == Some("image");
        let mut kept: Vec<u8> = Vec::new();
        let mut too_large = false;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if wanted && !too_large {
                too_large = kept.len() + chunk.len() > MAX_BYTES;
                if !too_large {
                    kept.extend_from_slice(&chunk);
                }
            }
        }
        if wanted {
            found = match (too_large, kept.is_empty()) {
                (true, _) => Upload::TooLarge,
                (false, true) => Upload::Missing,
                (false, false) => Upload::Image(Bytes::from(kept)),
            };
        }
    }
    Ok(found)
}

pub async fn upload(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, String)>,
    multipart: Multipart,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let id = parse_id(&id)?;
    let product = find(&state, &shop, id).await?;
    let refuse = |status: StatusCode, message: &str| {
        let view = View {
            image_error: Some(message.to_owned()),
            ..View::default()
        };
        again(&state, &shop, id, status, view)
    };
    let bytes = match read_upload(multipart).await? {
        Upload::Image(bytes) => bytes,
        Upload::Missing => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "choose an image file to upload",
            )
            .await
        }
        Upload::TooLarge => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the image is larger than 2 MiB; make it smaller and try again",
            )
            .await
        }
    };
    let Some(kind) = Kind::sniff(&bytes) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "that file is not a JPEG, PNG, WebP or GIF image",
        )
        .await;
    };
    save(&state, &shop, id, kind, bytes).await?;
    remove_old(&state, product.image);
    Ok(Redirect::to(&shop.url(&format!("/products/{id}?saved=image#image"))).into_response())
}

/// Stores the file, then points the product at it; if that fails the file is removed again.
async fn save(
    state: &AppState,
    shop: &ShopPage,
    id: i64,
    kind: Kind,
    bytes: Bytes,
) -> AppResult<()> {
    let dir = state.config.data_dir.clone();
    let name = blocking(move || image::store(&dir, kind, &bytes)).await?;
    let (business, file) = (shop.business.id, name.clone());
    let saved = state
        .db
        .write(move |tx| products::set_image(tx, business, id, &file, kind.mime()))
        .await;
    if saved.is_err() {
        remove_old(state, Some(name));
    }
    saved
}

/// Best effort: a leftover file wastes a little disk but harms nothing.
fn remove_old(state: &AppState, name: Option<String>) {
    if let Some(path) = name.and_then(|n| image::path(&state.config.data_dir, &n)) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(error = %e, "could not remove an old product image");
        }
    }
}

pub async fn serve(
    State(state): State<AppState>,
    shop: ShopPage,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let product = find(&state, &shop, parse_id(&id)?).await?;
    // Only staff may see it, and its URL changes with each upload.
    respond(&state, &product, "private, max-age=86400").await
}

/// A product's image file as the answer, its type read from its bytes, kept by browsers as
/// `cache_control` says; 404 when it has none or the file is gone.
pub async fn respond(
    state: &AppState,
    product: &products::Product,
    cache_control: &'static str,
) -> AppResult<Response> {
    let path = product
        .image
        .as_deref()
        .and_then(|n| image::path(&state.config.data_dir, n))
        .ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::NotFound)?;
    let mime = Kind::sniff(&bytes).map_or("application/octet-stream", Kind::mime);
    let headers = [
        (header::CONTENT_TYPE, mime),
        (header::CACHE_CONTROL, cache_control),
    ];
    Ok((headers, bytes).into_response())
}
