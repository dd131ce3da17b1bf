//! The short answers customers give: yes, no, change. In English and Hindi as people type it.

/// Lowercase, with punctuation, emoji and extra spaces taken off the ends.
fn plain(text: &str) -> String {
    // Built in one string: every message with a draft open is put through this several times.
    let core = text.trim_matches(|c: char| !c.is_alphanumeric());
    let mut out = String::with_capacity(core.len());
    for word in core.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_ascii() {
        out.make_ascii_lowercase();
        out
    } else {
        out.to_lowercase()
    }
}

/// A message as the short answers are told apart: its [`plain`] words, worked out once, for
/// a message with a draft open is asked in turn whether it is each of them.
pub struct Said {
    plain: String,
    /// A bare 👍: a yes with no words.
    thumbs_up: bool,
}

impl Said {
    pub fn new(text: &str) -> Said {
        Said {
            plain: plain(text),
            thumbs_up: text.trim() == "👍",
        }
    }

    pub fn is_yes(&self) -> bool {
        yes_words(&self.plain) || self.thumbs_up
    }

    pub fn is_no(&self) -> bool {
        matches!(
            self.plain.as_str(),
            "no" | "n"
                | "nahi"
                | "nahin"
                | "na"
                | "cancel"
                | "cancel it"
                | "cancel order"
                | "rehne do"
                | "mat bhejo"
        )
    }

    /// The words that call an order off outright (the summary's Cancel button sends
    /// "cancel"): a bare "no" refuses, but may mean "that is not right" as well as "forget it".
    pub fn is_cancel(&self) -> bool {
        // Politeness around the words changes nothing: "rehne do bhaiya", "cancel please".
        let mut words = self
            .plain
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty() && !FILLER.contains(w));
        // No phrase is longer than three words.
        let mut said = [""; 3];
        let mut n = 0;
        for w in words.by_ref() {
            if n == said.len() {
                return false;
            }
            said[n] = w;
            n += 1;
        }
        CANCEL
            .iter()
            .any(|p| p.split(' ').eq(said[..n].iter().copied()))
    }

    pub fn is_change(&self) -> bool {
        matches!(
            self.plain.as_str(),
            "change" | "edit" | "modify" | "badlo" | "change order" | "change it"
        )
    }

    /// True when the message opens with a yes ("yes, 17 kg is fine", "haan ji, chalega").
    pub fn starts_with_yes(&self) -> bool {
        let first = self.plain.split(|c: char| !c.is_alphanumeric()).next();
        yes_words(first.unwrap_or("")) || yes_words(&self.plain)
    }
}

/// Plain words that say yes.
fn yes_words(t: &str) -> bool {
    matches!(
        t,
        "yes"
            | "y"
            | "yes please"
            | "yess"
            | "yeah"
            | "yup"
            | "ok"
            | "okay"
            | "ok confirm"
            | "confirm"
            | "confirmed"
            | "done"
            | "sure"
            | "haan"
            | "han"
            | "ha"
            | "haa"
            | "haan ji"
            | "ji"
            | "ji haan"
            | "theek hai"
            | "thik hai"
            | "ok bhaiya"
            | "haan bhaiya"
            | "place order"
            | "go ahead"
    )
}

/// What calls an order off, once the words said for politeness are left out.
const CANCEL: &[&str] = &[
    "cancel",
    "cancel it",
    "cancel order",
    "rehne do",
    "rehne dijiye",
    "mat bhejo",
    "nahi chahiye",
    "nahin chahiye",
    "don't want it",
    "dont want it",
    "don't want",
    "dont want",
];

/// True when "aur" ("and", "more") is one of the message's words.
pub fn says_aur(text: &str) -> bool {
    plain(text)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "aur")
}

/// Words said around an answer for politeness alone.
const FILLER: &[&str] = &[
    "bhaiya", "bhai", "ji", "sir", "madam", "please", "pls", "plz", "sorry", "ok", "okay",
];

/// Words that agree, refuse, thank or fill, and say nothing else: never an address or a note.
const AGREEING: &[&str] = &[
    "bhej",
    "bhejo",
    "bhejdo",
    "do",
    "de",
    "dena",
    "chalega",
    "chalo",
    "kar",
    "karo",
    "yes",
    "y",
    "yeah",
    "yup",
    "ok",
    "okay",
    "k",
    "sure",
    "done",
    "fine",
    "right",
    "haan",
    "han",
    "ha",
    "haa",
    "hmm",
    "hm",
    "ji",
    "theek",
    "thik",
    "hai",
    "h",
    "accha",
    "acha",
    "achha",
    "bilkul",
    "sahi",
    "bhaiya",
    "bhai",
    "sir",
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "you",
    "thx",
    "shukriya",
    "dhanyavad",
    "no",
    "nahi",
    "na",
    "nope",
    "confirm",
    "confirmed",
];

