//! Reading and writing cookies by hand: Novi has two, so a cookie crate would be more code
//! than it saves.

use axum::http::{header, HeaderMap};

/// The session cookie's name. Over HTTPS both cookies carry the `__Host-` prefix: a browser
/// then takes them only from this host over HTTPS, so a neighbouring subdomain or a plain-HTTP
/// page cannot plant one.
pub fn session_name(https: bool) -> &'static str {
    if https {
        "__Host-novi_session"
    } else {
        "novi_session"
    }
}

/// The pre-session cookie's name: a random value that forms shown before login are bound to.
pub fn pre_session_name(https: bool) -> &'static str {
    if https {
        "__Host-novi_csrf"
    } else {
        "novi_csrf"
    }
}

/// The value of cookie `name`, if the request has it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value. Always `HttpOnly` and `Path=/`; `Secure` when served over HTTPS.
/// `max_age` of `None` makes a browser-session cookie; `Some(0)` deletes it.
pub fn build(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
    same_site: &str,
) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; novi_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(get(&h, "novi_session").as_deref(), Some("xyz"));
        assert_eq!(get(&h, "missing"), None);
    }

    #[test]
    fn builds_flags() {
        let c = build("s", "v", Some(60), true, "Lax");
        assert_eq!(c, "s=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
    }
}
