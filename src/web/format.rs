//! How figures read on a page: durations as people say them, money in the shop's currency.

/// "0.4 s", "2 min 5 s", "1 h 3 min".
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..=59_999 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

/// How long ago something was, roughly: "12 min", "5 h", "3 days".
pub fn age(secs: i64) -> String {
    match secs.max(0) {
        0..=3_599 => format!("{} min", secs.max(0) / 60),
        3_600..=172_799 => format!("{} h", secs / 3_600),
        _ => format!("{} days", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(420), "0.4 s");
        assert_eq!(super::duration(125_000), "2 min 5 s");
        assert_eq!(super::duration(3_780_000), "1 h 3 min");
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(super::age(750), "12 min");
        assert_eq!(super::age(5 * 3600 + 59), "5 h");
        assert_eq!(super::age(3 * 86_400), "3 days");
    }
}
