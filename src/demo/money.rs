//! The money of a filled book, as a shop's would be: orders taken for Razorpay paid online a
//! little after they were placed (given back if the order was then cancelled), the rest paid in
//! cash or by UPI when delivered. Orders still on their way, or cancelled before any money
//! changed hands, are unpaid.

use rand::Rng;

use crate::domain::Money;
use crate::orders::{PaymentMode, PaymentStatus, Status};
use crate::payments::Kind;

/// One payment or refund of a past order, recorded at `at` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastPayment {
    pub kind: Kind,
    pub mode: PaymentMode,
    pub amount: Money,
    pub reference: String,
    pub at: i64,
}

/// What order `number`, taken at `at` for `total` to be paid by `mode`, was paid by `now`
/// after its `moves`, and where that leaves it.
pub fn of(
    number: i64,
    mode: PaymentMode,
    total: Money,
    at: i64,
    moves: &[(Status, i64)],
    now: i64,
    rng: &mut impl Rng,
) -> (PaymentStatus, Vec<PastPayment>) {
    let cancelled = moves.iter().find(|(s, _)| *s == Status::Cancelled);
    let delivered = moves.iter().find(|(s, _)| *s == Status::Delivered);
    let pay = |mode, reference, at| PastPayment {
        kind: Kind::Payment,
        mode,
        amount: total,
        reference,
        at,
    };
    if mode == PaymentMode::Razorpay {
        let paid_at = at + rng.gen_range(20..300);
        if paid_at > now || cancelled.is_some_and(|&(_, c)| c < paid_at) {
            return (PaymentStatus::Unpaid, Vec::new());
        }
        let paid = pay(mode, format!("pay_demo{number:010}"), paid_at);
        let Some(&(_, cancelled_at)) = cancelled else {
            return (PaymentStatus::Paid, vec![paid]);
        };
        let refund = PastPayment {
            kind: Kind::Refund,
            reference: format!("rfnd_demo{number:010}"),
            at: cancelled_at,
            ..paid.clone()
        };
        return (PaymentStatus::Refunded, vec![paid, refund]);
    }
    let Some(&(_, delivered_at)) = delivered else {
        return (PaymentStatus::Unpaid, Vec::new());
    };
    let paid = if rng.gen_bool(0.5) {
        pay(PaymentMode::Cash, String::new(), delivered_at)
    } else {
        let reference = rng
            .gen_range(100_000_000_000u64..1_000_000_000_000)
            .to_string();
        pay(PaymentMode::Upi, reference, delivered_at)
    };
    (PaymentStatus::Paid, vec![paid])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    const TOTAL: Money = Money::from_minor(64_000);

    #[test]
    fn razorpay_is_paid_online_and_given_back_when_cancelled_after() {
        let mut rng = StdRng::seed_from_u64(7);
        let now = 100_000;
        let (status, rows) = of(12, PaymentMode::Razorpay, TOTAL, 1_000, &[], now, &mut rng);
        assert_eq!(status, PaymentStatus::Paid);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].reference, "pay_demo0000000012");
        assert!((1_020..1_300).contains(&rows[0].at));

        let moves = [(Status::Confirmed, 1_500), (Status::Cancelled, 2_000)];
        let (status, rows) = of(
            13,
            PaymentMode::Razorpay,
            TOTAL,
            1_000,
            &moves,
            now,
            &mut rng,
        );
        assert_eq!(status, PaymentStatus::Refunded);
        let kinds: Vec<_> = rows.iter().map(|p| (p.kind, p.amount, p.at)).collect();
        assert_eq!(kinds[1], (Kind::Refund, TOTAL, 2_000));
        assert_eq!(rows[1].reference, "rfnd_demo0000000013");

        let too_soon = [(Status::Cancelled, 1_010)];
        let (status, rows) = of(
            14,
            PaymentMode::Razorpay,
            TOTAL,
            1_000,
            &too_soon,
            now,
            &mut rng,
        );
        assert_eq!((status, rows.len()), (PaymentStatus::Unpaid, 0));
    }

    #[test]
    fn cash_orders_are_paid_on_delivery_by_cash_or_upi() {
        let mut rng = StdRng::seed_from_u64(7);
        let on_way = [(Status::Confirmed, 1_100), (Status::OutForDelivery, 1_900)];
        let (status, rows) = of(1, PaymentMode::Cash, TOTAL, 1_000, &on_way, 9_999, &mut rng);
        assert_eq!((status, rows.len()), (PaymentStatus::Unpaid, 0));

        let delivered = [(Status::Confirmed, 1_100), (Status::Delivered, 2_500)];
        let mut modes = Vec::new();
        for n in 0..40 {
            let (status, rows) = of(
                n,
                PaymentMode::Cash,
                TOTAL,
                1_000,
                &delivered,
                9_999,
                &mut rng,
            );
            assert_eq!(status, PaymentStatus::Paid);
            let p = &rows[0];
            assert_eq!((p.kind, p.amount, p.at), (Kind::Payment, TOTAL, 2_500));
            match p.mode {
                PaymentMode::Upi => assert_eq!(p.reference.len(), 12, "{p:?}"),
                _ => assert_eq!((p.mode, p.reference.as_str()), (PaymentMode::Cash, "")),
            }
            modes.push(p.mode);
        }
        assert!(modes.contains(&PaymentMode::Cash) && modes.contains(&PaymentMode::Upi));
    }
}
