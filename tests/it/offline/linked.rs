//! The same outage for the linked provider: the shop's own phone, linked and connected, drops
//! off the network for an hour of the bridge's clock while replies are queued and a customer
//! writes. Replies wait untouched, the connection task keeps trying with capped backoff on the
//! same clock, and once the phone is back every reply goes, in order, once, and what the
//! customer wrote meanwhile arrives once and is answered.

use super::{
    assert_all_waiting, count_outbox_writes, number, reply, sit_out_an_hour, wait_for_sender,
    wait_until_found_down, RAVI, TEXTS,
};
use crate::linked::wait_link;
use crate::support::bridge::CUSTOMER;
use crate::support::{TestApp, WAIT};
use novi::accounts::businesses::Business;
use novi::whatsapp::linked::fake::{FakeClient, FakeConnector};
use novi::whatsapp::linked::state::{self, State};
use novi::whatsapp::settings::{Provider, WhatsappSettings};
use std::sync::Arc;

/// Meera, who orders while the shop's phone is offline.
const MEERA: &str = "919800000003";
const MEERA_ORDER: &str = "1 kg jalebi, deliver to 12 MG Road";

/// Sharma Sweets on the linked provider, its phone linked by QR and connected.
async fn linked_shop(fake: &FakeConnector) -> (TestApp, Business, Arc<FakeClient>) {
    let dir = tempfile::tempdir().unwrap();
    let db = novi::db::Db::open(dir.path()).unwrap();
    let app = TestApp::start_linked(dir, db, fake).await;
    let b = app.sharma_sweets("sweets");
    app.import_catalog(&b);
    let mut config = WhatsappSettings::simulator();
    config.provider = Provider::Linked;
    app.save_whatsapp(&b, &config);
    app.state.bridge.linked.start(b.id, true);
    let phone = fake.client(b.id).await;
    phone
        .wait_for("a QR code", WAIT, |c| !c.qr_codes().is_empty())
        .await;
    phone.scan();
    wait_link(&app, &b, "connected", |l| l.state == State::Connected).await;
    (app, b, phone)
}

/// What Novi sent to `who` through the phone, in order.
fn texts_to(phone: &FakeClient, who: &str) -> Vec<String> {
    let sent = phone.sent().into_iter().filter(|s| s.to == who);
    sent.map(|s| s.text).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_replies_wait_out_an_hour_offline_then_all_go_in_order_once() {
    let fake = FakeConnector::new();
    let (app, b, phone) = linked_shop(&fake).await;
    let clock = app.state.bridge.clock.clone();

    phone.network_down();
    wait_link(&app, &b, "connecting, with its next try", |l| {
        l.state == State::Connecting && l.next_retry_at.is_some()
    })
    .await;
    count_outbox_writes(&app.db);
    for (who, text) in TEXTS {
        reply(&app, &b, who, text).await;
    }
    let stored = phone.customer_says(MEERA, "M1", MEERA_ORDER).await;
    assert!(
        !stored,
        "an offline phone receives nothing; WhatsApp keeps it"
    );
    wait_until_found_down(&app, &b).await;
    let writes = number(&app.db, "SELECT COUNT(*) FROM test_outbox_writes");
    let connects_before = phone.connect_tries();

    let probes = sit_out_an_hour(&app, &b).await;
    assert_all_waiting(&app.db, 6);
    let after = number(&app.db, "SELECT COUNT(*) FROM test_outbox_writes");
    assert_eq!(
        after, writes,
        "no outbox row written while the phone was offline"
    );
    assert!(phone.sent().is_empty(), "nothing went while offline");
    // Nothing was sent before the outage. Each person's first reply went before the link was
    // known down; after that, one try per probe (counted from the outage's start, as probes
    // are, so a probe under way at any moment is counted on both sides).
    let (tries, probes) = (phone.send_tries(), probes as usize);
    assert!(
        (probes + 1..=probes + 2).contains(&tries),
        "{tries} sends tried for {probes} probes: one a probe, not one a reply"
    );
    // The connection task kept trying all hour on the same clock, backing off to one try in
    // five minutes: neither hammering WhatsApp nor giving up.
    let connects = phone.connect_tries() - connects_before;
    assert!(
        (10..=40).contains(&connects),
        "{connects} connection attempts in an hour offline"
    );
    let id = b.id;
    let link = app.db.with_conn(|c| state::load(c, id)).unwrap();
    let next_ms = link.next_retry_at.expect("a next try is shown") * 1000;
    assert!(
        next_ms <= clock.now_ms() + 301_000,
        "the next try is at most five minutes off"
    );

    phone.network_up();
    wait_link(&app, &b, "connected again at its next try", |l| {
        if let Some(at) = l.next_retry_at {
            clock.advance_to(at * 1000);
        }
        l.state == State::Connected
    })
    .await;
    all_go_once_in_order(&app, &b, &phone).await;
}

/// With the phone back, every reply goes: each person's in order, each once; and Meera's
/// order, held by WhatsApp while the phone was offline, is stored once and answered.
async fn all_go_once_in_order(app: &TestApp, b: &Business, phone: &FakeClient) {
    wait_for_sender(app, "every reply, and Meera's answer, sent", || {
        number(
            &app.db,
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND status = 'sent'",
        ) == 7
    })
    .await;
    let sent_to = |who: &str| -> Vec<String> {
        let theirs = TEXTS.iter().filter(|(w, _)| *w == who);
        theirs.map(|(_, t)| (*t).to_owned()).collect()
    };
    assert_eq!(
        texts_to(phone, CUSTOMER),
        sent_to(CUSTOMER),
        "Asha's, in order"
    );
    assert_eq!(texts_to(phone, RAVI), sent_to(RAVI), "Ravi's, in order");
    let meera = texts_to(phone, MEERA);
    assert_eq!(meera.len(), 1, "Meera is answered once: {meera:?}");
    assert!(meera[0].contains("Jalebi 1 kg"), "{}", meera[0]);
    assert_eq!(phone.sent().len(), 7, "each once");
    let inbound = number(
        &app.db,
        "SELECT COUNT(*) FROM messages WHERE direction = 'in'",
    );
    assert_eq!(inbound, 1, "Meera's message stored once");
    assert_eq!(app.state.bridge.links.down(b.id), None, "the link is up");
}
