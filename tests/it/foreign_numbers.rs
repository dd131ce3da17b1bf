//! A customer from abroad writing to an Indian shop: WhatsApp gives their number in full
//! (country code, no `+`), and every page and API call that names their conversation or them by
//! the number Novi shows finds them.

use crate::support::bridge::{cloud_shop, PNID};
use crate::support::fakes;
use reqwest::StatusCode;

/// A UK mobile as WhatsApp sends it: country code 44, no `+`.
const UK: &str = "447911123456";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_from_abroad_is_found_by_the_number_novi_shows() {
    let s = cloud_shop("shop").await;
    let hello = fakes::cloud_text(PNID, UK, "Jane", "wamid.uk.1", "Hello from London");
    assert_eq!(s.app.deliver(&s.b, &hello).await, StatusCode::OK);

    let api = s.app.api(&s.b);
    let (_, list) = api.get("/api/v1/conversations").await;
    assert_eq!(list["conversations"][0]["phone"], UK, "{list}");
    let (status, thread) = api
        .get(&format!("/api/v1/conversations/{UK}/messages"))
        .await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert!(thread.to_string().contains("Hello from London"), "{thread}");
    let (status, customer) = api.get(&format!("/api/v1/customers/{UK}")).await;
    assert_eq!(status, StatusCode::OK, "{customer}");
    assert_eq!(customer["customer"]["name"], "Jane");

    let mut owner = s.app.owner(&s.b, "owner").await;
    let (_, list) = owner.get("/b/shop/conversations").await;
    assert!(
        list.contains(&format!("/b/shop/conversations/{UK}")),
        "linked by its digits"
    );
    let (status, page) = owner.get(&format!("/b/shop/conversations/{UK}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hello from London"));
}
