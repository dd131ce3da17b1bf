//! QR codes drawn as SVG inside pages: the storefront's link on the dashboard, UPI pay links on
//! the order and tracking pages, the code that links a shop's WhatsApp. Drawing one takes about a
//! millisecond (the encoder scores every mask pattern), and the dashboard draws the same
//! storefront code on every visit, which made it most of the dashboard's cost under load; so the
//! last few hundred drawings are kept.

use std::sync::{Arc, LazyLock};

/// Drawings by the text they encode.
static DRAWN: LazyLock<moka::sync::Cache<String, Arc<str>>> =
    LazyLock::new(|| moka::sync::Cache::new(256));

/// `text` as a QR code in SVG, sized for a phone camera to read from a screen or paper; None for
/// text too long for a QR code.
pub fn svg(text: &str) -> Option<Arc<str>> {
    if let Some(svg) = DRAWN.get(text) {
        return Some(svg);
    }
    let svg: Arc<str> = draw(text)?.into();
    DRAWN.insert(text.to_owned(), svg.clone());
    Some(svg)
}

fn draw(text: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(264, 264)
        .quiet_zone(true)
        .build();
    // Inside a page the XML declaration it starts with has no place.
    Some(svg[svg.find("<svg")?..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_an_svg_and_the_same_text_draws_the_same() {
        let link = "upi://pay?pa=sharma@okaxis&am=1.00";
        let first = svg(link).unwrap();
        assert!(
            first.starts_with("<svg") && first.ends_with("</svg>"),
            "{first}"
        );
        assert_eq!(svg(link).unwrap(), first);
        assert_ne!(svg("upi://pay?pa=sharma@okaxis&am=2.00").unwrap(), first);
        assert!(svg(&"x".repeat(8_000)).is_none(), "too long for a QR code");
    }
}
