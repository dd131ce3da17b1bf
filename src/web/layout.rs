//! The page shell and the small pieces every page is built from.

use maud::{html, Markup, DOCTYPE};

use super::assets;
use crate::web::{csrf, extract::ShopPage};
use crate::whatsapp::settings::mask;

/// The sections in the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Orders,
    Products,
    Customers,
    Conversations,
    Settings,
    /// The phone's "More" page: what the bottom tab bar has no room for.
    More,
}

impl Nav {
    const ALL: [Nav; 6] = [
        Nav::Dashboard,
        Nav::Orders,
        Nav::Products,
        Nav::Customers,
        Nav::Conversations,
        Nav::Settings,
    ];

    fn label(self) -> &'static str {
        match self {
            Nav::Dashboard => "Dashboard",
            Nav::Orders => "Orders",
            Nav::Products => "Products",
            Nav::Customers => "Customers",
            Nav::Conversations => "Conversations",
            Nav::Settings => "Settings",
            Nav::More => "More",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Nav::Dashboard => "/",
            Nav::Orders => "/orders",
            Nav::Products => "/products",
            Nav::Customers => "/customers",
            Nav::Conversations => "/conversations",
            Nav::Settings => "/settings",
            Nav::More => "/more",
        }
    }

    /// The bottom tab bar on a phone: what is used at the counter most, then More for the rest.
    const TABS: [Nav; 5] = [
        Nav::Orders,
        Nav::Conversations,
        Nav::Products,
        Nav::Dashboard,
        Nav::More,
    ];

    /// The tab that is current on this section's pages: sections without a tab live under More.
    fn tab(self) -> Nav {
        match self {
            Nav::Customers | Nav::Settings => Nav::More,
            other => other,
        }
    }

    /// A tab's name, short enough for a fifth of a phone's width.
    fn tab_label(self) -> &'static str {
        match self {
            Nav::Conversations => "Chats",
            other => other.label(),
        }
    }
}

/// The start of every page's `<head>`: the charset, a phone's viewport, "what · whose" as the
/// title, and the icon; what follows (style sheets, scripts) is each kind of page's own.
pub(crate) fn head_start(title: &str, whose: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) " · " (whose) }
        link rel="icon" href=(assets::url("favicon.svg")) type="image/svg+xml";
    }
}

pub(crate) fn head(title: &str) -> Markup {
    html! {
        head {
            (head_start(title, "Novi"))
            link rel="stylesheet" href=(assets::url("style.css"));
            script src=(assets::url("app.js")) defer {}
        }
    }
}

/// A page inside a business: navigation, business name, the user, and log out.
pub fn page(shop: &ShopPage, nav: Nav, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body data-live-events=(shop.url("/live")) data-chime=(assets::url("chime.wav")) {
                @if let Some(reason) = &shop.whatsapp_paused {
                    div.banner role="alert" {
                        strong { "WhatsApp sending is paused. " } (reason)
                        @if shop.role.can_manage_settings() { " " a href=(shop.url("/settings/whatsapp")) { "Fix it in Settings" } }
                    }
                }
                @if shop.whatsapp_unlinked {
                    div.banner role="alert" {
                        strong { "WhatsApp was unlinked from the phone — link again." }
                        @if shop.role.can_manage_settings() { " " a href=(shop.url("/settings/whatsapp")) { "Link it in Settings" } }
                    }
                }
                @if let Some(b) = shop.backup.as_ref().filter(|b| b.overdue) {
                    div.banner role="alert" {
                        strong { "Backups are overdue. " } (backup_age(b))
                        " Run " code { "novi backup" } " and check " code { "novi doctor" } "."
                    }
                }
                header.topbar {
                    a.brand href=(shop.url("/")) { (shop.business.name) }
                    @if shop.user.platform_admin { (switcher(shop)) }
                    nav.mainnav aria-label="Sections" {
                        @for item in Nav::ALL {
                            @if item != Nav::Settings || shop.role.can_manage_settings() {
                                a href=(shop.url(item.path()))
                                  aria-current=[(item == nav).then_some("page")] { (item.label()) }
                            }
                        }
                    }
                    div.who {
                        span.user { (shop.user.username) " · " (shop.role) }
                        form method="post" action="/logout" {
                            (csrf_field(&shop.csrf))
                            button.link type="submit" { "Log out" }
                        }
                    }
                }
                main { h1 { (title) } (content) }
                // What changes live (a new message) is said here for screen readers.
                div #announcer .visually-hidden role="status" aria-live="polite" aria-atomic="true" {}
                @if let Some(b) = &shop.backup {
                    footer.backup-age { (backup_age(b)) }
                }
                (tab_bar(shop, nav))
            }
        }
    }
}

/// The switch for the chime that plays when an order arrives. Browsers play sound only after
/// a click on the page, so the owner turns it on; the choice is remembered in this browser.
/// Hidden until the script shows it: without the script there is no sound to switch.
pub fn sound_switch() -> Markup {
    html! {
        button.secondary.sound type="button" data-sound-switch aria-pressed="false" hidden { "Sound off" }
    }
}

