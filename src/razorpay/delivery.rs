//! A stored webhook delivery read for what Novi acts on: which payment, refund or link it tells
//! of, and what it names them by. Reading takes no database, so every event shape is checked here.

use serde_json::Value;

use super::apply::{Captured, Refunded};

/// What Novi asked Razorpay for, by Razorpay's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// A Razorpay order (`order_…`), paid through Checkout.
    Order(String),
    /// A Payment Link (`plink_…`).
    Link(String),
}

impl Asked {
    pub fn id(&self) -> &str {
        match self {
            Asked::Order(id) | Asked::Link(id) => id,
        }
    }

    /// "Razorpay order order_…", "payment link plink_…", for outcomes.
    pub fn describe(&self) -> String {
        match self {
            Asked::Order(id) => format!("Razorpay order {id}"),
            Asked::Link(id) => format!("payment link {id}"),
        }
    }
}

/// What a delivery tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// `payment.captured`, `order.paid`, `payment_link.paid`: money taken for `asked`.
    Paid { asked: Asked, payment: Captured },
    /// `payment.failed`: one attempt to pay for `asked` failed (the customer may try again).
    Failed {
        asked: Asked,
        payment_id: String,
        reason: String,
    },
    /// `payment_link.expired`.
    Expired { asked: Asked },
    /// `refund.processed`.
    Refund(Refunded),
    /// `refund.failed`: refund `refund_id` will not be made.
    RefundFailed { refund_id: String },
    /// An event Novi does not act on.
    Other,
}

/// The entity of `payload.<name>.entity`.
fn entity<'a>(body: &'a Value, name: &str) -> Result<&'a Value, String> {
    let e = &body["payload"][name]["entity"];
    if e.is_object() {
        Ok(e)
    } else {
        Err(format!("the delivery has no {name} in its payload"))
    }
}

fn text(e: &Value, field: &str, what: &str) -> Result<String, String> {
    match e[field].as_str() {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(format!("the {what} has no {field}")),
    }
}

fn paise(e: &Value, what: &str) -> Result<i64, String> {
    e["amount"]
        .as_i64()
        .ok_or_else(|| format!("the {what} has no whole amount in paise"))
}

fn payment(body: &Value) -> Result<Captured, String> {
    let p = entity(body, "payment")?;
    Ok(Captured {
        payment_id: text(p, "id", "payment")?,
        amount_minor: paise(p, "payment")?,
        currency: text(p, "currency", "payment")?,
    })
}

fn refund(body: &Value) -> Result<Refunded, String> {
    let r = entity(body, "refund")?;
    Ok(Refunded {
        refund_id: text(r, "id", "refund")?,
        payment_id: text(r, "payment_id", "refund")?,
        amount_minor: paise(r, "refund")?,
        currency: text(r, "currency", "refund")?,
    })
}

fn link(body: &Value) -> Result<Asked, String> {
    Ok(Asked::Link(text(
        entity(body, "payment_link")?,
        "id",
        "payment link",
    )?))
}

