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

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::duration(420), "0.4 s");
        assert_eq!(super::duration(125_000), "2 min 5 s");
        assert_eq!(super::duration(3_780_000), "1 h 3 min");
    }
}
