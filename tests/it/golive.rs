//! Settings → WhatsApp → "Go live": the full webhook URL, the test message and its light
//! (through the fake Graph API), the shop's wa.me link, and a refused form kept as typed.

use std::time::{Duration, Instant};

use crate::phone::{find, log_in_to, open};
use crate::support::bridge::cloud_shop;
use crate::support::chrome::{console_errors, Chrome, PATIENCE};
use fantoccini::Locator;
use novi::accounts::Role;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_message_button_reaches_whatsapp_and_lights_up() {
    let shop = cloud_shop("sharma").await;
    shop.app.user(&shop.b, "asha", Role::Owner);
    Chrome::run(move |client| async move {
        let app = &shop.app;
        log_in_to(&client, app, "asha", "Dashboard").await;
        open(&client, app, "/b/sharma/settings/whatsapp").await;
        let webhook = client
            .find(Locator::Css("details.way[open] input[readonly]"))
            .await
            .expect("the Cloud API's webhook URL")
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            webhook.as_deref(),
            Some(app.url("/webhooks/whatsapp/sharma").as_str())
        );

        let to = find(&client, "//input[@name='to']").await;
        to.clear().await.unwrap();
        to.send_keys("98765 43210").await.unwrap();
        find(&client, "//button[normalize-space()='Send a test message']")
            .await
            .click()
            .await
            .unwrap();
        find(
            &client,
            "//p[contains(@class,'light ok') and contains(., 'Connected')]",
        )
        .await;
        let deadline = Instant::now() + PATIENCE;
        while shop.graph.texts_to("919876543210").is_empty() {
            assert!(
                Instant::now() < deadline,
                "the test message never reached the Graph API"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let sent = shop.graph.texts_to("919876543210");
        assert!(
            sent[0].starts_with("Test message from Novi for Shop sharma"),
            "{sent:?}"
        );
        assert!(console_errors(&client).await.is_empty());
        shop.app.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_refused_setting_is_shown_as_typed() {
    let shop = cloud_shop("sharma").await;
    let mut owner = shop.app.owner(&shop.b, "asha").await;
    // The simulator was saved; the owner picks the gateway and types a bad rate.
    let typed = [
        ("provider", "gateway"),
        ("gateway_url", "https://gw.example.com"),
        ("session", "counter"),
        ("template_name", "order_update"),
        ("rate_per_second", "fast"),
    ];
    let (status, page, _) = owner.post("/b/sharma/settings/whatsapp", &typed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("messages a second must be a whole number"),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="gateway" selected>"#),
        "{page}"
    );
    assert!(page.contains(r#"value="https://gw.example.com""#));
    assert!(page.contains(r#"value="counter""#) && page.contains(r#"value="order_update""#));
    shop.app.stop().await;
}

#[tokio::test]
async fn the_shops_number_gets_a_wa_me_link_and_a_qr_code() {
    let shop = cloud_shop("sharma").await;
    let mut owner = shop.app.owner(&shop.b, "asha").await;
    let (_, page) = owner.get("/b/sharma/settings/whatsapp").await;
    assert!(page.contains("Add the shop's WhatsApp number"), "{page}");
    let profile = [
        ("name", "Shop sharma"),
        ("address", ""),
        ("phone", "98123 45678"),
        ("currency", "INR"),
        ("delivery_fee", "0"),
    ];
    let (status, body, _) = owner.post("/b/sharma/settings/profile", &profile).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, page) = owner.get("/b/sharma/settings/whatsapp").await;
    assert!(
        page.contains(r#"value="https://wa.me/919812345678""#),
        "{page}"
    );
    assert!(page.contains("+91 98123 45678") && page.contains("<svg"));
    shop.app.stop().await;
}
