//! The platform console (`/admin`, platform admins only; anyone else gets a 403 page): the
//! overview (system figures, each business's bot, backups), and the sections in the files
//! below. Pages outside any business, with their own tabs.

pub mod businesses;
pub mod orders;
pub mod system;
pub mod users;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup, DOCTYPE};

use super::layout::{backup_age, csrf_field, head};
use crate::accounts::users::User;
use crate::backup;
use crate::error::{AppError, AppResult};
use crate::web::audit::{self as audit_page, Paging};
use crate::web::csrf::CsrfToken;
use crate::web::extract::CurrentUser;
use crate::AppState;

/// The console's sections, in tab order: (path, label).
const TABS: [(&str, &str); 5] = [
    ("/admin", "Overview"),
    ("/admin/businesses", "Businesses"),
    ("/admin/users", "Users"),
    ("/admin/orders", "Orders"),
    ("/admin/audit", "Audit log"),
];

/// Refuses anyone but a platform admin with a 403 page.
pub fn require_admin(user: &User) -> AppResult<()> {
    if user.platform_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A console page: the tabs, the title, the content, who is logged in.
pub fn console(current: &str, title: &str, user: &User, csrf: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main.console {
                    p.logo { "Novi · platform console" }
                    nav.tabs aria-label="Console sections" {
                        @for (path, label) in TABS {
                            a href=(path) aria-current=[(path == current).then_some("page")] { (label) }
                        }
                    }
                    h1 { (title) }
                    (content)
                    p.muted {
                        "Logged in as " (user.username) " (platform admin). "
                    }
                    form method="post" action="/logout" {
                        (csrf_field(csrf))
                        button.link type="submit" { "Log out" }
                    }
                }
            }
        }
    }
}

/// `/admin`: the system's figures, each business's bot, and the backups.
pub async fn index(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    let figures = system::gather(&state).await?;
    let bots = system::bots(&state).await?;
    let backups = state.backups.status(chrono::Utc::now());
    let body = html! {
        h2 { "System" }
        (system::figures(&figures))
        h2 { "Bots" }
        (system::bot_table(&bots))
        h2 { "Backups" }
        p.banner[backups.overdue] { (backup_age(&backups)) }
        form method="post" action="/admin/backup" {
            (csrf_field(&csrf.0))
            button type="submit" { "Download a backup" }
        }
    };
    Ok(console("/admin", "Platform console", &user, &csrf.0, body))
}

/// `/admin/audit`: every business's entries and the platform's own.
pub async fn audit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<Paging>,
) -> AppResult<Markup> {
    require_admin(&user)?;
    let rows = audit_page::read(&state, None, q.before).await?;
    let codes: std::collections::HashMap<i64, String> = state
        .db
        .read(crate::accounts::businesses::list)
        .await?
        .into_iter()
        .map(|b| (b.id, b.short_code))
        .collect();
    let code = |id: Option<i64>| {
        id.and_then(|id| codes.get(&id).cloned())
            .unwrap_or_else(|| "—".to_owned())
    };
    let next = audit_page::next_link("/admin/audit", &rows);
    let body = html! {
        p.muted { "Everything recorded, newest first. Secrets are never shown." }
        (audit_page::entries(&rows, code, next))
    };
    Ok(console("/admin/audit", "Audit log", &user, &csrf.0, body))
}

/// Makes a backup now (into the backups folder, where it counts as the latest) and sends it.
pub async fn download_backup(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    require_admin(&user)?;
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
