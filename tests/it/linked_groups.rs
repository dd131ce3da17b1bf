//! Groups over a linked phone, mapped to the shop's sales, delivery and admin groups as through a
//! gateway: a staff post in the sales group becomes an order, the delivery group hears when it
//! goes out, and Settings lists the phone's groups to pick from.

use novi::whatsapp::groups;
use novi::whatsapp::linked::fake::FakeClient;
use serde_json::json;

use crate::linked::{linked_app, replies, Linked};

const SALES: &str = "120363041234@g.us";
const DELIVERY: &str = "120363045678@g.us";
const STAFF: &str = "919822222222";
const STAFF_POST: &str =
    "Name - Ravi Kumar\nPh: 98111 11111\nItems: 2 kg jalebi, 6 samosa\nAddress: 5 Park Street";

fn map(s: &Linked, chat_id: &str, role: &str) {
    let id = s.b.id;
    let g = groups::Group {
        chat_id: chat_id.into(),
        name: role.into(),
        role: role.into(),
    };
    s.app.db.with_tx(|tx| groups::map(tx, id, &g)).unwrap();
}

/// The sales group's post becomes order #1, answered in the group.
async fn a_post_becomes_order_1(s: &Linked, client: &FakeClient) {
    assert!(client.group_post(SALES, STAFF, "S1", STAFF_POST).await);
    let answer = replies(client, SALES, 1).await.remove(0);
    assert!(answer.contains("Order #1 taken for Ravi Kumar"), "{answer}");
    let o = s.app.api(&s.b).get("/api/v1/orders/1").await.1["order"].clone();
    assert_eq!(
        (o["channel"].as_str(), o["customer"]["phone"].as_str()),
        (Some("group"), Some("919811111111"))
    );
    assert_eq!(o["address"], "5 Park Street");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_post_becomes_an_order() {
    let mut s = linked_app().await;
    let client = s.link().await;
    map(&s, SALES, "sales");
    map(&s, DELIVERY, "delivery");
    a_post_becomes_order_1(&s, &client).await;
    // Delivered twice, it is one order.
    assert!(client.group_post(SALES, STAFF, "S1", STAFF_POST).await);
    let api = s.app.api(&s.b);
    assert_eq!(api.get("/api/v1/orders").await.1["pagination"]["total"], 1);
    // The delivery group is told when it goes out.
    for to in ["confirmed", "preparing", "out_for_delivery"] {
        api.post("/api/v1/orders/1/status", &json!({"status": to}))
            .await;
    }
    let note = replies(&client, DELIVERY, 1).await.remove(0);
    assert!(
        note.contains("Order #1 for Ravi Kumar") && note.contains("5 Park Street"),
        "{note}"
    );
    // A post in a group not mapped is kept and offered for mapping, never answered: the
    // sales group's next post, handled after it (oldest first), is answered and it is not.
    let other = "120363049999@g.us";
    assert!(client.group_post(other, STAFF, "X1", STAFF_POST).await);
    let id = s.b.id;
    let seen = s.app.db.with_conn(|c| groups::unmapped(c, id)).unwrap();
    assert_eq!(seen, [other]);
    assert!(
        client
            .group_post(SALES, STAFF, "S2", "Items: some sweets")
            .await
    );
    replies(&client, SALES, 2).await;
    assert!(client.sent().iter().all(|m| m.to != other));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_lists_the_phones_groups_and_a_pick_maps_later_posts() {
    let mut s = linked_app().await;
    let client = s.link().await;
    client.join_groups(&[(SALES, "Sharma Sales"), (DELIVERY, "Sharma Delivery")]);
    let settings = format!("/b/{}/settings/whatsapp", s.b.short_code);
    let page = s.owner.get(&settings).await.1;
    assert!(page.contains("Groups on the shop's phone"), "{page}");
    for (chat_id, name) in [(SALES, "Sharma Sales"), (DELIVERY, "Sharma Delivery")] {
        assert!(page.contains(name), "{name}");
        let hidden = format!("name=\"chat_id\" value=\"{chat_id}\"");
        assert!(page.contains(&hidden), "{hidden}");
    }
    // Picked from the list: the same form a row on the page posts.
    let (status, _, _) = s
        .owner
        .post(
            &format!("{settings}/groups"),
            &[
                ("chat_id", SALES),
                ("name", "Sharma Sales"),
                ("role", "sales"),
            ],
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER);
    let page = s.owner.get(&settings).await.1;
    assert!(
        page.contains("<option value=\"sales\" selected>sales</option>"),
        "the pick shows as the group's role"
    );
    a_post_becomes_order_1(&s, &client).await;
}
