//! What an order is made of, as the rest of Novi reads it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::status::Status;
use crate::domain::{format_amount, Money, Phone, Unit};

/// "must be one of cash, upi, razorpay, not \"cheque\"": the value said back, cut short when
/// long (a 100,000-character value made a 100 KB answer), and a missing one said missing.
fn refusal(names: &[&str], given: &str) -> String {
    let names = names.join(", ");
    if given.is_empty() {
        return format!("is required: one of {names}");
    }
    let shown = crate::domain::cut_short(given, 40);
    format!("must be one of {names}, not \"{shown}\"")
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$attr:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$attr])* $variant),+ }

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
                        Err(refusal(&names, other))
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
    /// How the customer pays: cash (on delivery or at the counter), UPI to the shop's own UPI
    /// id, or online through Razorpay.
    PaymentMode { Cash => "cash", Upi => "upi", Razorpay => "razorpay" }
);
text_enum!(
    /// Where the order's money stands, worked out from its payments and refunds (`payments`).
    PaymentStatus {
        Unpaid => "unpaid",
        PartlyPaid => "partly_paid",
        Paid => "paid",
        Refunded => "refunded",
        PartlyRefunded => "partly_refunded",
    }
);

impl Channel {
    /// "WhatsApp", "Taken by staff", as the dashboard and the order pages say it.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Whatsapp => "WhatsApp",
            Channel::Group => "WhatsApp group",
            Channel::Storefront => "Storefront",
            Channel::Manual => "Taken by staff",
            Channel::Api => "API",
        }
    }

    /// The label of a channel read as text from a query; one Novi does not know, as it is.
    pub fn label_of(text: &str) -> &str {
        text.parse::<Channel>().map_or(text, |c| c.label())
    }
}

impl PaymentMode {
    /// The mode a word names, also in the words Novi used before payments (`cod` for cash,
    /// `online` for Razorpay), so API clients written then keep working.
    pub fn parse_lenient(text: &str) -> Result<PaymentMode, String> {
        match text.trim() {
            "cod" => Ok(PaymentMode::Cash),
            "online" => Ok(PaymentMode::Razorpay),
            other => other.parse(),
        }
    }

    /// "Cash", "UPI", "Razorpay", as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            PaymentMode::Cash => "Cash",
            PaymentMode::Upi => "UPI",
            PaymentMode::Razorpay => "Razorpay",
        }
    }
}

impl PaymentStatus {
    /// "Partly paid", as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Unpaid => "Unpaid",
            PaymentStatus::PartlyPaid => "Partly paid",
            PaymentStatus::Paid => "Paid",
            PaymentStatus::Refunded => "Refunded",
            PaymentStatus::PartlyRefunded => "Partly refunded",
        }
    }
}
text_enum!(
    /// How the order reaches the customer: delivered to their address, or picked up at the
    /// shop. Only delivery is charged the shop's delivery fee.
    #[derive(Default)]
    Fulfilment { #[default] Delivery => "delivery", Pickup => "pickup" }
);
text_enum!(
    /// The order of an order list: newest first (by number), or by the day the orders are
    /// wanted, soonest first, with orders that name no day last.
    #[derive(Default)]
    Sort { #[default] Newest => "newest", DeliverOn => "deliver_on" }
);

impl Fulfilment {
    /// What the order pays for delivery, given the shop's fee: the fee, or nothing for pickup.
    pub fn fee(self, shop_fee: Money) -> Money {
        match self {
            Fulfilment::Delivery => shop_fee,
            Fulfilment::Pickup => Money::from_minor(0),
        }
    }

    /// "Delivery" or "Pickup", as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Fulfilment::Delivery => "Delivery",
            Fulfilment::Pickup => "Pickup",
        }
    }
}

/// Reads the day an order is wanted: a shop-local date written `YYYY-MM-DD`; blank is none.
pub fn parse_deliver_on(text: &str) -> Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // The length check refuses "2026-1-5", which chrono would read, so that dates keep one
    // spelling and sort as text in the database.
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .map(Some)
        .ok_or_else(|| format!("\"{text}\" is not a date of the form YYYY-MM-DD"))
}

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
    /// What the customer wrote for the line, when it was read from a message.
    pub said: Option<Said>,
}

