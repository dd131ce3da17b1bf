//! The short answers customers give: yes, no, change. In English and Hindi as people type it.

/// Lowercase, with punctuation, emoji and extra spaces taken off the ends.
fn plain(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub fn is_yes(text: &str) -> bool {
    let t = plain(text);
    matches!(
        t.as_str(),
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
    ) || text.trim() == "👍"
}

pub fn is_no(text: &str) -> bool {
    matches!(
        plain(text).as_str(),
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

pub fn is_change(text: &str) -> bool {
    matches!(
        plain(text).as_str(),
        "change" | "edit" | "modify" | "badlo" | "change order" | "change it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_answers() {
        for yes in ["YES", "yes!", " haan ji ", "Theek hai", "👍", "Confirm"] {
            assert!(is_yes(yes), "{yes}");
        }
        for no in ["no", "Cancel", "nahi."] {
            assert!(is_no(no) && !is_yes(no), "{no}");
        }
        assert!(is_change("Change"));
        assert!(
            !is_yes("yes 2 kg more kaju katli"),
            "an answer with an order in it is not just yes"
        );
    }
}
