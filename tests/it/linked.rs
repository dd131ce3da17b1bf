//! The linked provider, Novi's side: a real server and SQLite file, with the shop's phone
//! replaced at the seam by the fake client, which emits the `whatsapp-rust` crate's own events
//! and records what is sent. Linking by QR, a whole order over a linked phone with its ticks,
//! messages from the phone itself, unlinking on the phone, restarts, and two shops at once.

use novi::accounts::businesses::Business;
use novi::whatsapp::linked::fake::{FakeClient, FakeConnector, LINKED_NUMBER};
use novi::whatsapp::linked::state::{self, State};
use novi::whatsapp::threads;
use reqwest::StatusCode;
use std::sync::Arc;

use crate::support::bridge::CUSTOMER as ASHA;
use crate::support::{Browser, TestApp, WAIT};

/// Reads a QR code drawn as the `qrcode` crate's SVG (dark modules as `M{x} {y}h{w}v{h}H…`
/// rectangles in one path) back to its text, through a QR reader that knows nothing of it.
fn decode_svg_qr(html: &str) -> String {
    let svg = &html[html.find("<svg").expect("an SVG on the page")..];
    let svg = &svg[..svg.find("</svg>").expect("the SVG ends")];
    let size: usize = attr(svg, "width").parse().expect("width");
    let mut dark = vec![false; size * size];
    let d = svg.rsplit("d=\"").next().expect("a path");
    for rect in d.split('M').skip(1) {
        let n: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        let (x, y, w, h) = (n[0], n[1], n[2], n[3]);
        for row in y..(y + h).min(size) {
            for col in x..(x + w).min(size) {
                dark[row * size + col] = true;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        if dark[y * size + x] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().expect("the QR code reads").1
}

fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let start = tag.find(&key).expect(name) + key.len();
    &tag[start..start + tag[start..].find('"').unwrap()]
}

/// Sharma Sweets with the sweet shop's catalog, its owner logged in, on a server whose linked
/// businesses connect through `fake`.
pub(crate) struct Linked {
    pub(crate) app: TestApp,
    pub(crate) b: Business,
    pub(crate) owner: Browser,
    pub(crate) fake: FakeConnector,
}

pub(crate) async fn linked_app() -> Linked {
    let fake = FakeConnector::new();
    let dir = tempfile::tempdir().unwrap();
    let db = novi::db::Db::open(dir.path()).unwrap();
    let app = TestApp::start_linked(dir, db, &fake).await;
    let b = app.sharma_sweets("sweets");
    app.import_catalog(&b);
    let owner = app.owner(&b, "owner").await;
    Linked {
        app,
        b,
        owner,
        fake,
    }
}

impl Linked {
    /// The owner clicks "Link this shop's WhatsApp"; returns the fake phone's client.
    pub(crate) async fn start_linking(&mut self) -> Arc<FakeClient> {
        self.owner
            .get(&format!("/b/{}/settings/whatsapp", self.b.short_code))
            .await;
        let (status, _, _) = self
            .owner
            .post(
                &format!("/b/{}/settings/whatsapp/link", self.b.short_code),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let client = self.fake.client(self.b.id).await;
        client
            .wait_for("a QR code", WAIT, |c| !c.qr_codes().is_empty())
            .await;
        let first = client.qr_codes()[0].clone();
        self.wait_view(|v| v.qr.as_deref() == Some(first.as_str()))
            .await;
        client
    }

    /// Waits until what linking shows satisfies `check`.
    async fn wait_view(&self, check: impl Fn(&novi::whatsapp::linked::View) -> bool) {
        let linked = &self.app.state.bridge.linked;
        let mut changed = linked.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        while !check(&linked.view(self.b.id)) {
            let wait = tokio::time::timeout_at(deadline, changed.changed()).await;
            assert!(wait.is_ok(), "timed out waiting for the linking view");
        }
    }

    /// Links by QR and waits until the link is stored as connected.
    pub(crate) async fn link(&mut self) -> Arc<FakeClient> {
        let client = self.start_linking().await;
        client.scan();
        self.wait_state(State::Connected).await;
        client
    }

    async fn wait_state(&self, want: State) {
        wait_state(&self.app, &self.b, want).await;
    }

    fn sent_to(&self, client: &FakeClient, who: &str) -> Vec<String> {
        let _ = self;
        client
            .sent()
            .into_iter()
            .filter(|s| s.to == who)
            .map(|s| s.text)
            .collect()
    }
}

async fn wait_state(app: &TestApp, b: &Business, want: State) {
    wait_link(app, b, &format!("{want:?}"), |l| l.state == want).await;
}

/// Waits until the business's stored link satisfies `check`, re-reading at each change.
pub(crate) async fn wait_link(
    app: &TestApp,
    b: &Business,
    what: &str,
    mut check: impl FnMut(&state::Link) -> bool,
) {
    let mut changed = app.state.bridge.linked.shared.changed.subscribe();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let id = b.id;
        let now = app.db.with_conn(|c| state::load(c, id)).unwrap();
        if check(&now) {
            return;
        }
        let wait = tokio::time::timeout_at(deadline, changed.changed()).await;
        assert!(
            wait.is_ok(),
            "timed out waiting for {what}; link is {now:?}"
        );
    }
}

/// Waits until Novi has sent `n` messages to `who` through `client`; returns them all.
pub(crate) async fn replies(client: &FakeClient, who: &str, n: usize) -> Vec<String> {
    let what = format!("{n} messages to {who}");
    client
        .wait_for(&what, WAIT, |c| {
            c.sent().iter().filter(|s| s.to == who).count() >= n
        })
        .await;
    client
        .sent()
        .into_iter()
        .filter(|s| s.to == who)
        .map(|s| s.text)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_qr_code_on_the_settings_page_is_the_one_whatsapp_sent_and_follows_its_rotation() {
    let mut s = linked_app().await;
    let client = s.start_linking().await;
    let code = s.b.short_code.clone();
    let (status, page) = s.owner.get(&format!("/b/{code}/settings/whatsapp")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decode_svg_qr(&page), client.qr_codes()[0]);
    for step in ["Linked devices", "Link a device", "Get a pairing code"] {
        assert!(page.contains(step), "{step}");
    }
    // WhatsApp rotates the code: the fragment the page polls carries the new one.
    let next = client.rotate_qr();
    let poll = format!("/b/{code}/settings/whatsapp/link/qr");
    assert!(page.contains(&format!("data-poll=\"{poll}\"")));
    s.wait_view(|v| v.qr.as_deref() == Some(next.as_str()))
        .await;
    let fragment = s.owner.get(&poll).await.1;
    assert_eq!(decode_svg_qr(&fragment), next);
    // A pairing code for the phone number instead of scanning.
    let (status, _, _) = s
        .owner
        .post(
            &format!("/b/{code}/settings/whatsapp/link/phone"),
            &[("phone", "98000 00001")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let fragment = s.owner.get(&poll).await.1;
    assert!(fragment.contains("ABCD1234"), "{fragment}");
    // Once scanned, the page shows the number, its name, since when, and Unlink.
    client.scan();
    s.wait_state(State::Connected).await;
    assert!(s.owner.get(&poll).await.1.contains("data-done"));
    let page = s.owner.get(&format!("/b/{code}/settings/whatsapp")).await.1;
    let number = format!("+{LINKED_NUMBER}");
    for part in [
        number.as_str(),
        "Sharma Sweets",
        "Connected since",
        "Unlink",
    ] {
        assert!(page.contains(part), "{part}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_orders_over_the_linked_phone_confirms_with_1_and_the_ticks_move() {
    let mut s = linked_app().await;
    let client = s.link().await;
    assert!(
        client
            .customer_says(ASHA, "A1", "1 kg jalebi, deliver to 12 MG Road")
            .await
    );
    let summary = replies(&client, ASHA, 1).await.remove(0);
    assert!(summary.contains("Jalebi 1 kg"), "{summary}");
    assert!(
        summary.contains("1 – Confirm\n2 – Change\n3 – Cancel"),
        "{summary}"
    );
    assert!(client.customer_says(ASHA, "A2", "1").await);
    let got = replies(&client, ASHA, 2).await;
    assert!(
        got[1].contains("#1"),
        "the confirmation names the order: {}",
        got[1]
    );
    let id = s.b.id;
    let order = s
        .app
        .db
        .with_conn(|c| novi::orders::store::by_number(c, id, 1))
        .unwrap();
    assert!(order.is_some(), "order #1 was taken");
    // The customer's phone reports both replies delivered, then read: the ticks follow.
    let ids: Vec<String> = client.sent().into_iter().map(|m| m.id).collect();
    client.receipt(ASHA, &ids, false);
    client.receipt(ASHA, &ids, true);
    s.app
        .wait_until("both replies read", |db| {
            let msgs = db.with_conn(|c| threads::messages(c, id, ASHA, 50)).ok()?;
            let out: Vec<_> = msgs.iter().filter(|m| m.direction == "out").collect();
            (out.len() == 2 && out.iter().all(|m| m.status == "read")).then_some(())
        })
        .await;
    // A message WhatsApp delivers twice is stored once and answered once.
    assert!(client.customer_says(ASHA, "A2", "1").await);
    let msgs = s
        .app
        .db
        .with_conn(|c| threads::messages(c, id, ASHA, 50))
        .unwrap();
    assert_eq!(msgs.iter().filter(|m| m.direction == "in").count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_from_the_phone_are_kept_as_staff_replies_and_never_answered() {
    let mut s = linked_app().await;
    let client = s.link().await;
    assert!(
        client
            .phone_sends(ASHA, "P1", "Namaste Asha ji, your sweets are ready")
            .await
    );
    assert!(
        client
            .phone_sends(ASHA, "P1", "Namaste Asha ji, your sweets are ready")
            .await
    );
    let id = s.b.id;
    let msgs = s
        .app
        .db
        .with_conn(|c| threads::messages(c, id, ASHA, 50))
        .unwrap();
    assert_eq!(msgs.len(), 1, "stored once");
    assert_eq!(
        (msgs[0].direction.as_str(), msgs[0].status.as_str()),
        ("out", "sent")
    );
    assert!(msgs[0].text.contains("your sweets are ready"));
    // A customer's message after it is answered; the phone's own was not.
    assert!(client.customer_says(ASHA, "A1", "hello").await);
    replies(&client, ASHA, 1).await;
    assert_eq!(s.sent_to(&client, ASHA).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinked_from_the_phone_shows_a_banner_everywhere_and_ready_says_so() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let code = s.b.short_code.clone();
    let ready: serde_json::Value = reqwest::get(s.app.url("/ready"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["whatsapp_linked"][0]["state"], "connected");
    client.unlinked_on_phone();
    s.wait_state(State::LoggedOut).await;
    for page in ["/", "/orders", "/settings/whatsapp"] {
        let body = s.owner.get(&format!("/b/{code}{page}")).await.1;
        assert!(
            body.contains("WhatsApp was unlinked from the phone — link again"),
            "{page}"
        );
    }
    let res = reqwest::get(s.app.url("/ready")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ready: serde_json::Value = res.json().await.unwrap();
    assert_eq!(ready["whatsapp_linked"][0]["business"], "sweets");
    assert_eq!(ready["whatsapp_linked"][0]["state"], "logged_out");
    // The session is forgotten: linking again shows a new QR code.
    let session = s
        .app
        .dir
        .path()
        .join("whatsapp")
        .join(format!("business-{}.db", s.b.id));
    assert!(!session.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_the_session_and_needs_no_new_qr_code() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let qr_before = client.qr_codes().len();
    let (b, fake) = (s.b.clone(), s.fake.clone());
    let (dir, db) = s.app.stop_keeping_data().await;
    let app = TestApp::start_linked(dir, db, &fake).await;
    // The restarted server made a new client for the shop, over the same session file.
    let after = fake.client_number(b.id, 2).await;
    after
        .wait_for("a connection", WAIT, |c| c.connects() == 1)
        .await;
    wait_state(&app, &b, State::Connected).await;
    assert!(after.qr_codes().is_empty(), "no new QR code");
    assert_eq!(client.qr_codes().len(), qr_before);
    assert!(after.customer_says(ASHA, "R1", "hello").await);
    replies(&after, ASHA, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_linked_shops_one_offline_the_other_unaffected() {
    let mut s = linked_app().await;
    let first = s.link().await;
    let other = s.app.sharma_sweets("other");
    s.app.import_catalog(&other);
    let mut second = Linked {
        owner: s.app.owner(&other, "other-owner").await,
        b: other.clone(),
        fake: s.fake.clone(),
        app: s.app,
    };
    let client2 = second.link().await;
    first.network_down();
    wait_link(&second.app, &s.b, "connecting, with its next try", |l| {
        l.state == State::Connecting && l.next_retry_at.is_some()
    })
    .await;
    // The other shop goes on answering.
    assert!(
        client2
            .customer_says(ASHA, "B1", "1 kg jalebi, deliver to 12 MG Road")
            .await
    );
    let summary = replies(&client2, ASHA, 1).await.remove(0);
    assert!(summary.contains("Jalebi 1 kg"), "{summary}");
    let link2 = second
        .app
        .db
        .with_conn(|c| state::load(c, other.id))
        .unwrap();
    assert_eq!(link2.state, State::Connected);
    // The first comes back on its own once the network does.
    first.network_up();
    wait_state(&second.app, &s.b, State::Connected).await;
}

#[test]
fn the_shell_shows_link_states_and_refuses_what_it_cannot_do_in_one_line() {
    use crate::support::process::{fails, install_with_business, ok};
    let dir = install_with_business("shop");
    let d = dir.path();
    let none = ok(d, &["whatsapp", "show"], "");
    assert!(
        none.contains("No business is on the linked provider"),
        "{none}"
    );
    let configure = [
        "whatsapp",
        "configure",
        "--business",
        "shop",
        "--provider",
        "linked",
    ];
    ok(d, &configure, "");
    assert_eq!(ok(d, &["whatsapp", "show"], ""), "shop: not_linked\n");
    let one = ok(d, &["whatsapp", "show", "--business", "shop"], "");
    assert!(
        one.contains("provider: linked") && one.contains("link: not_linked"),
        "{one}"
    );
    let err = fails(d, &["whatsapp", "unlink", "--business", "shop"], "");
    assert!(err.contains("shop is not linked"), "{err}");
    fails(d, &["whatsapp", "link", "--business", "nope"], "");
    let err = fails(
        d,
        &["whatsapp", "link", "--business", "shop", "--phone", "12"],
        "",
    );
    assert!(err.contains("--phone"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_shops_linked_phone_is_paused_and_reactivation_resumes_it() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let qr_before = client.qr_codes().len();
    let (b, fake) = (s.b.clone(), s.fake.clone());
    let mut root = s.app.logged_in(&s.app.platform_admin("root")).await;
    let page = format!("/admin/businesses/{}", b.short_code);
    root.get(&page).await;
    let (status, _, _) = root.post(&format!("{page}/deactivate"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Disconnected at once: no client left to send through.
    assert!(
        s.app.state.bridge.linked.client(b.id).is_none(),
        "the phone's connection is closed"
    );
    let (_, console) = root.get("/admin").await;
    assert!(
        console.contains("paused: the business is deactivated"),
        "{console}"
    );

    // A message queued while deactivated waits.
    let id = b.id;
    s.app
        .db
        .with_tx(|tx| {
            let content = novi::whatsapp::outbox::Content::text("Your order is on its way");
            novi::whatsapp::outbox::enqueue(tx, id, ASHA, &content, "linked")
        })
        .unwrap();
    s.app.state.bridge.wake_sender();

    let (status, _, _) = root.post(&format!("{page}/reactivate"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Reconnected over the kept session, with no new QR code, and the waiting message goes.
    let after = fake.client_number(b.id, 2).await;
    wait_state(&s.app, &b, State::Connected).await;
    assert!(after.qr_codes().is_empty(), "no new QR code");
    assert_eq!(client.qr_codes().len(), qr_before);
    let sent = replies(&after, ASHA, 1).await;
    assert_eq!(sent, ["Your order is on its way"]);
    assert!(client.sent().is_empty(), "nothing went out while paused");
}
