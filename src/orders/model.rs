//! What an order is made of, as the rest of Novi reads it.

use serde::{Deserialize, Serialize};

use super::status::Status;
use crate::domain::{format_amount, Money, Phone, Unit};

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        Err(format!("must be one of {}, not \"{other}\"", names.join(", ")))
                    }
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where the order came from.
    Channel { Whatsapp => "whatsapp", Group => "group", Storefront => "storefront", Manual => "manual", Api => "api" }
);
text_enum!(
    /// How the customer pays: cash on delivery, or online (Razorpay).
    PaymentMode { Cod => "cod", Online => "online" }
);
text_enum!(
    PaymentStatus { Unpaid => "unpaid", Paid => "paid", Refunded => "refunded" }
);

/// A line as it was when ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: Unit,
    /// The variant's label and how many of it, when ordered as a variant.
    pub variant: Option<String>,
    pub variant_count: Option<u32>,
    /// Grams or pieces.
    pub qty: u32,
    /// Per kg / per piece, or per variant for a variant line.
    pub unit_price: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub actor: String,
    pub note: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct CustomerRef {
    pub id: i64,
    pub name: String,
    pub phone: Phone,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub number: i64,
    pub channel: Channel,
    pub status: Status,
    pub customer: CustomerRef,
    pub lines: Vec<Line>,
    pub subtotal: Money,
    pub delivery_fee: Money,
    pub total: Money,
    pub currency: String,
    pub address: String,
    pub notes: String,
    pub payment_mode: PaymentMode,
    pub payment_status: PaymentStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub events: Vec<Event>,
}

/// A requested line: a quantity in the base unit, or a count of a variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineRequest {
    Qty {
        sku: String,
        qty: u32,
    },
    Variant {
        sku: String,
        variant: String,
        count: u32,
    },
}

impl Line {
    /// "750 g", or "2 × Box of 12" for a variant line.
    pub fn amount_label(&self) -> String {
        match (&self.variant, self.variant_count) {
            (Some(v), Some(n)) => format!("{n} × {v}"),
            _ => format_amount(self.unit, u64::from(self.qty)),
        }
    }
}

impl LineRequest {
    pub fn sku(&self) -> &str {
        match self {
            LineRequest::Qty { sku, .. } | LineRequest::Variant { sku, .. } => sku,
        }
    }
}

/// Everything needed to take an order; prices and totals are worked out on the server.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub channel: Channel,
    pub customer_phone: Phone,
    pub customer_name: String,
    pub lines: Vec<LineRequest>,
    pub address: String,
    pub notes: String,
    pub payment_mode: PaymentMode,
    /// Who took it: a username, `api:<token name>`, `customer`.
    pub actor: String,
}
