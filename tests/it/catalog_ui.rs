//! Products → Import and Export in the browser: a CSV uploaded is previewed (new, changed and
//! unchanged rows; problems beside their lines) and written only when applied.

use crate::phone::{find, log_in_to, open};
use crate::support::chrome::{console_errors, Chrome};
use crate::support::{product, TestApp};
use novi::accounts::Role;
use reqwest::StatusCode;

/// The shop's catalog as exported, with samosa's price changed and a new product added.
async fn edited_export(app: &TestApp, shop: &novi::accounts::businesses::Business) -> String {
    let mut owner = app.owner(shop, "meena").await;
    let (status, csv) = owner.get("/b/sharma/products/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.starts_with("sku,name,category,unit,price,aliases,variants,stock\n"),
        "{csv}"
    );
    let samosa = csv
        .lines()
        .find(|l| l.starts_with("samosa,"))
        .unwrap()
        .to_owned();
    let cheaper = samosa.replacen(",15,", ",12,", 1);
    assert_ne!(samosa, cheaper);
    format!(
        "{}jalebi,Jalebi,Sweets,kg,400,,250 g=250,5000\n",
        csv.replace(&samosa, &cheaper)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_upload_is_previewed_then_applied() {
    let app = TestApp::start().await;
    let shop = app.small_shop("sharma");
    app.user(&shop, "asha", Role::Owner);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("catalog.csv");
    std::fs::write(&good, edited_export(&app, &shop).await).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "sku,name,category,unit,price,aliases,variants,stock\nladoo,Ladoo,Sweets,litre,10,,,5\n",
    )
    .unwrap();

    Chrome::run(move |client| async move {
        log_in_to(&client, &app, "asha", "Dashboard").await;
        open(&client, &app, "/b/sharma/products").await;
        find(&client, "//a[normalize-space()='Import']")
            .await
            .click()
            .await
            .unwrap();
        find(&client, "//h1[normalize-space()='Import products']").await;

        // A bad file: the problem beside its line, nothing written.
        let file = find(&client, "//input[@type='file']").await;
        file.send_keys(bad.to_str().unwrap()).await.unwrap();
        find(&client, "//button[normalize-space()='Preview the import']")
            .await
            .click()
            .await
            .unwrap();
        let row = find(&client, "//tr[contains(@class,'row-error')]").await;
        let text = row.text().await.unwrap();
        assert!(
            text.contains('2') && text.contains("ladoo,Ladoo") && text.contains("litre"),
            "{text}"
        );

        let file = find(&client, "//input[@type='file']").await;
        file.send_keys(good.to_str().unwrap()).await.unwrap();
        find(&client, "//button[normalize-space()='Preview the import']")
            .await
            .click()
            .await
            .unwrap();
        let counts = find(&client, "//p[contains(@class,'import-counts')]").await;
        assert_eq!(
            counts.text().await.unwrap(),
            "1 new · 1 changed · 2 unchanged"
        );
        let samosa = find(&client, "//tr[td/code[text()='samosa']]").await;
        assert!(samosa.text().await.unwrap().contains("changed price"));
        let unchanged = product(&app.db, &shop, "samosa");
        assert_eq!(unchanged.price.minor(), 1500, "a preview writes nothing");

        find(&client, "//button[normalize-space()='Apply the import']")
            .await
            .click()
            .await
            .unwrap();
        let notice = find(&client, "//p[contains(@class,'notice')]").await;
        assert_eq!(notice.text().await.unwrap(), "Imported: 1 new, 1 updated.");
        find(&client, "//a[normalize-space()='Jalebi']").await;
        assert_eq!(product(&app.db, &shop, "samosa").price.minor(), 1200);
        // The refused upload's 422 is the one error the browser logs.
        let errors = console_errors(&client).await;
        assert!(errors.iter().all(|e| e.contains("422")), "{errors:?}");
        app.stop().await;
    })
    .await;
}
