//! The shop teaches the reader its words: a message misread, staff correct the order in the
//! web UI, the words are suggested as an alias on the product's page and by `novi catalog
//! aliases`, the shop accepts (or dismisses) them, and the same message then reads right.
//! Driven through a signed Cloud API webhook, the server over HTTP, and the `novi` binary on the
//! same SQLite file.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::conversations::{shop, Shop};
use crate::support::bridge::CUSTOMER as ASHA;
use crate::support::process::{fails, ok};
use crate::support::{order, product, Browser};
use novi::catalog::suggestions;
use reqwest::StatusCode;

/// The sweet shop's Kaju Katli without its aliases "kaju barfi" and "kaju": "2 kg kaju barfi"
/// then reads as Mawa Barfi, whose alias "barfi" is the only name in it the shop knows.
const KAJU_KATLI_ONLY: &str = "sku,name,category,unit,price,aliases,variants,stock\n\
    kaju-katli,Kaju Katli,Sweets,kg,1200,kaju katri|kaju katari|cashew katli,\
    250 g=250;500 g=500;1 kg=1000,20000\n";

/// A product customers call by a name of their own ("thabdi"), which the shop calls Peda.
const PEDA: &str = "sku,name,category,unit,price,aliases,variants,stock\n\
    peda,Peda,Sweets,kg,560,,250 g=250;500 g=500;1 kg=1000,5000\n";

impl Shop {
    /// The customer writes `text`; the last of the `replies` messages Novi answers with.
    async fn writes(&self, text: &str, replies: usize) -> String {
        // Every message needs an id of its own: a repeated id is a redelivery, stored once.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let got = self.says(ASHA, &format!("alias-{n}"), text, replies).await;
        got.last().cloned().unwrap_or_default()
    }

    /// `novi catalog aliases` for this shop, run on the server's own data directory.
    fn aliases_cli(&self) -> String {
        let args = ["catalog", "aliases", "--business", &self.b.short_code];
        ok(self.app.dir.path(), &args, "")
    }

    /// The shop's alias suggestions on offer: (sku, words, count).
    fn suggested(&self) -> Vec<(String, String, i64)> {
        let list = self.app.db.with_conn(|c| suggestions::list(c, self.b.id));
        let list = list.expect("suggestions");
        list.into_iter()
            .map(|s| (s.sku, s.words, s.count))
            .collect()
    }
}

