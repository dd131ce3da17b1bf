//! The phone's "More" page: every section the bottom tab bar has no room for, and logging out.

use maud::{html, Markup};

use crate::web::extract::ShopPage;
use crate::web::layout::{csrf_field, page, Nav};

/// The settings pages an owner reaches from More, in the order of the settings tabs.
const SETTINGS: [(&str, &str); 5] = [
    ("/settings", "Shop profile"),
    ("/settings/users", "Users"),
    ("/settings/whatsapp", "WhatsApp"),
    ("/settings/messages", "Messages to customers"),
    ("/settings/payments", "Payments"),
];

pub async fn show(shop: ShopPage) -> Markup {
    let body = html! {
        ul.menu aria-label="More sections" {
            li { a href=(shop.url("/customers")) { "Customers" } }
            li { a href=(shop.url("/drawer")) { "Today's drawer" } }
            li { a href=(shop.url("/reports")) { "Sales reports" } }
            @if shop.role.can_manage_settings() {
                @for (path, label) in SETTINGS {
                    li { a href=(shop.url(path)) { (label) } }
                }
            }
            @if shop.role == crate::accounts::Role::Owner {
                li { a href=(shop.url("/audit")) { "Audit log" } }
            }
            @if shop.user.platform_admin {
                li { a href="/admin" { "All businesses" } }
            }
        }
        p.muted { "Logged in as " (shop.user.username) " · " (shop.role) }
        form method="post" action="/logout" {
            (csrf_field(&shop.csrf))
            button.secondary type="submit" { "Log out" }
        }
    };
    page(&shop, Nav::More, "More", body)
}