/// True when the message is only agreement, refusal, thanks or filler ("haan theek hai").
pub fn is_only_agreement(text: &str) -> bool {
    let t = plain(text);
    let mut ws = t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    ws.peek().is_some() && ws.all(|w| AGREEING.contains(&w))
}

/// Phrases that mean the customer will collect the order from the shop.
const PICKUP: &[&str] = &[
    "pick it up",
    "pick them up",
    "from the shop",
    "from your shop",
    "pickup",
    "pick up",
    "pick-up",
    "le jaunga",
    "le jaungi",
    "le jayenge",
    "le jaenge",
    "le jaaunga",
    "le lenge",
    "le lunga",
    "le lungi",
    "aake le",
    "aa ke le",
    "aakar le",
    "collect",
    "takeaway",
    "take away",
    "khud le",
    "shop se le",
    "dukan se le",
    "counter se",
];
/// Phrases that ask for delivery instead.
const DELIVERY: &[&str] = &[
    "deliver",
    "delivery",
    "bhej dena",
    "ghar pe",
    "ghar par",
    "home",
];

/// `Some(true)` when the message says they will pick the order up, `Some(false)` when it asks
/// for delivery, `None` when it says neither.
pub fn pickup_or_delivery(text: &str) -> Option<bool> {
    let t = format!(" {} ", plain(text));
    // A phrase counts where a word starts with it, so each phrase is compared at the start of
    // each word: every message with a draft open is read for this, and searching the whole
    // text for each phrase cost more than the rest of reading when and how.
    let says = |phrases: &[&str]| {
        t.match_indices(' ').map(|(i, _)| &t[i + 1..]).any(|word| {
            // Most words start with a letter no phrase does: one byte rules them out.
            let first = word.as_bytes().first();
            phrases
                .iter()
                .any(|p| p.as_bytes().first() == first && word.starts_with(p))
        })
    };
    if says(PICKUP) {
        Some(true)
    } else if says(DELIVERY) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_are_lowercase_with_single_spaces_and_no_ends() {
        assert_eq!(plain("  Haan \t  JI!! 🙏 "), "haan ji");
        assert_eq!(plain("«Theek\nHAI»"), "theek hai");
        assert_eq!(plain("ÖK 2 Kg"), "ök 2 kg");
        assert_eq!(plain("🙏🙏"), "");
    }

    #[test]
    fn reads_short_answers() {
        let is_yes = |t: &str| Said::new(t).is_yes();
        let is_no = |t: &str| Said::new(t).is_no();
        let is_cancel = |t: &str| Said::new(t).is_cancel();
        for yes in ["YES", "yes!", " haan ji ", "Theek hai", "👍", "Confirm"] {
            assert!(is_yes(yes), "{yes}");
        }
        for no in ["no", "Cancel", "nahi."] {
            assert!(is_no(no) && !is_yes(no), "{no}");
        }
        for off in ["Cancel", "cancel order", "rehne do"] {
            assert!(is_cancel(off) && is_no(off), "{off}");
        }
        for bare in ["no", "nahi", "na"] {
            assert!(!is_cancel(bare), "{bare}");
        }
        for polite in [
            "rehne do bhaiya",
            "Cancel please",
            "nahi chahiye ji",
            "sorry, don't want it",
        ] {
            assert!(is_cancel(polite), "{polite}");
        }
        assert!(!is_cancel("please"), "politeness alone calls nothing off");
        assert!(
            !is_cancel("cancel it please, cancel it"),
            "more than the words that call it off"
        );
        assert!(Said::new("Change").is_change());
        assert!(Said::new("Haan ji, chalega").starts_with_yes());
        assert!(!Said::new("2 kg more").starts_with_yes());
        assert!(
            !is_yes("yes 2 kg more kaju katli"),
            "an answer with an order in it is not just yes"
        );
    }

    #[test]
    fn agreement_is_never_an_address() {
        for text in ["haan theek hai", "OK ji", "thank you!", "accha bhaiya"] {
            assert!(is_only_agreement(text), "{text}");
        }
        for text in ["12 MG Road", "haan, 12 MG Road", ""] {
            assert!(!is_only_agreement(text), "{text}");
        }
    }

    #[test]
    fn pickup_or_delivery_as_people_say_it() {
        for text in [
            "pickup karunga",
            "main le jaunga",
            "shop se le lenge",
            "Self pick up",
        ] {
            assert_eq!(pickup_or_delivery(text), Some(true), "{text}");
        }
        assert_eq!(
            pickup_or_delivery("please deliver to 12 MG Road"),
            Some(false)
        );
        assert_eq!(pickup_or_delivery("2 kg jalebi"), None);
        // A phrase counts only where a word starts with it.
        assert_eq!(pickup_or_delivery("2 kg jalebi, Smarthome Towers"), None);
        assert_eq!(pickup_or_delivery("Home delivery please"), Some(false));
    }
}
