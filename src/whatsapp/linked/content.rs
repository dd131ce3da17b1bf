//! What a message from a linked phone says, read from the crate's own message types (waproto)
//! into the kind, text and data every provider stores: a button or list reply reads as its
//! title with its id kept as `reply_id` (as the Cloud API's interactive replies do), an image
//! as its caption, a location as "name, address" with its coordinates.

use serde_json::{json, Value};
use whatsapp_rust::wacore::proto_helpers::MessageExt;
use whatsapp_rust::waproto::whatsapp as wa;

/// One message's kind, readable text, and the rest worth keeping.
pub struct Content {
    pub kind: &'static str,
    pub text: String,
    pub data: Value,
}

impl Content {
    fn new(kind: &'static str, text: Option<&str>, data: Value) -> Self {
        Self {
            kind,
            text: text.unwrap_or_default().to_owned(),
            data,
        }
    }
}

/// A reply to buttons or a list, as the Cloud API's `interactive` messages are stored.
fn reply(title: Option<&str>, id: Option<&str>, reply_type: &str) -> Content {
    Content::new(
        "interactive",
        title,
        json!({"reply_id": id, "reply_type": reply_type}),
    )
}

/// Reads `message` (wrappers such as disappearing messages peeled off first).
pub fn read(message: &wa::Message) -> Content {
    let m = message.get_base_message();
    if let Some(t) = message.text_content() {
        return Content::new("text", Some(t), json!({}));
    }
    if let Some(r) = interactive(m) {
        return r;
    }
    if let Some(l) = m.location_message.as_option() {
        return location(l);
    }
    if let Some(i) = m.image_message.as_option() {
        let data = json!({"caption": i.caption, "mime_type": i.mimetype,
                          "width": i.width, "height": i.height});
        return Content::new("image", i.caption.as_deref(), data);
    }
    // Other media keep their caption, under their own kind.
    if m.video_message.is_set() {
        return Content::new("video", message.get_caption(), json!({}));
    }
    if m.document_message.is_set() {
        return Content::new("document", message.get_caption(), json!({}));
    }
    Content::new("unsupported", None, json!({}))
}

/// Button replies (plain and template buttons), list replies, and the newer native-flow
/// replies, whose chosen id is in their JSON parameters.
fn interactive(m: &wa::Message) -> Option<Content> {
    use wa::__buffa::oneof::message::buttons_response_message::Response;
    use wa::__buffa::oneof::message::interactive_response_message::InteractiveResponseMessage as Flow;
    if let Some(b) = m.buttons_response_message.as_option() {
        let title = b
            .response
            .as_ref()
            .map(|Response::SelectedDisplayText(t)| t.as_str());
        return Some(reply(
            title,
            b.selected_button_id.as_deref(),
            "button_reply",
        ));
    }
    if let Some(b) = m.template_button_reply_message.as_option() {
        let (title, id) = (b.selected_display_text.as_deref(), b.selected_id.as_deref());
        return Some(reply(title, id, "button_reply"));
    }
    if let Some(l) = m.list_response_message.as_option() {
        let id = l
            .single_select_reply
            .as_option()
            .and_then(|s| s.selected_row_id.as_deref());
        return Some(reply(l.title.as_deref(), id, "list_reply"));
    }
    let i = m.interactive_response_message.as_option()?;
    let title = i.body.as_option().and_then(|b| b.text.as_deref());
    let id = match &i.interactive_response_message {
        Some(Flow::NativeFlowResponseMessage(f)) => f
            .params_json
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|p| p["id"].as_str().map(str::to_owned)),
        None => None,
    };
    Some(reply(title, id.as_deref(), "button_reply"))
}

/// A shared location: "name, address" as the text (what a customer would type), and the
/// coordinates under the Cloud API's field names.
fn location(l: &wa::message::LocationMessage) -> Content {
    let text = [l.name.as_deref(), l.address.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let data = json!({"latitude": l.degrees_latitude, "longitude": l.degrees_longitude,
                      "name": l.name, "address": l.address, "url": l.url});
    Content {
        kind: "location",
        text,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatsapp::linked::fake::kinds;

    fn read3(m: &wa::Message) -> (&'static str, String, Value) {
        let c = read(m);
        (c.kind, c.text, c.data)
    }

    #[test]
    fn replies_read_as_their_title_with_their_id_kept() {
        let (kind, text, data) = read3(&kinds::button_reply("confirm", "Confirm"));
        assert_eq!((kind, text.as_str()), ("interactive", "Confirm"));
        assert_eq!(data["reply_id"], "confirm");
        let (kind, text, data) = read3(&kinds::list_reply("sweets", "Sweets"));
        assert_eq!((kind, text.as_str()), ("interactive", "Sweets"));
        assert_eq!(
            (data["reply_id"].as_str(), data["reply_type"].as_str()),
            (Some("sweets"), Some("list_reply"))
        );
    }

    #[test]
    fn images_keep_their_caption_and_locations_their_place() {
        let (kind, text, _) = read3(&kinds::image("this one, 2 boxes"));
        assert_eq!((kind, text.as_str()), ("image", "this one, 2 boxes"));
        let (kind, text, data) = read3(&kinds::location(12.97, 77.59, "Home", "12 MG Road"));
        assert_eq!((kind, text.as_str()), ("location", "Home, 12 MG Road"));
        assert_eq!(data["latitude"], 12.97);
        assert_eq!(data["longitude"], 77.59);
    }
}
