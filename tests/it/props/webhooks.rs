//! The webhook readers (Cloud API and gateway): any body, whatever its JSON shape, is read as
//! the endpoints read it (parsed, then read) without a panic and in bounded memory.

use novi::whatsapp::{cloud, gateway};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::{config, gen, within_bound, PER_BYTE};
use crate::support::alloc::measure;
use crate::support::bridge::PNID;

/// A Cloud API envelope (`entry[].changes[].value`) around generated contacts, messages and
/// statuses, so the reader's inner paths are reached, not only its first checks.
fn cloud_like() -> impl Strategy<Value = Value> {
    let pnid = prop_oneof![3 => Just(json!(PNID)), 1 => gen::json()];
    let value = (
        pnid,
        vec(gen::json(), 0..4),
        vec(gen::json(), 0..6),
        vec(gen::json(), 0..4),
    );
    let change = value.prop_map(|(pnid, contacts, messages, statuses)| {
        json!({"field": "messages", "value": {"metadata": {"phone_number_id": pnid},
               "contacts": contacts, "messages": messages, "statuses": statuses}})
    });
    vec(vec(change, 0..3), 0..3).prop_map(|entries| {
        let entry: Vec<Value> = entries.into_iter().map(|c| json!({"changes": c})).collect();
        json!({"object": "whatsapp_business_account", "entry": entry})
    })
}

/// A gateway `message` event around a generated payload.
fn gateway_like() -> impl Strategy<Value = Value> {
    (gen::json(), gen::json(), gen::json()).prop_map(|(payload, session, timestamp)| {
        json!({"event": "message", "session": session, "timestamp": timestamp, "payload": payload})
    })
}

/// The body as sent: generated JSON, written out; or any bytes at all.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let shaped = prop_oneof![gen::json(), cloud_like(), gateway_like()];
    prop_oneof![
        4 => shaped.prop_map(|v| v.to_string().into_bytes()),
        1 => gen::bytes(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_cloud_body_is_read_in_bounded_memory(body in body()) {
        let (_, usage) = measure(|| {
            std::str::from_utf8(&body).map(|text| cloud::read(text, PNID))
        });
        within_bound("cloud::read", body.len(), PER_BYTE, usage)?;
    }

    #[test]
    fn any_gateway_body_is_read_in_bounded_memory(body in body()) {
        let (_, usage) = measure(|| serde_json::from_slice::<Value>(&body).map(|v| gateway::read(&v)));
        within_bound("gateway::read", body.len(), PER_BYTE, usage)?;
    }

    #[test]
    fn cloud_messages_come_from_the_body(body in cloud_like()) {
        let text = body.to_string();
        let read = cloud::read(&text, PNID);
        prop_assert!(read.is_ok(), "JSON read as not JSON: {read:?}");
        let (messages, statuses) = read.unwrap();
        for m in &messages {
            prop_assert!(text.contains(&serde_json::to_string(&m.provider_id).unwrap()));
        }
        for s in &statuses {
            prop_assert!(text.contains(&serde_json::to_string(&s.provider_id).unwrap()));
        }
    }
}
