//! Chats as the owner reads them, like WhatsApp: the customer's name and a readable number,
//! Novi's replies told from staff's, WhatsApp's `*bold*` and friends drawn without letting
//! HTML through, and one divider per day of the shop's clock. The simulator sends without
//! reloading and shows every answer.

use std::time::{Duration, Instant};

use crate::phone::{find, log_in_to, open};
use crate::support::chrome::{console_errors, set_viewport, Chrome, PATIENCE};
use crate::support::Browser;
use crate::support::TestApp;
use novi::accounts::businesses::Business;
use novi::accounts::Role;
use novi::whatsapp::threads;
use reqwest::StatusCode;
use serde_json::json;

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

/// What the simulator's thread shows and what is stored, at one moment.
#[derive(Debug, PartialEq)]
struct Seen {
    mine: usize,
    theirs: usize,
}

async fn shown(client: &fantoccini::Client) -> Seen {
    let script = "const t = document.querySelector('.thread'); \
                  return [t.querySelectorAll('.bubble.mine').length, t.querySelectorAll('.bubble.theirs').length];";
    let v = client.execute(script, vec![]).await.expect("count bubbles");
    let n = |i: usize| v[i].as_u64().unwrap_or_default() as usize;
    Seen {
        mine: n(0),
        theirs: n(1),
    }
}

/// What is stored: the customer's messages, and Novi's once the newest message is its answer.
fn stored(app: &TestApp, shop: &Business) -> Option<Seen> {
    let m = app
        .db
        .with_conn(|c| threads::messages(c, shop.id, "919812345678", 200))
        .ok()?;
    (m.last()?.direction == "out").then(|| Seen {
        mine: m.iter().filter(|m| m.direction == "in").count(),
        theirs: m.iter().filter(|m| m.direction == "out").count(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_sends_twenty_messages_without_reloading_and_shows_every_answer() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        set_viewport(&client, 360, 740).await;
        open(&client, &app, "/b/sharma/simulator?phone=9812345678&name=Meera").await;
        // A page that reloads loses this.
        client.execute("window.stayed = true;", vec![]).await.unwrap();
        for i in 1..=20 {
            let text = format!("{i} samosa");
            let box_ = find(&client, "//form[@data-send-inline]//textarea").await;
            box_.send_keys(&text).await.expect("type");
            find(&client, "//form[@data-send-inline]//button").await.click().await.expect("send");
            let deadline = Instant::now() + PATIENCE;
            loop {
                let now = shown(&client).await;
                if now.mine == i && stored(&app, &shop).as_ref() == Some(&now) {
                    break;
                }
                assert!(Instant::now() < deadline, "message {i}: shown {now:?}, stored {:?}", stored(&app, &shop));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let script = "const f = document.querySelector('form[data-send-inline]'), r = f.getBoundingClientRect(); \
                      return [window.stayed === true, f.querySelector('textarea').value, r.top >= 0 && r.bottom <= window.innerHeight];";
        let after = client.execute(script, vec![]).await.unwrap();
        assert_eq!(after, json!([true, "", true]), "no reload, an empty box, the box in view");
        // A screen reader hears the newest answer from the page's status region.
        let script = "const said = document.querySelectorAll('.thread .bubble.theirs'); \
                      const last = said[said.length - 1].innerText.replace(/\\s+/g, ' ').trim().slice(0, 200); \
                      return [document.getElementById('announcer').textContent, 'New message: ' + last];";
        let heard = client.execute(script, vec![]).await.unwrap();
        assert_eq!(heard[0], heard[1], "the newest answer is announced");
        assert!(console_errors(&client).await.is_empty());
        app.stop().await;
    })
    .await;
}

/// A number the simulator cannot read is shown wrong right below its field, in view, on a
/// phone and on a desktop; the message box takes no more than a message may hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_shows_a_wrong_number_below_its_field_and_caps_the_message() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        // The error's text, whether it sits right below the number's box and in view, and
        // whether the box points a screen reader to it.
        let script = "const i = document.querySelector('input[name=phone]'), e = document.getElementById('phone-error');                       const a = i.getBoundingClientRect(), b = e.getBoundingClientRect();                       return [e.textContent, b.top >= a.bottom && b.top - a.bottom < 40 && b.bottom <= window.innerHeight,                               i.getAttribute('aria-describedby')];";
        for (width, height) in [(360, 740), (1280, 900)] {
            set_viewport(&client, width, height).await;
            open(&client, &app, "/b/sharma/simulator?phone=98&name=Meera").await;
            let seen = client.execute(script, vec![]).await.unwrap();
            assert!(seen[0].as_str().unwrap().contains("10 digits"), "{width} px: {seen}");
            assert_eq!(seen[1], json!(true), "{width} px: below the field, in view: {seen}");
            assert_eq!(seen[2], json!("phone-error"));
        }
        open(&client, &app, "/b/sharma/simulator?phone=9812345678&name=Meera").await;
        let box_ = find(&client, "//form[@data-send-inline]//textarea").await;
        box_.send_keys(&"a".repeat(4100)).await.expect("type");
        let typed = client
            .execute("return document.querySelector('form[data-send-inline] textarea').value.length;", vec![])
            .await
            .unwrap();
        assert_eq!(typed, json!(4096), "the box stops at a message's limit");
        // A message refused all the same (sent without the page's script) comes back with what
        // is wrong on a line of its own below the box, on a desktop as on a phone.
        for (width, height) in [(1280, 900), (360, 740)] {
            set_viewport(&client, width, height).await;
            open(&client, &app, "/b/sharma/simulator?phone=9812345678&name=Meera").await;
            let send = "const f = document.querySelector('form[data-send-inline]'); \
                        f.querySelector('textarea').value = ' '; f.removeAttribute('data-send-inline'); f.submit();";
            client.execute(send, vec![]).await.unwrap();
            find(&client, "//small[@id='text-error']").await;
            let script = "const b = document.querySelector('form.reply textarea').getBoundingClientRect(); \
                          const e = document.getElementById('text-error').getBoundingClientRect(); \
                          return [e.top >= b.bottom, b.width];";
            let seen = client.execute(script, vec![]).await.unwrap();
            assert_eq!(seen[0], json!(true), "{width} px: below the box: {seen}");
            let box_width = seen[1].as_f64().unwrap();
            assert!(box_width > 250.0, "{width} px: the box keeps its width: {seen}");
        }
        // The browser logs each refused page's status; nothing else may go wrong.
        let errors = console_errors(&client).await;
        assert!(errors.iter().all(|e| e.contains("status of 422")), "{errors:?}");
        app.stop().await;
    })
    .await;
}