/// Staff change line 1 of order `number` (read from a message) to `item` and `amount`.
async fn change_first_line(staff: &mut Browser, number: i64, item: &str, amount: &str) {
    let edit = format!("/b/sweets/orders/{number}/edit");
    let (_, page) = staff.get(&edit).await;
    assert!(
        page.contains(r#"name="line_0" value="0""#),
        "the row says which line it edits: {page}"
    );
    let form = [
        ("item_0", item),
        ("amount_0", amount),
        ("line_0", "0"),
        ("action", "save"),
    ];
    let (status, body, _) = staff.post(&edit, &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misread_corrected_by_staff_becomes_an_alias_and_then_reads_right() {
    let s = shop().await;
    s.app.import_csv(&s.b, KAJU_KATLI_ONLY);
    let mut owner = s.app.owner(&s.b, "meera").await;
    for number in [1, 2] {
        let summary = s.writes("2 kg kaju barfi, deliver to 12 MG Road", 1).await;
        assert!(summary.contains("Mawa Barfi 2 kg"), "misread: {summary}");
        s.writes("yes", 1).await;
        change_first_line(&mut owner, number, "kaju-katli|", "2 kg").await;
        let o = order(&s.app.db, &s.b, number);
        assert_eq!((o.lines.len(), o.lines[0].sku.as_str()), (1, "kaju-katli"));
    }
    let (_, page) = owner.get("/b/sweets/orders/2").await;
    assert!(page.contains("Customer wrote “kaju barfi”"), "{page}");

    // The product page and the shell both suggest the words, with how often they were seen.
    let kaju = product(&s.app.db, &s.b, "kaju-katli");
    let url = format!("/b/sweets/products/{}", kaju.id);
    let (_, page) = owner.get(&url).await;
    assert!(
        page.contains("Customers wrote 'kaju barfi' 2 times for this"),
        "{page}"
    );
    let listed = s.aliases_cli();
    let row: Vec<&str> = listed
        .lines()
        .find(|l| l.starts_with("kaju-katli"))
        .unwrap_or_else(|| panic!("no row for kaju-katli: {listed}"))
        .split_whitespace()
        .take(4)
        .collect();
    assert_eq!(row, ["kaju-katli", "kaju", "barfi", "2"], "{listed}");
    let err = fails(
        s.app.dir.path(),
        &["catalog", "aliases", "--business", "nope"],
        "",
    );
    assert!(
        err.contains("no business with short code \"nope\""),
        "{err}"
    );

    // An agent may not change the catalog; the owner adds the alias in one click.
    let sid = s
        .app
        .db
        .with_conn(|c| suggestions::list(c, s.b.id))
        .unwrap()[0]
        .id;
    let decide = format!("{url}/suggestions/{sid}");
    let mut agent = s.app.agent(&s.b, "ravi").await;
    agent.get(&url).await;
    let (status, _, _) = agent.post(&decide, &[("action", "add")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    owner.get(&url).await;
    let (status, _, to) = owner.post(&decide, &[("action", "add")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some(&*format!("{url}?saved=alias")));
    let aliases = product(&s.app.db, &s.b, "kaju-katli").aliases;
    assert!(aliases.contains(&"kaju barfi".to_owned()), "{aliases:?}");
    assert!(s.suggested().is_empty());
    assert!(s.aliases_cli().contains("no alias suggestions"));

    // The same message now reads right.
    let summary = s.writes("2 kg kaju barfi, deliver to 12 MG Road", 1).await;
    assert!(summary.contains("Kaju Katli 2 kg"), "{summary}");
    assert!(!summary.contains("Mawa Barfi"), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unread_line_answered_by_staff_is_added_and_suggested() {
    let s = shop().await;
    s.app.import_csv(&s.b, PEDA);
    let text = "2 kg jalebi aur 1 kg thabdi, deliver to 12 MG Road";
    let summary = s.writes(text, 2).await;
    assert!(summary.contains("Jalebi 2 kg"), "{summary}");
    s.writes("yes", 1).await;
    let mut owner = s.app.owner(&s.b, "meera").await;
    let (_, page) = owner.get("/b/sweets/orders/1").await;
    assert!(page.contains("Lines not read for sure"), "{page}");
    assert!(page.contains("thabdi"), "{page}");
    let uid = page
        .split("/b/sweets/orders/1/unread/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no form for the unread line: {page}"))
        .to_owned();
    let answer = format!("/b/sweets/orders/1/unread/{uid}");

    // A bad amount is shown beside the line, and changes nothing.
    let (status, page, _) = owner
        .post(&answer, &[("item", "peda|"), ("amount", "lots")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("field-error") && page.contains("lots"),
        "{page}"
    );
    assert_eq!(order(&s.app.db, &s.b, 1).lines.len(), 1);

    let (status, _, _) = owner
        .post(&answer, &[("item", "peda|"), ("amount", "1 kg")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let o = order(&s.app.db, &s.b, 1);
    let skus: Vec<&str> = o.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, ["jalebi", "peda"]);
    assert_eq!(s.app.stock(&s.b, "peda"), 4000, "its stock is taken");
    let (_, page) = owner.get("/b/sweets/orders/1").await;
    assert!(page.contains("Added as"), "{page}");
    let (status, _, _) = owner
        .post(&answer, &[("item", "peda|"), ("amount", "1 kg")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "answered once");
    assert_eq!(order(&s.app.db, &s.b, 1).lines.len(), 2);

    let peda = product(&s.app.db, &s.b, "peda");
    let url = format!("/b/sweets/products/{}", peda.id);
    let (_, page) = owner.get(&url).await;
    assert!(
        page.contains("Customers wrote 'thabdi' 1 time for this"),
        "{page}"
    );
    assert_eq!(s.suggested(), [("peda".into(), "thabdi".into(), 1)]);

    // Dismissed, it is offered no more, and the reader is unchanged.
    let sid = s
        .app
        .db
        .with_conn(|c| suggestions::list(c, s.b.id))
        .unwrap()[0]
        .id;
    let (status, _, _) = owner
        .post(
            &format!("{url}/suggestions/{sid}"),
            &[("action", "dismiss")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = owner.get(&url).await;
    assert!(!page.contains("Customers wrote"), "{page}");
    assert!(s.aliases_cli().contains("no alias suggestions"));
    assert!(product(&s.app.db, &s.b, "peda").aliases.is_empty());
}
