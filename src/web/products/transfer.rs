//! Products → Import and Export: the catalog CSV (the file `novi catalog import` and `export`
//! read and write) from the browser. An upload is previewed first (new, changed and unchanged
//! rows, or each problem beside its line) and written only when applied, all or nothing.

use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::require_catalog;
use crate::catalog::csv::{self, ImportErrors, ProductRow};
use crate::catalog::import::{self, Change};
use crate::error::{AppError, AppResult};
use crate::web::csrf;
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, error_box, page, Nav};
use crate::AppState;

/// The largest catalog file taken (the form that applies it carries it back).
const MAX_BYTES: usize = 512 * 1024;

/// The catalog as a CSV file to download.
pub async fn export(State(state): State<AppState>, shop: ShopPage) -> AppResult<Response> {
    let id = shop.business.id;
    let rows = state.db.read(move |c| import::export(c, id)).await?;
    let mut out = Vec::new();
    csv::write_catalog(&rows, &mut out).map_err(AppError::internal)?;
    let what = format!(
        "catalog CSV ({})",
        crate::domain::plural::count(rows.len(), "product", "products")
    );
    crate::web::audit::note(&state, &shop, crate::audit::EXPORT, what).await?;
    let name = format!(
        "attachment; filename=\"{}-catalog.csv\"",
        shop.business.short_code
    );
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CONTENT_DISPOSITION, name),
    ];
    Ok((headers, out).into_response())
}

fn upload_form(shop: &ShopPage) -> Markup {
    let action = format!(
        "{}?{}={}",
        shop.url("/products/import"),
        csrf::FIELD,
        shop.csrf
    );
    html! {
        form.stack method="post" action=(action) enctype="multipart/form-data" {
            label {
                span { "Catalog file (CSV)" }
                input type="file" name="file" accept=".csv,text/csv" required;
                small.muted { "Columns: sku, name, category, unit, price, aliases, variants, stock." }
            }
            button type="submit" { "Preview the import" }
        }
    }
}

fn import_page(shop: &ShopPage, error: Option<&str>, body: Markup) -> Markup {
    let content = html! {
        p { a.go href=(shop.url("/products")) { "← All products" } }
        p { "Upload a catalog file to add and update products by SKU. You see what will change before anything is written. "
            a href=(shop.url("/products/export.csv")) { "Export the catalog" } " to get a file to start from." }
        (error_box(error))
        (body)
        section.card { (upload_form(shop)) }
    };
    page(shop, Nav::Products, "Import products", content)
}

pub async fn new(shop: ShopPage) -> AppResult<Markup> {
    require_catalog(&shop)?;
    Ok(import_page(&shop, None, html! {}))
}

/// The uploaded file's bytes; `None` when there is none or it is too large.
/// The uploaded file, or what is wrong with it, in words for the page.
async fn read_file(mut multipart: Multipart) -> AppResult<Result<Vec<u8>, &'static str>> {
    let bad = |_| AppError::BadRequest("the upload could not be read; try again".into());
    let mut found = Err("Choose a CSV file to import.");
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(bad)?;
            found = match bytes.len() {
                0 => Err("That file is empty: choose a catalog CSV file."),
                n if n > MAX_BYTES => {
                    Err("That file is larger than 512 KiB, the most a catalog file may be.")
                }
                _ => Ok(bytes.to_vec()),
            };
        }
    }
    Ok(found)
}

/// The upload, previewed: what each row would do, or every problem beside its line.
pub async fn preview(
    State(state): State<AppState>,
    shop: ShopPage,
    multipart: Multipart,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let refuse = |m: &str, body: Markup| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(&shop, Some(m), body),
        )
            .into_response()
    };
    let bytes = match read_file(multipart).await? {
        Ok(bytes) => bytes,
        Err(why) => return Ok(refuse(why, html! {})),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let rows = match csv::parse_catalog(bytes.as_slice()) {
        Ok(rows) => rows,
        Err(problems) => {
            let m = format!(
                "The file has {}; nothing was imported. Fix them and upload it again.",
                crate::domain::plural::count(problems.errors.len(), "problem", "problems")
            );
            return Ok(refuse(&m, problem_table(&text, &problems)));
        }
    };
    Ok(import_page(&shop, None, previewed(&state, &shop, &text, rows).await?).into_response())
}