/// The customer's words a line was read from, and what the reader read them as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// As an alias would hold them ("kaju barfi"); see `reader::alias_words`.
    pub words: String,
    /// The sku the reader read them as; none for a line staff added for an unread one.
    pub read_as: Option<String>,
}

/// A line of the customer's message that was not read for sure, as kept with the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUnread {
    /// As written ("1 kg kesar peda").
    pub text: String,
    /// As an alias would hold them ("kesar peda"); may be empty.
    pub words: String,
    /// `unknown` (no product has that name), or why an unclear line was unclear
    /// (`no_quantity`, `bare_number_for_weight`, `ambiguous`, `too_much`).
    pub reason: String,
    /// Skus it could be.
    pub candidates: Vec<String>,
}

/// An unread line of an order, and what staff said it is once they have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub id: i64,
    pub line: NewUnread,
    /// The sku staff added a line for, and who did.
    pub answered: Option<(String, String)>,
}

impl NewUnread {
    /// Why it was not read, as staff read it.
    pub fn why(&self) -> String {
        match self.reason.as_str() {
            "unknown" => "no product has this name".into(),
            "no_quantity" => "no amount".into(),
            "bare_number_for_weight" => "a number without a weight".into(),
            "too_much" => "more than one line holds".into(),
            _ => format!("could be {}", self.candidates.join(" or ")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
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
    pub fulfilment: Fulfilment,
    /// The shop-local day the customer wants the order, if they named one.
    pub deliver_on: Option<NaiveDate>,
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
    /// The request that prices to this line again: its variant and count, or its amount.
    pub fn request(&self) -> LineRequest {
        match (&self.variant, self.variant_count) {
            (Some(variant), Some(count)) => LineRequest::Variant {
                sku: self.sku.clone(),
                variant: variant.clone(),
                count,
            },
            _ => LineRequest::Qty {
                sku: self.sku.clone(),
                qty: self.qty,
            },
        }
    }

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
    /// Delivery (charged the shop's delivery fee) or pickup (no fee).
    pub fulfilment: Fulfilment,
    /// The shop-local day the customer wants the order, if they named one.
    pub deliver_on: Option<NaiveDate>,
    /// Who took it: a username, `api:<token name>`, `customer`.
    pub actor: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_day_is_a_real_date_written_one_way() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1);
        assert_eq!(parse_deliver_on(" 2026-12-01 "), Ok(day));
        assert_eq!(parse_deliver_on(""), Ok(None), "blank is no day");
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026-12-1",
            "01/12/2026",
            "tomorrow",
        ] {
            let err = parse_deliver_on(bad).unwrap_err();
            assert!(err.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn only_delivery_pays_the_fee() {
        let fee = Money::from_minor(4000);
        assert_eq!(Fulfilment::Delivery.fee(fee), fee);
        assert_eq!(Fulfilment::Pickup.fee(fee), Money::from_minor(0));
        assert_eq!("pickup".parse(), Ok(Fulfilment::Pickup));
        assert!("courier".parse::<Fulfilment>().is_err());
        assert_eq!(Fulfilment::default(), Fulfilment::Delivery);
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::*;

    #[test]
    fn a_word_not_known_is_said_back_short_and_a_missing_one_missing() {
        assert_eq!(
            "cheque".parse::<PaymentMode>().unwrap_err(),
            "must be one of cash, upi, razorpay, not \"cheque\""
        );
        assert_eq!(
            "".parse::<PaymentMode>().unwrap_err(),
            "is required: one of cash, upi, razorpay"
        );
        let long = "x".repeat(100_000);
        let err = long.parse::<PaymentMode>().unwrap_err();
        assert!(err.len() < 120 && err.ends_with("…\""), "{err}");
        let err = long.parse::<Status>().unwrap_err();
        assert!(err.len() < 200 && err.ends_with("…\""), "{err}");
    }
}
