//! Chats as the owner reads them, like WhatsApp: the customer's name and a readable number,
//! Novi's replies told from staff's, WhatsApp's `*bold*` and friends drawn without letting
//! HTML through, and one divider per day of the shop's clock.

use crate::support::Browser;
use crate::support::TestApp;
use novi::accounts::businesses::Business;
use novi::whatsapp::threads;
use reqwest::StatusCode;

/// Meera writes through the simulator and waits for Novi's answer.
async fn meera_writes(app: &TestApp, shop: &Business, owner: &mut Browser, text: &str) {
    let say = [("phone", "9812345678"), ("name", "Meera"), ("text", text)];
    let (status, _, _) = owner.post("/b/sharma/simulator", &say).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.wait_until("Novi's answer", |db| {
        let m = db
            .with_conn(|c| threads::messages(c, shop.id, "919812345678", 50))
            .ok()?;
        (m.last()?.direction == "out").then_some(())
    })
    .await;
}

/// Sets when message `id` was written (Unix seconds).
fn written_at(app: &TestApp, id: i64, unix: i64) {
    app.db
        .with_conn(|c| {
            c.execute(
                "UPDATE messages SET created_at = ?1 WHERE id = ?2",
                [unix, id],
            )?;
            Ok(())
        })
        .expect("set the time");
}

#[tokio::test]
async fn a_chat_reads_like_whatsapp() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    meera_writes(
        &app,
        &shop,
        &mut owner,
        "*2 kg* kaju katli <b>now</b> _please_",
    )
    .await;
    let (status, _, _) = owner
        .post(
            "/b/sharma/conversations/919812345678/reply",
            &[("text", "~Sorry~ we open at *10*")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let all = app
        .db
        .with_conn(|c| threads::messages(c, shop.id, "919812345678", 50))
        .unwrap();
    // 20:00 UTC on 11 March is 01:30 on the 12th in the shop (UTC+5:30): the same shop day as
    // Novi's answers at 15:30. The staff reply comes the next day.
    let bot_replies = all
        .iter()
        .filter(|m| m.direction == "out" && !m.by_staff)
        .count();
    assert!(all.last().unwrap().by_staff && bot_replies >= 1);
    for m in &all {
        let at = match (m.direction.as_str(), m.by_staff) {
            ("in", _) => 1_773_259_200,
            (_, false) => 1_773_309_600,
            (_, true) => 1_773_374_400,
        };
        written_at(&app, m.id, at);
    }

    let (status, page) = owner.get("/b/sharma/conversations/919812345678").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<title>Chat with Meera · Novi</title>"),
        "{page}"
    );
    assert!(page.contains("+91 98123 45678"), "{page}");
    assert!(
        page.contains("<strong>2 kg</strong> kaju katli &lt;b&gt;now&lt;/b&gt; <em>please</em>")
    );
    assert!(
        !page.contains("<b>now</b>"),
        "HTML from a customer is never drawn"
    );
    assert!(page.contains("<s>Sorry</s> we open at <strong>10</strong>"));
    let dividers: Vec<&str> = page
        .split("role=\"separator\"><span>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(dividers, ["Thu 12 Mar 2026", "Fri 13 Mar 2026"]);
    let novi = "<div class=\"sender\">Novi (auto-reply)</div>";
    assert_eq!(page.matches(novi).count(), bot_replies);
    assert_eq!(page.matches("<div class=\"sender\">Staff</div>").count(), 1);

    let (_, list) = owner.get("/b/sharma/conversations").await;
    assert!(
        list.contains("Meera") && list.contains("+91 98123 45678"),
        "{list}"
    );
    app.stop().await;
}
