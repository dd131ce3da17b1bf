//! The kinds of message a customer or a group member sends, for the fake phone to deliver: built
//! as the crate's own protobuf messages (waproto), as WhatsApp hands them over.

use whatsapp_rust::wacore::proto_helpers::MessageBuilderExt;
use whatsapp_rust::wacore::types::message::MessageSource;
use whatsapp_rust::waproto::whatsapp as wa;
use whatsapp_rust::Jid;

use super::{FakeClient, PhoneGroup};

/// A tap on a reply button.
pub fn button_reply(id: &str, title: &str) -> wa::Message {
    use wa::__buffa::oneof::message::buttons_response_message::Response;
    let reply = wa::message::ButtonsResponseMessage {
        selected_button_id: Some(id.to_owned()),
        response: Some(Response::SelectedDisplayText(title.to_owned())),
        ..Default::default()
    };
    wa::Message {
        buttons_response_message: reply.into(),
        ..Default::default()
    }
}

/// A row picked from a list.
pub fn list_reply(id: &str, title: &str) -> wa::Message {
    let row = wa::message::list_response_message::SingleSelectReply {
        selected_row_id: Some(id.to_owned()),
    };
    let reply = wa::message::ListResponseMessage {
        title: Some(title.to_owned()),
        single_select_reply: row.into(),
        ..Default::default()
    };
    wa::Message {
        list_response_message: reply.into(),
        ..Default::default()
    }
}

/// A photo with a caption.
pub fn image(caption: &str) -> wa::Message {
    let image = wa::message::ImageMessage {
        caption: Some(caption.to_owned()),
        mimetype: Some("image/jpeg".to_owned()),
        ..Default::default()
    };
    wa::Message {
        image_message: image.into(),
        ..Default::default()
    }
}

/// A shared location.
pub fn location(latitude: f64, longitude: f64, name: &str, address: &str) -> wa::Message {
    let location = wa::message::LocationMessage {
        degrees_latitude: Some(latitude),
        degrees_longitude: Some(longitude),
        name: Some(name.to_owned()),
        address: Some(address.to_owned()),
        ..Default::default()
    };
    wa::Message {
        location_message: location.into(),
        ..Default::default()
    }
}

impl FakeClient {
    /// A customer sends `message` (any kind above) in a 1:1 chat. Returns whether Novi stored it.
    pub async fn customer_sends(&self, from: &str, id: &str, message: wa::Message) -> bool {
        let source = MessageSource {
            chat: Jid::pn(from),
            sender: Jid::pn(from),
            ..MessageSource::default()
        };
        self.deliver(source, id, message).await
    }

    /// `member` posts `text` in the group `chat_id` (`<digits>@g.us`) the phone is in.
    pub async fn group_post(&self, chat_id: &str, member: &str, id: &str, text: &str) -> bool {
        let Ok(chat) = chat_id.parse::<Jid>() else {
            return false;
        };
        let source = MessageSource {
            chat,
            sender: Jid::pn(member),
            is_group: true,
            ..MessageSource::default()
        };
        self.deliver(source, id, wa::Message::text(text)).await
    }

    /// The groups the phone is in, as WhatsApp lists them: (chat id, name).
    pub fn join_groups(&self, groups: &[(&str, &str)]) {
        if let Ok(mut g) = self.groups.lock() {
            *g = groups
                .iter()
                .map(|(id, name)| PhoneGroup {
                    chat_id: (*id).to_owned(),
                    name: (*name).to_owned(),
                })
                .collect();
        }
    }

    pub(super) fn group_list(&self) -> Result<Vec<PhoneGroup>, String> {
        if !self.is_open() {
            return Err("not connected".into());
        }
        Ok(self.groups.lock().map(|g| g.clone()).unwrap_or_default())
    }
}
