//! Fixtures for what a shop is made of: businesses, their staff (logged in or not), products and
//! stock, API tokens; and lookups of what the app stored.

use novi::accounts;
use novi::accounts::businesses::{self, Business};
use novi::accounts::tokens;
use novi::accounts::users::{Membership, User};
use novi::accounts::Role;
use novi::catalog::products::{self, Filter, Product, ProductInput, VariantInput};
use novi::catalog::stock::{self, Cause};
use novi::catalog::{csv, import};
use novi::db::Db;
use novi::domain::{Money, Sku};
use novi::orders::{self, Order};
use reqwest::StatusCode;

use super::{data, Api, Browser, TestApp, PASSWORD};

impl TestApp {
    /// A business named `Shop {code}`, with no products, staff or settings.
    pub fn business(&self, code: &str) -> Business {
        self.business_named(&format!("Shop {code}"), code)
    }

    pub fn business_named(&self, name: &str, code: &str) -> Business {
        accounts::create_business(&self.db, name, code).expect("business")
    }

    /// Sharma Sweets, as its customers see it: that name and a ₹40 delivery fee. No products.
    pub fn sharma_sweets(&self, code: &str) -> Business {
        let shop = self.business_named("Sharma Sweets", code);
        self.set_delivery_fee(&shop, 4000)
    }

    /// A business with the sweet shop's catalog ([`data::CATALOG`]): 18 products, 20 kg of
    /// kaju katli at ₹1,200 a kg among them.
    pub fn sweet_shop(&self, code: &str) -> Business {
        let shop = self.business(code);
        self.import_catalog(&shop);
        shop
    }

    /// A business with three products and little stock, to run out of: kaju katli by weight
    /// (₹1,200 a kg, 2 kg, in 250 g, 500 g and 1 kg), gulab jamun by the piece (₹20, 100, single
    /// or a box of 12) and samosa by the piece (₹15, 50).
    pub fn small_shop(&self, code: &str) -> Business {
        let shop = self.business(code);
        let kaju = [("250 g", 250), ("500 g", 500), ("1 kg", 1000)];
        self.add_product(&shop, "kaju-katli", "kg", 1200, 2000, &kaju);
        let gulab = [("Single", 1), ("Box of 12", 12)];
        self.add_product(&shop, "gulab-jamun", "pc", 20, 100, &gulab);
        self.add_product(&shop, "samosa", "pc", 15, 50, &[]);
        shop
    }

