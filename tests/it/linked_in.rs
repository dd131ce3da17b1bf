//! What comes in from a linked phone besides text, through the same durable path (stored
//! before WhatsApp is told, once per message id): button and list replies read as their
//! choice, images as their caption, locations as the Cloud API stores them.

use novi::db::Db;
use novi::whatsapp::linked::fake::kinds;
use serde_json::Value;

use crate::linked::{linked_app, replies};
use crate::support::bridge::CUSTOMER as ASHA;

/// Every stored inbound message: kind, text and data, oldest first.
fn stored_in(db: &Db) -> Vec<(String, String, Value)> {
    db.with_conn(|c| {
        let mut s =
            c.prepare("SELECT type, text, data FROM messages WHERE direction = 'in' ORDER BY id")?;
        let rows = s
            .query_map([], |r| {
                let data: String = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&data).unwrap()))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tapped_confirm_button_confirms_the_order_and_is_stored_once() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let order = "1 kg jalebi, deliver to 12 MG Road";
    assert!(client.customer_says(ASHA, "A1", order).await);
    replies(&client, ASHA, 1).await;
    let tap = || kinds::button_reply("confirm", "Confirm");
    assert!(client.customer_sends(ASHA, "A2", tap()).await);
    let got = replies(&client, ASHA, 2).await;
    assert!(got[1].contains("#1"), "the button confirmed: {}", got[1]);
    // Delivered again (as WhatsApp does after a reconnect): stored and answered once.
    assert!(client.customer_sends(ASHA, "A2", tap()).await);
    let rows = stored_in(&s.app.db);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (kind, text, data) = &rows[1];
    assert_eq!((kind.as_str(), text.as_str()), ("interactive", "Confirm"));
    assert_eq!(data["reply_id"], "confirm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_picked_from_the_menu_list_gets_that_categorys_prices() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let pick = kinds::list_reply("menu:Sweets", "Sweets");
    assert!(client.customer_sends(ASHA, "L1", pick).await);
    let answer = replies(&client, ASHA, 1).await.remove(0);
    assert!(answer.contains("Kaju Katli"), "{answer}");
    let (kind, text, data) = stored_in(&s.app.db).remove(0);
    assert_eq!((kind.as_str(), text.as_str()), ("interactive", "Sweets"));
    assert_eq!(
        (data["reply_id"].as_str(), data["reply_type"].as_str()),
        (Some("menu:Sweets"), Some("list_reply"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_images_caption_is_read_as_the_order() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let photo = kinds::image("1 kg jalebi, deliver to 12 MG Road");
    assert!(client.customer_sends(ASHA, "I1", photo).await);
    let summary = replies(&client, ASHA, 1).await.remove(0);
    assert!(summary.contains("Jalebi 1 kg"), "{summary}");
    let (kind, text, data) = stored_in(&s.app.db).remove(0);
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("image", "1 kg jalebi, deliver to 12 MG Road")
    );
    assert_eq!(data["mime_type"], "image/jpeg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_location_is_stored_with_its_place_and_coordinates() {
    let mut s = linked_app().await;
    let client = s.link().await;
    let place = || kinds::location(12.9716, 77.5946, "Home", "12 MG Road, Bengaluru");
    assert!(client.customer_sends(ASHA, "G1", place()).await);
    assert!(client.customer_sends(ASHA, "G1", place()).await);
    let rows = stored_in(&s.app.db);
    assert_eq!(rows.len(), 1, "stored once: {rows:?}");
    let (kind, text, data) = &rows[0];
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("location", "Home, 12 MG Road, Bengaluru")
    );
    assert_eq!(
        (data["latitude"].as_f64(), data["longitude"].as_f64()),
        (Some(12.9716), Some(77.5946))
    );
    assert_eq!(data["address"], "12 MG Road, Bengaluru");
}
