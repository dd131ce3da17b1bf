//! The pairing-code form on Settings → WhatsApp: a number that won't do, or WhatsApp giving no
//! code, shows the same page again with why beside the field and the number as typed.

use reqwest::StatusCode;

use crate::linked::linked_app;

/// The error beside the phone field, and the value the field holds.
fn beside_the_field(page: &str) -> (String, String) {
    let error = page
        .split("<small class=\"field-error\" id=\"phone-error\" role=\"alert\">")
        .nth(1)
        .and_then(|rest| rest.split("</small>").next())
        .unwrap_or_else(|| panic!("no error beside the phone field: {page}"));
    let input = page
        .split("<input type=\"tel\" name=\"phone\"")
        .nth(1)
        .expect("the phone field");
    let value = input
        .split("value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("a value");
    (error.to_owned(), value.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_code_errors_show_beside_the_number_as_typed() {
    let mut s = linked_app().await;
    s.start_linking().await;
    let path = format!("/b/{}/settings/whatsapp/link/phone", s.b.short_code);
    // Not a phone number.
    let (status, page, _) = s.owner.post(&path, &[("phone", "12")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Connect through"), "the settings page itself");
    let (error, value) = beside_the_field(&page);
    assert!(error.starts_with("That phone number won't do"), "{error}");
    assert_eq!(value, "12");
    // A number, but not the phone being linked: WhatsApp refuses it.
    let (status, page, _) = s.owner.post(&path, &[("phone", "98123 45678")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (error, value) = beside_the_field(&page);
    assert!(
        error.contains("WhatsApp gave no pairing code") && error.contains("refused"),
        "{error}"
    );
    assert_eq!(value, "98123 45678");
    // The QR code is still there to scan.
    assert!(page.contains("aria-label=\"QR code to link WhatsApp\""));
}
