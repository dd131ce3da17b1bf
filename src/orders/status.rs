//! The order lifecycle: pending → confirmed → preparing → out_for_delivery → delivered, and
//! cancelled from any state before out_for_delivery. Every other move is refused with a reason.

use serde::{Deserialize, Serialize};

use super::error::MoveRefused;
use super::model::Fulfilment;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Confirmed,
    Preparing,
    OutForDelivery,
    Delivered,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Confirmed,
        Status::Preparing,
        Status::OutForDelivery,
        Status::Delivered,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Confirmed => "confirmed",
            Status::Preparing => "preparing",
            Status::OutForDelivery => "out_for_delivery",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }

    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "Pending",
            Status::Confirmed => "Confirmed",
            Status::Preparing => "Preparing",
            Status::OutForDelivery => "Out for delivery",
            Status::Delivered => "Delivered",
            Status::Cancelled => "Cancelled",
        }
    }

    /// This status as the step of an order that reaches its customer `how`: its name (which
    /// names the customer's message, `status_{name}`) and how a person reads it. A pickup
    /// order's last two steps are being ready at the shop and being picked up, not a delivery.
    pub fn step(self, how: Fulfilment) -> (&'static str, &'static str) {
        match (self, how) {
            (Status::OutForDelivery, Fulfilment::Pickup) => {
                ("ready_for_pickup", "Ready for pickup")
            }
            (Status::Delivered, Fulfilment::Pickup) => ("picked_up", "Picked up"),
            _ => (self.as_str(), self.label()),
        }
    }

    /// How a filter or count of orders of both kinds names this status: the step it is for a
    /// delivery and for a pickup where the two differ.
    pub fn label_both(self) -> &'static str {
        match self {
            Status::OutForDelivery => "Out for delivery / ready for pickup",
            Status::Delivered => "Delivered / picked up",
            _ => self.label(),
        }
    }

    /// How a person reads this status as the step of an order that reaches them `how`.
    pub fn label_for(self, how: Fulfilment) -> &'static str {
        self.step(how).1
    }

    /// The step after this one on the way to delivery.
    fn forward(self) -> Option<Status> {
        match self {
            Status::Pending => Some(Status::Confirmed),
            Status::Confirmed => Some(Status::Preparing),
            Status::Preparing => Some(Status::OutForDelivery),
            Status::OutForDelivery => Some(Status::Delivered),
            Status::Delivered | Status::Cancelled => None,
        }
    }

    /// Before the order has left the shop, it can still be called off.
    pub fn can_cancel(self) -> bool {
        matches!(
            self,
            Status::Pending | Status::Confirmed | Status::Preparing
        )
    }

    /// Lines may be changed only before the kitchen starts on them.
    pub fn can_edit_lines(self) -> bool {
        matches!(self, Status::Pending | Status::Confirmed)
    }

    /// The states this one may move to, in the order buttons show them.
    pub fn next(self) -> Vec<Status> {
        let mut next: Vec<Status> = self.forward().into_iter().collect();
        if self.can_cancel() {
            next.push(Status::Cancelled);
        }
        next
    }

    /// Checks a move, saying why when it is not allowed.
    pub fn check_move(self, to: Status) -> Result<(), MoveRefused> {
        if self.next().contains(&to) {
            Ok(())
        } else {
            Err(MoveRefused { from: self, to })
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
            .ok_or_else(|| {
                // Said back cut short: a 100,000-character status made a 100 KB answer.
                let given = crate::domain::cut_short(s.trim(), 40);
                format!(
                    "status must be one of pending, confirmed, preparing, out_for_delivery, \
                     delivered, cancelled; not \"{given}\""
                )
            })
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_happy_path_moves_one_step_at_a_time() {
        let path = [Pending, Confirmed, Preparing, OutForDelivery, Delivered];
        for pair in path.windows(2) {
            assert!(pair[0].check_move(pair[1]).is_ok(), "{:?}", pair);
        }
        assert!(Pending.check_move(Preparing).is_err(), "no skipping");
        assert!(Preparing.check_move(Confirmed).is_err(), "no going back");
    }

    #[test]
    fn cancel_only_before_out_for_delivery() {
        for s in [Pending, Confirmed, Preparing] {
            assert!(s.check_move(Cancelled).is_ok());
        }
        let err = OutForDelivery
            .check_move(Cancelled)
            .unwrap_err()
            .to_string();
        assert!(err.contains("can no longer be cancelled"), "{err}");
        assert!(Delivered.check_move(Cancelled).is_err());
    }

    #[test]
    fn final_states_go_nowhere_and_say_so() {
        assert!(Delivered.next().is_empty());
        assert!(Cancelled.next().is_empty());
        assert!(Cancelled
            .check_move(Pending)
            .unwrap_err()
            .to_string()
            .contains("cannot change"));
        assert!(Pending
            .check_move(Pending)
            .unwrap_err()
            .to_string()
            .contains("already"));
    }

    #[test]
    fn parses_its_own_names_only() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert!("shipped".parse::<Status>().is_err());
    }
}