    /// A [small shop](TestApp::small_shop) charging ₹40 for delivery, with `n` orders of 500 g
    /// of kaju katli (₹600 + ₹40 = ₹640 each) taken through the API.
    pub async fn shop_with_orders(&self, code: &str, n: usize) -> (Business, Api) {
        let b = self.set_delivery_fee(&self.small_shop(code), 4000);
        self.adjust_stock(&b, "kaju-katli", 20_000, "a day's batch");
        let api = self.api(&b);
        for _ in 0..n {
            let body = serde_json::json!({"customer": {"name": "Asha", "phone": "9812345678"},
                "lines": [{"sku": "kaju-katli", "qty": 500}], "address": "12 MG Road"});
            let (status, res) = api.post("/api/v1/orders", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{res}");
        }
        (b, api)
    }

    /// Sets what the business charges for delivery; returns the business as now stored.
    pub fn set_delivery_fee(&self, b: &Business, minor: i64) -> Business {
        self.db
            .with_tx(|tx| {
                let p = businesses::by_id(tx, b.id)?.expect("business exists");
                let profile = businesses::Profile {
                    name: p.name,
                    address: p.address,
                    phone: p.phone,
                    currency: p.currency,
                    delivery_fee_minor: minor,
                };
                businesses::update_profile(tx, b.id, &profile)?;
                Ok::<_, novi::error::AppError>(
                    businesses::by_id(tx, b.id)?.expect("business exists"),
                )
            })
            .expect("delivery fee")
    }

    /// Imports the sweet shop's catalog ([`data::CATALOG`]) into the business.
    pub fn import_catalog(&self, b: &Business) {
        self.import_csv(b, data::CATALOG);
    }

    /// Imports a catalog file's text into the business, as `novi catalog import` would.
    pub fn import_csv(&self, b: &Business, catalog: &str) {
        let rows = csv::parse_catalog(catalog.as_bytes()).expect("catalog parses");
        self.db
            .with_tx(|tx| import::import(tx, b.id, &rows, "test"))
            .expect("catalog imported");
    }

    /// A product with variants `(label, amount)` and `stock` grams or pieces.
    fn add_product(
        &self,
        b: &Business,
        sku: &str,
        unit: &str,
        price_rupees: i64,
        stock: i64,
        variants: &[(&str, u32)],
    ) {
        let input = ProductInput {
            sku: Sku::parse(sku).expect("sku"),
            name: title_case(sku),
            category: "Sweets".into(),
            unit: unit.parse().expect("unit"),
            price: Money::from_minor(price_rupees * 100),
            aliases: Vec::new(),
            active: true,
            low_stock: 0,
            variants: variants
                .iter()
                .map(|(label, amount)| VariantInput {
                    label: (*label).into(),
                    amount: *amount,
                    price: None,
                })
                .collect(),
        };
        self.db
            .with_tx(|tx| products::insert(tx, b.id, &input))
            .expect("product");
        self.adjust_stock(b, sku, stock, "opening stock");
    }

    /// Changes the stock of `sku` by `delta` grams or pieces, as a stock adjustment would.
    pub fn adjust_stock(&self, b: &Business, sku: &str, delta: i64, reason: &str) {
        let id = product(&self.db, b, sku).id;
        let cause = Cause {
            reason,
            order_id: None,
            actor: "test",
        };
        self.db
            .with_tx(|tx| stock::adjust(tx, b.id, id, delta, &cause))
            .expect("stock adjusted");
    }

    /// What is in stock of `sku`, in grams or pieces.
    pub fn stock(&self, b: &Business, sku: &str) -> i64 {
        product(&self.db, b, sku).stock
    }

    /// A user of the business with this role and the password [`PASSWORD`].
    pub fn user(&self, business: &Business, username: &str, role: Role) -> User {
        let m = Membership::Staff {
            business_id: business.id,
            role,
        };
        accounts::create_user(&self.db, username, PASSWORD, m).expect("user")
    }

    pub fn platform_admin(&self, username: &str) -> User {
        accounts::create_user(&self.db, username, PASSWORD, Membership::PlatformAdmin)
            .expect("admin")
    }

    /// A browser logged in as `user`.
    pub async fn logged_in(&self, user: &User) -> Browser {
        let mut browser = self.browser();
        let (status, _) = browser.login(&user.username, PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{} logs in", user.username);
        browser
    }

    /// A new user of the business with this role, and a browser logged in as them.
    pub async fn staff(&self, b: &Business, username: &str, role: Role) -> Browser {
        self.logged_in(&self.user(b, username, role)).await
    }

    /// A new owner of the business, and a browser logged in as them.
    pub async fn owner(&self, b: &Business, username: &str) -> Browser {
        self.staff(b, username, Role::Owner).await
    }

    /// A new agent of the business, and a browser logged in as them.
    pub async fn agent(&self, b: &Business, username: &str) -> Browser {
        self.staff(b, username, Role::Agent).await
    }

    /// A fresh API token for the business.
    pub fn token(&self, b: &Business) -> String {
        self.db
            .with_tx(|tx| {
                let name = format!("test-{}", &novi::secret::new_token()[..8]);
                tokens::create(tx, b.id, &name)
            })
            .expect("token")
    }

    /// A JSON API client with a fresh token for the business.
    pub fn api(&self, b: &Business) -> Api {
        Api::new(self, self.token(b))
    }
}

/// The business's product `sku`, as stored.
pub fn product(db: &Db, b: &Business, sku: &str) -> Product {
    db.with_conn(|c| products::by_sku(c, b.id, sku))
        .expect("read product")
        .unwrap_or_else(|| panic!("no product {sku}"))
}

/// Every product of the business, as the product list shows them unfiltered.
pub fn products(db: &Db, b: &Business) -> Vec<Product> {
    db.with_conn(|c| products::list(c, b.id, &Filter::default()))
        .expect("read products")
}

/// The business's order with this number, as stored.
pub fn order(db: &Db, b: &Business, number: i64) -> Order {
    db.with_conn(|c| orders::store::by_number(c, b.id, number))
        .expect("read order")
        .expect("order exists")
}

/// `kaju-katli` -> `Kaju Katli`.
pub fn title_case(sku: &str) -> String {
    sku.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
