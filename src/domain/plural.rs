//! Counts in words, as owners and customers read them: "1 order", "2 orders", "0 orders";
//! never "1 orders" or "order(s)".

/// `n` and its noun: `one` for exactly one (or minus one), `many` for every other count.
/// `count(1, "order", "orders")` is "1 order".
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: TryInto<i128> + Copy + std::fmt::Display,
{
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, for a count written elsewhere: `one` for exactly one, else `many`.
pub fn noun<'a, N: TryInto<i128>>(n: N, one: &'a str, many: &'a str) -> &'a str {
    match n.try_into() {
        Ok(1 | -1) => one,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "order", "orders"), "1 order");
        assert_eq!(count(0, "order", "orders"), "0 orders");
        assert_eq!(count(2_i64, "item", "items"), "2 items");
        assert_eq!(count(1_usize, "item", "items"), "1 item");
        assert_eq!(count(11_u32, "problem", "problems"), "11 problems");
        assert_eq!(count(-1_i64, "piece", "pieces"), "-1 piece");
        assert_eq!(count(u64::MAX, "day", "days"), format!("{} days", u64::MAX));
    }

    #[test]
    fn the_noun_alone_follows_the_same_rule() {
        assert_eq!(noun(1_u64, "minute", "minutes"), "minute");
        assert_eq!(noun(5_i32, "minute", "minutes"), "minutes");
    }
}
