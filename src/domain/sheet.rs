//! Text written to a CSV file a spreadsheet may open. A cell starting with `=`, `+`, `-` or `@`
//! is run as a formula (a customer can type `=HYPERLINK(...)` as their name, an owner import it
//! as a product's), so it is written with a leading `'`, which spreadsheets show as text; a file
//! Novi reads back has that `'` taken off again.

/// What a spreadsheet would read as the start of a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a cell that shows as text. A text starting with `'` itself gets one more, so that
/// reading it back takes off only what was added.
pub fn cell(text: &str) -> String {
    if text.starts_with(FORMULA) || text.starts_with('\'') {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A cell [`cell`] wrote, as the text it was written from.
pub fn uncell(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA) || rest.starts_with('\'') => rest,
        _ => field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_written_as_text_and_read_back_as_written() {
        for text in [
            "=HYPERLINK(\"x\")",
            "+91",
            "-5",
            "@sum",
            "Kaju Katli",
            "'quoted",
            "",
        ] {
            assert_eq!(uncell(&cell(text)), text, "{text}");
        }
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("Kaju"), "Kaju");
    }
}