/// The preview of `rows` (read from `text`) against the catalog as it is now.
async fn previewed(
    state: &AppState,
    shop: &ShopPage,
    text: &str,
    rows: Vec<ProductRow>,
) -> AppResult<Markup> {
    let id = shop.business.id;
    let read = rows.clone();
    let (changes, seen) = state
        .db
        .read(move |c| {
            Ok((
                import::preview(c, id, &read)?,
                import::fingerprint(c, id, &read)?,
            ))
        })
        .await?;
    Ok(preview_table(shop, text, &rows, &changes, &seen))
}

/// Each problem with its line number and the line as written.
fn problem_table(text: &str, problems: &ImportErrors) -> Markup {
    let lines: Vec<&str> = text.lines().collect();
    html! {
        table.stacked.import-problems {
            thead { tr { th { "Line" } th { "As written" } th { "Problem" } } }
            tbody {
                @for e in &problems.errors {
                    tr.row-error {
                        td.num data-label="Line" { (e.line) }
                        td data-label="As written" { code { (lines.get(e.line as usize - 1).copied().unwrap_or_default()) } }
                        td data-label="Problem" { (e.message) }
                    }
                }
            }
        }
    }
}

fn preview_table(
    shop: &ShopPage,
    text: &str,
    rows: &[ProductRow],
    changes: &[Change],
    seen: &str,
) -> Markup {
    let count = |f: fn(&Change) -> bool| changes.iter().filter(|c| f(c)).count();
    let (new, changed) = (
        count(|c| *c == Change::New),
        count(|c| matches!(c, Change::Changed(_))),
    );
    let unchanged = changes.len() - new - changed;
    html! {
        section.preview #import-preview {
            h2 { "What will change" }
            p.import-counts { (new) " new · " (changed) " changed · " (unchanged) " unchanged" }
            table.stacked {
                thead { tr { th { "SKU" } th { "Name" } th { "Change" } } }
                tbody {
                    @for (row, change) in rows.iter().zip(changes) {
                        tr {
                            td data-label="SKU" { code { (row.sku.as_str()) } }
                            td data-label="Name" { (row.name) }
                            td data-label="Change" { @match change {
                                Change::New => span.badge { "new" },
                                Change::Changed(fields) => { span.badge.low { "changed" } " " (fields.join(", ")) },
                                Change::Unchanged => span.muted { "unchanged" },
                            } }
                        }
                    }
                }
            }
            form.stack method="post" action=(shop.url("/products/import/apply")) {
                (csrf_field(&shop.csrf))
                input type="hidden" name="csv" value=(text);
                input type="hidden" name="seen" value=(seen);
                button type="submit" { "Apply the import" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Apply {
    csv: String,
    /// The catalog's fingerprint when the preview was made ([`import::fingerprint`]).
    #[serde(default)]
    seen: String,
}

/// Writes the previewed file, all or nothing, then back to the products with what was done.
pub async fn apply(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<Apply>,
) -> AppResult<Response> {
    require_catalog(&shop)?;
    let rows = match csv::parse_catalog(f.csv.as_bytes()) {
        Ok(rows) => rows,
        Err(problems) => {
            let m = "The file has problems; nothing was imported.";
            let body = problem_table(&f.csv, &problems);
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                import_page(&shop, Some(m), body),
            )
                .into_response());
        }
    };
    let (id, actor) = (
        shop.business.id,
        format!("import by {}", shop.user.username),
    );
    let (read, seen) = (rows.clone(), f.seen.clone());
    let summary = match state
        .db
        .write(move |tx| import::import_previewed(tx, id, &read, &actor, &seen))
        .await
    {
        Ok(s) => s,
        Err(AppError::Conflict(m)) => {
            let body = previewed(&state, &shop, &f.csv, rows).await?;
            let page = import_page(&shop, Some(&m), body);
            return Ok((StatusCode::CONFLICT, page).into_response());
        }
        Err(e) => return Err(e),
    };
    let url = format!(
        "/products?imported={}&updated={}",
        summary.created, summary.updated
    );
    Ok(Redirect::to(&shop.url(&url)).into_response())
}
