//! Settings → Printing and alerts: the paper print pages are sized for, the GSTIN on bills,
//! automatic kitchen tickets, the network thermal printer (with a test print), and where and
//! when the owner hears of low stock and the day's summary. Owners only.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::{settings_page, Saved};
use crate::alerts::settings::{self as alert_settings, AlertSettings};
use crate::domain::Phone;
use crate::error::AppResult;
use crate::printing::{self, escpos, ticket, Paper, PrintSettings};
use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, field_with_error};
use crate::AppState;

const PATH: &str = "/settings/printing";

#[derive(Deserialize, Default)]
pub struct PrintingForm {
    #[serde(default)]
    paper: String,
    #[serde(default)]
    gstin: String,
    auto_kot: Option<String>,
    #[serde(default)]
    printer: String,
    #[serde(default)]
    owner_phone: String,
    #[serde(default)]
    closing_time: String,
}

/// What is wrong with each field, by name.
#[derive(Default)]
struct Errors(Vec<(&'static str, String)>);

impl Errors {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| m.as_str())
    }
}

fn form_of(p: &PrintSettings, a: &AlertSettings) -> PrintingForm {
    PrintingForm {
        paper: p.paper.as_str().to_owned(),
        gstin: p.gstin.clone(),
        auto_kot: p.auto_kot.then(|| "on".to_owned()),
        printer: p.printer.clone(),
        owner_phone: a.owner_phone.clone(),
        closing_time: a
            .closing_time
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default(),
    }
}

fn render(shop: &ShopPage, f: &PrintingForm, errors: &Errors, done: Option<&str>) -> Markup {
    let failed = (!errors.0.is_empty()).then_some("Nothing was saved: see below.");
    let failed = errors.get("test").or(failed);
    let body = html! {
        form.stack method="post" action=(shop.url(PATH)) {
            (csrf_field(&shop.csrf))
            h2 { "Printing" }
            label {
                span { "Paper" }
                select name="paper" {
                    @for p in Paper::ALL {
                        option value=(p.as_str()) selected[f.paper == p.as_str()] { (p.label()) }
                    }
                }
            }
            (field_with_error("GSTIN (shown on bills; leave blank if none)", "gstin", "text", &f.gstin, errors.get("gstin")))
            label.check {
                input type="checkbox" name="auto_kot" checked[f.auto_kot.is_some()];
                span { "Print a kitchen ticket for each order when it is confirmed (on the counter page: "
                    a href=(shop.url("/print/counter")) { "open it on the counter PC" } ")" }
            }
            (field_with_error("Network thermal printer (ESC/POS), e.g. 192.168.1.50:9100; blank if none", "printer", "text", &f.printer, errors.get("printer")))
            h2 { "Alerts to the owner on WhatsApp" }
            (field_with_error("Owner's WhatsApp number (blank: the shop's phone)", "owner_phone", "tel", &f.owner_phone, errors.get("owner_phone")))
            (field_with_error("Closing time, for the daily summary (blank: none)", "closing_time", "time", &f.closing_time, errors.get("closing_time")))
            button type="submit" { "Save" }
        }
        form.inline method="post" action=(shop.url("/settings/printing/test")) {
            (csrf_field(&shop.csrf))
            button.secondary type="submit" { "Test print" }
            " on the saved network printer"
        }
    };
    settings_page(shop, PATH, "Printing and alerts", done, failed, body)
}

pub async fn show(
    State(state): State<AppState>,
    shop: ShopPage,
    Query(q): Query<Saved>,
) -> AppResult<Markup> {
    shop.require_settings()?;
    let id = shop.business.id;
    let (p, a) = state
        .db
        .read(move |c| Ok((printing::load(c, id)?, alert_settings::load(c, id)?)))
        .await?;
    let done = q.saved.is_some().then_some("Saved.");
    Ok(render(&shop, &form_of(&p, &a), &Errors::default(), done))
}

