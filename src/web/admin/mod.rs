//! The platform admin's view: every business, a way into each, how old the last backup is,
//! and a fresh backup to download.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};

use super::layout::{backup_age, bare, csrf_field};
use crate::accounts::businesses;
use crate::backup;
use crate::error::{AppError, AppResult};
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::AppState;

pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> AppResult<Markup> {
    if !user.platform_admin {
        return Err(AppError::NotFound);
    }
    let all = state.db.read(businesses::list).await?;
    let backups = backup::schedule::status(&state.config.data_dir, chrono::Utc::now());
    Ok(bare(
        "All businesses",
        html! {
            @if all.is_empty() {
                p { "No businesses yet. Add one with " code { "novi business add" } "." }
            }
            ul.list {
                @for b in &all {
                    li { a href={ "/b/" (b.short_code) "/" } { (b.name) } " " code { (b.short_code) } }
                }
            }
            h2 { "Backups" }
            p.banner[backups.overdue] { (backup_age(&backups)) }
            form method="post" action="/admin/backup" {
                (csrf_field(&csrf.0))
                button type="submit" { "Download a backup" }
            }
            p { "Logged in as " (user.username) " (platform admin)." }
            form method="post" action="/logout" {
                (csrf_field(&csrf.0))
                button.link type="submit" { "Log out" }
            }
        },
    ))
}

/// Makes a backup now (into the backups folder, where it counts as the latest) and sends it.
pub async fn download_backup(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    if !user.platform_admin {
        return Err(AppError::NotFound);
    }
    let dir = state.config.data_dir.clone();
    let made = crate::db::blocking(move || {
        backup::make(&dir, &backup::default_path(&dir), &backup::Quiet).map_err(AppError::internal)
    })
    .await?;
    let name = made
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "novi-backup.tar".to_owned());
    let file = tokio::fs::File::open(&made.path)
        .await
        .map_err(AppError::internal)?;
    let headers = [
        (header::CONTENT_TYPE, "application/x-tar".to_owned()),
        (header::CONTENT_LENGTH, made.bytes.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    Ok((headers, Body::from_stream(chunks(file))).into_response())
}

/// A file as a stream of chunks, so a large backup is never held in memory whole.
fn chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}