/// Novi's reply to an order is its whole summary, many lines long. In the chat list it takes
/// two lines at most, clipped, on a phone and on a desktop: more chats fit on the screen, and
/// the whole reply is a tap away. The customer's number beside it is never broken in two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_reply_takes_two_lines_of_the_chat_list() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    let mut owner = app.owner(&shop, "asha").await;
    meera_writes(&app, &shop, &mut owner, "2 kg kaju katli, 12 MG Road").await;
    app.user(&shop, "ravi", Role::Owner);
    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "ravi", "Dashboard").await;
        // The snippet's height in lines, whether its text runs past them, and the text; and
        // the lines the customer's number takes.
        let script = "const s = document.querySelector('table.conversations td.last .snippet'); \
                      const line = parseFloat(getComputedStyle(s).lineHeight); \
                      const tel = document.querySelector('table.conversations td.who .tel'); \
                      return [Math.round(s.getBoundingClientRect().height / line), s.scrollHeight > s.clientHeight + 1, s.textContent, \
                              tel.getClientRects().length];";
        for (width, height) in [(360, 740), (1280, 900)] {
            set_viewport(&client, width, height).await;
            open(&client, &app, "/b/sharma/conversations").await;
            let seen = client.execute(script, vec![]).await.unwrap();
            assert!(seen[0].as_f64().unwrap() <= 2.0, "{width} px: {seen}");
            let text = seen[2].as_str().unwrap();
            assert!(text.contains("Total") && text.contains("MG Road"), "{text}");
            if width == 360 {
                assert_eq!(seen[1], json!(true), "clipped on a phone: {seen}");
            }
            assert_eq!(seen[3], json!(1), "{width} px: the number on one line: {seen}");
        }
        assert!(console_errors(&client).await.is_empty());
        app.stop().await;
    })
    .await;
}