/// The posted form as settings, or what is wrong with each field.
fn parse(f: &PrintingForm, country: &str) -> Result<(PrintSettings, AlertSettings), Errors> {
    let mut errors = Errors::default();
    let mut note = |name, r: Result<String, String>| {
        r.map_err(|e| errors.0.push((name, e))).unwrap_or_default()
    };
    let paper = f.paper.parse::<Paper>().unwrap_or_default();
    let gstin = note("gstin", printing::parse_gstin(&f.gstin));
    let printer = note("printer", escpos::parse_address(&f.printer));
    let owner_phone = note(
        "owner_phone",
        match f.owner_phone.trim() {
            "" => Ok(String::new()),
            p => Phone::parse(p, country)
                .map(|p| p.to_string())
                .map_err(|e| e.to_string()),
        },
    );
    let closing_time = alert_settings::parse_closing_time(&f.closing_time)
        .map_err(|e| errors.0.push(("closing_time", e)))
        .unwrap_or_default();
    if !errors.0.is_empty() {
        return Err(errors);
    }
    let print = PrintSettings {
        paper,
        gstin,
        auto_kot: f.auto_kot.is_some(),
        printer,
    };
    Ok((
        print,
        AlertSettings {
            owner_phone,
            closing_time,
        },
    ))
}

pub async fn update(
    State(state): State<AppState>,
    shop: ShopPage,
    Form(f): Form<PrintingForm>,
) -> AppResult<Response> {
    shop.require_settings()?;
    let (print, alerts) = match parse(&f, &shop.business.country_code) {
        Ok(s) => s,
        Err(errors) => {
            let page = render(&shop, &f, &errors, None);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let id = shop.business.id;
    let who = crate::audit::Actor::new(shop.user.username.clone(), &shop.address);
    state
        .db
        .write(move |tx| {
            let before = form_of(&printing::load(tx, id)?, &alert_settings::load(tx, id)?);
            printing::save(tx, id, &print)?;
            alert_settings::save(tx, id, &alerts)?;
            let what = changes(&before, &form_of(&print, &alerts));
            if !what.is_empty() {
                crate::audit::record(tx, &who, Some(id), crate::audit::SETTINGS, &what)?;
            }
            Ok::<_, crate::error::AppError>(())
        })
        .await?;
    Ok(Redirect::to(&shop.url(&format!("{PATH}?saved=1"))).into_response())
}

/// What a save changed, in words for the audit log (nothing here is a secret).
fn changes(old: &PrintingForm, new: &PrintingForm) -> String {
    let kot = |f: &PrintingForm| if f.auto_kot.is_some() { "on" } else { "off" };
    crate::audit::changes(&[
        ("paper", &old.paper, &new.paper),
        ("GSTIN", &old.gstin, &new.gstin),
        ("automatic KOT", kot(old), kot(new)),
        ("printer", &old.printer, &new.printer),
        ("owner's number", &old.owner_phone, &new.owner_phone),
        ("closing time", &old.closing_time, &new.closing_time),
    ])
}

/// `POST /b/{code}/settings/printing/test`: a short ticket to the saved printer.
pub async fn test_print(State(state): State<AppState>, shop: ShopPage) -> AppResult<Response> {
    shop.require_settings()?;
    let id = shop.business.id;
    let (p, a) = state
        .db
        .read(move |c| Ok((printing::load(c, id)?, alert_settings::load(c, id)?)))
        .await?;
    let lines = vec![
        ticket::Line {
            text: shop.business.name.clone(),
            large: true,
        },
        ticket::Line {
            text: "Test print from Novi: this printer works.".into(),
            large: false,
        },
    ];
    let outcome = if p.printer.is_empty() {
        Err("no network printer is set: enter its address and save first".to_owned())
    } else {
        escpos::send(&p.printer, &escpos::bytes(&lines), escpos::TIMEOUT).await
    };
    let form = form_of(&p, &a);
    Ok(match outcome {
        Ok(()) => render(
            &shop,
            &form,
            &Errors::default(),
            Some("The test ticket went to the printer."),
        )
        .into_response(),
        Err(e) => {
            let errors = Errors(vec![("test", e)]);
            (StatusCode::BAD_GATEWAY, render(&shop, &form, &errors, None)).into_response()
        }
    })
}
