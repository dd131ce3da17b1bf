//! Which rows a business owns: every table that holds them, parents before children, how each
//! table's rows are found, and which columns point at another table's ids (remapped on import).

/// How a table's rows of one business are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The `businesses` row itself.
    Itself,
    /// Rows with `business_id` = the business.
    Direct,
    /// Rows whose `column` names a row of `parent` that the business owns (a user's sessions).
    Via {
        column: &'static str,
        parent: &'static str,
    },
}

/// One table of a business's rows.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub scope: Scope,
    /// True when the table has an `id INTEGER PRIMARY KEY` that other rows may point at: on
    /// import every id moves past the highest already there, keeping the rows' order.
    pub has_id: bool,
    /// Columns holding another owned table's id, other than `business_id` (always remapped).
    pub refs: &'static [(&'static str, &'static str)],
    /// The order rows are read in: `rowid` (as written), or a `WITHOUT ROWID` table's key.
    pub order_by: &'static str,
}

const fn t(
    name: &'static str,
    has_id: bool,
    refs: &'static [(&'static str, &'static str)],
) -> Table {
    Table {
        name,
        scope: Scope::Direct,
        has_id,
        refs,
        order_by: "rowid",
    }
}

/// A `WITHOUT ROWID` table of a business's counts, read in the order of its `key`.
const fn counts(name: &'static str, key: &'static str) -> Table {
    Table {
        order_by: key,
        ..t(name, false, &[])
    }
}

/// Every table holding a business's rows, each after the tables it points at, so rows are
/// inserted parents first. `order_counts`, `order_days`, `order_stamps` and `customer_figures`
/// are not here: triggers on `orders` keep them, on import as always; nor is
/// `customer_search_stamps`, which triggers on `customers` keep, or `catalog_index_stamps`,
/// which triggers on `products` and `variants` keep; nor `outbox_waiting`,
/// `outbox_queues` and `chats`, which triggers on `outbox` and `messages` keep. Global tables (`setup_tokens`, the migration history) belong to no business.
pub const TABLES: &[Table] = &[
    Table {
        name: "businesses",
        scope: Scope::Itself,
        has_id: true,
        refs: &[],
        order_by: "rowid",
    },
    t("users", true, &[]),
    Table {
        name: "sessions",
        scope: Scope::Via {
            column: "user_id",
            parent: "users",
        },
        has_id: false,
        refs: &[("user_id", "users")],
        order_by: "rowid",
    },
    t("api_tokens", true, &[]),
    t("products", true, &[]),
    t("variants", true, &[("product_id", "products")]),
    t("customers", true, &[]),
    t("customer_addresses", true, &[("customer_id", "customers")]),
    t("orders", true, &[("customer_id", "customers")]),
    t(
        "order_lines",
        true,
        &[("order_id", "orders"), ("product_id", "products")],
    ),
    t("order_events", true, &[("order_id", "orders")]),
    t("order_unread", true, &[("order_id", "orders")]),
    t(
        "payments",
        true,
        &[("order_id", "orders"), ("recorded_by", "users")],
    ),
    t(
        "stock_moves",
        true,
        &[("product_id", "products"), ("order_id", "orders")],
    ),
    t("alias_suggestions", true, &[("product_id", "products")]),
    t("inbound_payloads", true, &[]),
    t(
        "messages",
        true,
        &[
            ("customer_id", "customers"),
            ("payload_id", "inbound_payloads"),
        ],
    ),
    t("message_statuses", false, &[]),
    t(
        "outbox",
        true,
        &[
            ("message_id", "messages"),
            ("order_event_id", "order_events"),
        ],
    ),
    t("whatsapp_configs", false, &[]),
    t("razorpay_configs", false, &[]),
    t("razorpay_events", true, &[]),
    t("razorpay_requests", true, &[("order_id", "orders")]),
    t("razorpay_refunds_pending", true, &[("order_id", "orders")]),
    t(
        "razorpay_flags",
        true,
        &[("order_id", "orders"), ("dealt_with_by", "users")],
    ),
    t("whatsapp_groups", true, &[]),
    t("linked_sessions", false, &[]),
    t("bot_metrics", false, &[]),
    counts("bot_reply_times", "day, waited_ms"),
    t("drafts", false, &[]),
    t("message_templates", false, &[]),
    t("attention", false, &[]),
    t("audit_log", true, &[]),
    t("print_settings", false, &[]),
    t("alert_settings", false, &[]),
    t("stock_alerts", true, &[("product_id", "products")]),
    t("daily_summaries", false, &[("message_id", "messages")]),
];

/// The table named `name`, if a business owns rows in it.
pub fn find(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

impl Table {
    /// The query reading this table's rows of business `?1`, oldest first.
    pub fn select(&self) -> String {
        let name = self.name;
        match self.scope {
            Scope::Itself => format!("SELECT * FROM {name} WHERE id = ?1"),
            Scope::Direct => format!(
                "SELECT * FROM {name} WHERE business_id = ?1 ORDER BY {}",
                self.order_by
            ),
            Scope::Via { column, parent } => format!(
                "SELECT * FROM {name} WHERE {column} IN \
                 (SELECT id FROM {parent} WHERE business_id = ?1) ORDER BY {}",
                self.order_by
            ),
        }
    }

    /// The table a column of this table points at, when it holds an owned row's id.
    pub fn points_at(&self, column: &str) -> Option<&'static str> {
        match column {
            "id" if self.has_id => Some(self.name),
            "business_id" => Some("businesses"),
            _ => self
                .refs
                .iter()
                .find(|(c, _)| *c == column)
                .map(|(_, table)| *table),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_comes_after_the_tables_it_points_at() {
        for (i, table) in TABLES.iter().enumerate() {
            for (_, parent) in table.refs {
                let at = TABLES.iter().position(|t| t.name == *parent);
                assert!(at.is_some_and(|p| p < i), "{} before {parent}", table.name);
            }
        }
    }

    #[test]
    fn every_table_with_a_business_id_column_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(dir.path()).unwrap();
        let owned: Vec<String> = db
            .with_conn(|c| {
                let mut s = c.prepare(
                    "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND p.name = 'business_id' ORDER BY m.name",
                )?;
                let rows = s.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        for name in owned.iter().filter(|n| {
            !matches!(
                n.as_str(),
                "order_counts"
                    | "outbox_waiting"
                    | "outbox_queues"
                    | "chats"
                    | "order_days"
                    | "order_stamps"
                    | "customer_search_stamps"
                    | "catalog_index_stamps"
                    | "customer_figures"
            )
        }) {
            assert!(
                find(name).is_some(),
                "{name} is not moved with its business"
            );
        }
    }
}