/// The bottom tab bar, shown instead of the top bar's links on a narrow screen (see style.css).
fn tab_bar(shop: &ShopPage, nav: Nav) -> Markup {
    html! {
        nav.tabbar aria-label="Sections" {
            @for tab in Nav::TABS {
                a href=(shop.url(tab.path())) aria-current=[(tab == nav.tab()).then_some("page")] {
                    (tab.tab_label())
                }
            }
        }
    }
}

/// "Last good backup: 5 h ago." or "No backup yet.", for owners and platform admins.
pub fn backup_age(status: &crate::backup::schedule::Status) -> String {
    match status.last {
        Some(t) => {
            let secs = (chrono::Utc::now() - t).num_seconds();
            format!("Last good backup: {} ago.", super::format::age(secs))
        }
        None => "No backup yet.".to_owned(),
    }
}

/// A platform admin's way to jump between businesses, without script.
fn switcher(shop: &ShopPage) -> Markup {
    html! {
        details.switcher {
            summary { "Switch business" }
            ul {
                li { a href="/admin" { "All businesses" } }
                @for (code, name) in &shop.switcher {
                    li { a href={ "/b/" (code) "/" } { (name) " (" (code) ")" } }
                }
            }
        }
    }
}

/// A page outside any business: login, setup, errors.
pub fn bare(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main.narrow {
                    p.logo { "Novi" }
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// Where an error page sends the person who met it: a shop's customers back to its storefront
/// (the start page would ask them to log in as staff), everyone else to the start page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Home {
    Start,
    Shop(String),
}

tokio::task_local! {
    /// The [`Home`] of the request being answered, set around every request (`error::styled`).
    pub static HOME: Home;
}

impl Home {
    /// The home of a request for `path`: `/s/{code}/…` and `/track/{code}` are a shop's.
    pub fn of(path: &str) -> Home {
        let mut parts = path.trim_start_matches('/').split('/');
        match (parts.next(), parts.next()) {
            (Some("s" | "track"), Some(code)) if !code.is_empty() => Home::Shop(code.to_owned()),
            _ => Home::Start,
        }
    }
}

pub fn error_page(title: &str, message: &str) -> Markup {
    let home = HOME.try_with(Home::clone).unwrap_or(Home::Start);
    bare(
        title,
        html! {
            p { (message) }
            @match home {
                Home::Shop(code) => p { a.go href={ "/s/" (code) } { "Back to the shop" } },
                Home::Start => p { a href="/" { "Go to the start page" } },
            }
        },
    )
}

pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(csrf::FIELD) value=(token); }
}

/// A form's error message, shown above its fields.
pub fn error_box(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.error role="alert" { (m) } }
    }
}

pub fn notice(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message { p.notice role="status" { (m) } }
    }
}

/// A labelled input.
pub fn field(label: &str, name: &str, kind: &str, value: &str, required: bool) -> Markup {
    if kind == LINES {
        return field_with_error(label, name, kind, value, None);
    }
    html! {
        label {
            span { (label) }
            input type=(kind) name=(name) value=(value) required[required]
                  autocomplete=(autocomplete(name, kind));
        }
    }
}

/// The input kind of an amount of money, for [`field_with_error`].
pub const MONEY: &str = "money";

/// The input kind of text that may have lines (an address): a box of two lines. A one-line
/// input would drop the line breaks of an address that came with them (through the API) and
/// run its words together on the next save.
pub const LINES: &str = "lines";

/// A labelled input with what is wrong with it, if anything, right below it.
pub fn field_with_error(
    label: &str,
    name: &str,
    kind: &str,
    value: &str,
    error: Option<&str>,
) -> Markup {
    let error_id = format!("{name}-error");
    // "money": typed as text ("1,200.50" reads), with a phone's number keyboard.
    let (kind, mode) = match kind {
        MONEY => ("text", Some("decimal")),
        other => (other, None),
    };
    html! {
        label {
            span { (label) }
            @if kind == LINES {
                textarea name=(name) rows="2" autocomplete="off"
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| error_id.as_str())] { (value) }
            } @else {
                input type=(kind) name=(name) value=(value) autocomplete="off" inputmode=[mode]
                      aria-invalid=[error.map(|_| "true")]
                      aria-describedby=[error.map(|_| error_id.as_str())];
            }
            @if let Some(m) = error { small.field-error id=(error_id) { (m) } }
        }
    }
}

/// A secret's input: always empty (a secret is never sent back to the browser), the saved one
/// masked as its placeholder, and what is wrong with it, if anything, right below it.
pub fn secret_field(label: &str, name: &str, saved: &str, error: Option<&str>) -> Markup {
    let error_id = format!("{name}-error");
    html! {
        label {
            span { (label) }
            input type="password" name=(name) value="" autocomplete="off" placeholder=(mask(saved))
                  aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
            @if let Some(m) = error { small.field-error id=(error_id) { (m) } }
        }
    }
}

fn autocomplete(name: &str, kind: &str) -> &'static str {
    match (name, kind) {
        ("username", _) => "username",
        ("password", _) => "current-password",
        (_, "password") => "new-password",
        _ => "off",
    }
}