/// Reads delivery `body` of event `event`; a shape Novi cannot read is an `Err` saying what is
/// missing, so the delivery is set aside with that reason rather than tried for ever.
pub fn read(event: &str, body: &str) -> Result<Delivery, String> {
    let body: Value = serde_json::from_str(body).map_err(|_| "the body is not JSON".to_owned())?;
    Ok(match event {
        "payment.captured" => {
            let order = text(entity(&body, "payment")?, "order_id", "payment")?;
            Delivery::Paid {
                asked: Asked::Order(order),
                payment: payment(&body)?,
            }
        }
        "order.paid" => Delivery::Paid {
            asked: Asked::Order(text(entity(&body, "order")?, "id", "order")?),
            payment: payment(&body)?,
        },
        "payment_link.paid" => Delivery::Paid {
            asked: link(&body)?,
            payment: payment(&body)?,
        },
        "payment.failed" => {
            let p = entity(&body, "payment")?;
            let reason = p["error_description"].as_str().unwrap_or("no reason given");
            Delivery::Failed {
                asked: Asked::Order(text(p, "order_id", "payment")?),
                payment_id: text(p, "id", "payment")?,
                reason: reason.chars().take(200).collect(),
            }
        }
        "payment_link.expired" => Delivery::Expired {
            asked: link(&body)?,
        },
        "refund.processed" => Delivery::Refund(refund(&body)?),
        "refund.failed" => Delivery::RefundFailed {
            refund_id: text(entity(&body, "refund")?, "id", "refund")?,
        },
        _ => Delivery::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pay() -> Value {
        json!({"entity": {"id": "pay_1", "order_id": "order_1", "amount": 64000,
                          "currency": "INR", "status": "captured"}})
    }

    fn captured() -> Captured {
        Captured {
            payment_id: "pay_1".into(),
            amount_minor: 64000,
            currency: "INR".into(),
        }
    }

    #[test]
    fn each_paid_event_names_what_novi_asked_for_and_the_payment() {
        let body = json!({"event": "payment.captured", "payload": {"payment": pay()}});
        assert_eq!(
            read("payment.captured", &body.to_string()),
            Ok(Delivery::Paid {
                asked: Asked::Order("order_1".into()),
                payment: captured()
            })
        );
        let body = json!({"event": "order.paid", "payload": {"payment": pay(),
            "order": {"entity": {"id": "order_9", "amount_paid": 64000}}}});
        assert_eq!(
            read("order.paid", &body.to_string()),
            Ok(Delivery::Paid {
                asked: Asked::Order("order_9".into()),
                payment: captured()
            })
        );
        let body = json!({"event": "payment_link.paid", "payload": {"payment": pay(),
            "payment_link": {"entity": {"id": "plink_1", "status": "paid"}}}});
        assert_eq!(
            read("payment_link.paid", &body.to_string()),
            Ok(Delivery::Paid {
                asked: Asked::Link("plink_1".into()),
                payment: captured()
            })
        );
    }

    #[test]
    fn failures_expiries_and_refunds_are_read() {
        let body = json!({"payload": {"payment": {"entity": {"id": "pay_2", "order_id": "order_1",
            "amount": 64000, "currency": "INR", "error_description": "Card declined"}}}});
        assert_eq!(
            read("payment.failed", &body.to_string()),
            Ok(Delivery::Failed {
                asked: Asked::Order("order_1".into()),
                payment_id: "pay_2".into(),
                reason: "Card declined".into()
            })
        );
        let body = json!({"payload": {"payment_link": {"entity": {"id": "plink_1"}}}});
        assert_eq!(
            read("payment_link.expired", &body.to_string()),
            Ok(Delivery::Expired {
                asked: Asked::Link("plink_1".into())
            })
        );
        let body = json!({"payload": {"refund": {"entity": {"id": "rfnd_1", "payment_id": "pay_1",
            "amount": 10000, "currency": "INR", "status": "processed"}}}});
        assert_eq!(
            read("refund.processed", &body.to_string()),
            Ok(Delivery::Refund(Refunded {
                refund_id: "rfnd_1".into(),
                payment_id: "pay_1".into(),
                amount_minor: 10000,
                currency: "INR".into()
            }))
        );
        assert_eq!(
            read("refund.failed", &body.to_string()),
            Ok(Delivery::RefundFailed {
                refund_id: "rfnd_1".into()
            })
        );
        assert_eq!(read("payment.authorized", "{}"), Ok(Delivery::Other));
    }

    #[test]
    fn a_shape_novi_cannot_read_says_what_is_missing() {
        assert_eq!(
            read("payment.captured", "not json"),
            Err("the body is not JSON".into())
        );
        let no_order = json!({"payload": {"payment": {"entity": {"id": "pay_1", "amount": 1,
            "currency": "INR"}}}});
        assert_eq!(
            read("payment.captured", &no_order.to_string()),
            Err("the payment has no order_id".into())
        );
        let decimal = json!({"payload": {"payment": {"entity": {"id": "pay_1",
            "order_id": "order_1", "amount": 640.5, "currency": "INR"}}}});
        assert_eq!(
            read("payment.captured", &decimal.to_string()),
            Err("the payment has no whole amount in paise".into())
        );
        assert_eq!(
            read("refund.processed", "{}"),
            Err("the delivery has no refund in its payload".into())
        );
        assert_eq!(
            read("refund.failed", "{}"),
            Err("the delivery has no refund in its payload".into())
        );
    }
}
