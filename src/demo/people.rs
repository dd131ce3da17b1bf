//! The customers of a filled book: Indian names and mobile numbers, one or two addresses each,
//! when each first came, and how often each orders (a few regulars order most).

use rand::seq::SliceRandom;
use rand::Rng;

use crate::domain::Phone;

const FIRST: &[&str] = &[
    "Aarav", "Aditi", "Akash", "Ananya", "Anil", "Anjali", "Arjun", "Asha", "Deepak", "Divya",
    "Gaurav", "Geeta", "Harish", "Isha", "Karan", "Kavita", "Lakshmi", "Manoj", "Meera", "Mohan",
    "Neha", "Nikhil", "Pooja", "Pradeep", "Priya", "Rahul", "Rajesh", "Ravi", "Rekha", "Rohan",
    "Sanjay", "Seema", "Shreya", "Sneha", "Sunil", "Sunita", "Suresh", "Tanvi", "Varun", "Vikram",
    "Vidya", "Yash",
];
const LAST: &[&str] = &[
    "Agarwal",
    "Bhat",
    "Chopra",
    "Das",
    "Desai",
    "Gupta",
    "Hegde",
    "Iyer",
    "Jain",
    "Joshi",
    "Kapoor",
    "Khan",
    "Kulkarni",
    "Kumar",
    "Menon",
    "Mishra",
    "Nair",
    "Patel",
    "Pillai",
    "Rao",
    "Reddy",
    "Saxena",
    "Shah",
    "Sharma",
    "Shetty",
    "Singh",
    "Srinivasan",
    "Verma",
    "Yadav",
];
const STREETS: &[&str] = &[
    "MG Road",
    "Brigade Road",
    "100 Feet Road",
    "CMH Road",
    "Residency Road",
    "Church Street",
    "Outer Ring Road",
    "Hosur Road",
    "Bannerghatta Road",
    "Old Airport Road",
];
const AREAS: &[&str] = &[
    "Indiranagar",
    "Koramangala",
    "Jayanagar",
    "HSR Layout",
    "Whitefield",
    "Malleshwaram",
    "Basavanagudi",
    "BTM Layout",
    "Marathahalli",
    "JP Nagar",
    "Rajajinagar",
    "Hebbal",
];

/// One customer as filled.
pub struct Person {
    pub phone: Phone,
    pub name: String,
    pub addresses: Vec<String>,
    /// How far into the filled years they first ordered, 0 to 1.
    pub joins: f64,
}

/// Who orders: people in the order they came, and the running sum of how often each orders,
/// so an order at any point of the years goes to someone who had come by then.
pub struct Crowd {
    pub people: Vec<Person>,
    running: Vec<f64>,
}

impl Crowd {
    /// `n` customers. `salt` moves the numbers, so fills with other seeds file other people.
    pub fn new(n: u64, salt: u64, rng: &mut impl Rng) -> Crowd {
        // Regulars order far more than most: the r-th most frequent orders about (r+200)^-1.3
        // as often, so the busiest orders about once a day and the rest a few times a year.
        let mut weights: Vec<f64> = (0..n).map(|r| (r as f64 + 200.0).powf(-1.3)).collect();
        weights.shuffle(rng);
        let mut people: Vec<(Person, f64)> = weights
            .into_iter()
            .enumerate()
            .map(|(i, w)| (person(i as u64, salt, rng), w))
            .collect();
        people.sort_by(|a, b| a.0.joins.total_cmp(&b.0.joins));
        let mut sum = 0.0;
        let running = people
            .iter()
            .map(|(_, w)| {
                sum += w;
                sum
            })
            .collect();
        let people = people.into_iter().map(|(p, _)| p).collect();
        Crowd { people, running }
    }

    /// Someone who had come by `at` (0 to 1 through the years), by how often each orders.
    pub fn pick(&self, at: f64, rng: &mut impl Rng) -> usize {
        let come = self.people.partition_point(|p| p.joins <= at).max(1);
        let u = rng.gen::<f64>() * self.running[come - 1];
        self.running.partition_point(|&s| s <= u).min(come - 1)
    }
}

fn person(i: u64, salt: u64, rng: &mut impl Rng) -> Person {
    // The last nine digits are a bijection of `i`, so no two customers share a number.
    let tail = (i * 7_919 + salt) % 1_000_000_000;
    let lead = [9, 8, 7][(i % 3) as usize];
    let phone = Phone::from_digits(&format!("91{lead}{tail:09}")).expect("a valid Indian mobile");
    let name = format!(
        "{} {}",
        FIRST.choose(rng).expect("names"),
        LAST.choose(rng).expect("names")
    );
    let addresses = (0..rng.gen_range(1..=2)).map(|_| address(rng)).collect();
    // A shop opens with the customers it had; the rest come over the years.
    let joins = if rng.gen_bool(0.05) {
        0.0
    } else {
        rng.gen::<f64>()
    };
    Person {
        phone,
        name,
        addresses,
        joins,
    }
}

fn address(rng: &mut impl Rng) -> String {
    format!(
        "{}, {}, {}, Bengaluru",
        rng.gen_range(1..400),
        STREETS.choose(rng).expect("streets"),
        AREAS.choose(rng).expect("areas")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn numbers_are_distinct_and_early_orders_go_to_early_customers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let crowd = Crowd::new(2_000, 11, &mut rng);
        let mut phones: Vec<&str> = crowd.people.iter().map(|p| p.phone.as_str()).collect();
        phones.sort_unstable();
        phones.dedup();
        assert_eq!(phones.len(), 2_000);
        for _ in 0..1_000 {
            let who = crowd.pick(0.2, &mut rng);
            assert!(crowd.people[who].joins <= 0.2 || who == 0);
        }
    }
}
