//! `novi demo fill`: a shop filled with years of realistic orders, to try Novi at scale and to
//! benchmark its pages. Orders are written as the order book writes them (numbers in turn,
//! totals the exact sum of their priced lines, a timeline event a move), in large batched
//! transactions with cached statements, so a million orders take a minute or two.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::calendar::{orders_per_day, times_of_day};
use super::menu::Menu;
use super::money::{self, PastPayment};
use super::people::Crowd;
use crate::accounts::businesses::Business;
use crate::accounts::users;
use crate::customers;
use crate::db::Db;
use crate::domain::Money;
use crate::error::{AppError, AppResult};
use crate::orders::service::totals;
use crate::orders::store::{self, PastOrder};
use crate::orders::{Channel, Fulfilment, PaymentMode, Status};
use crate::payments::{self, NewPayment};

/// Orders written per transaction: large enough that commits cost nothing, small enough that
/// progress shows and the write lock is let go now and then.
const BATCH: usize = 20_000;

/// What to fill a shop with.
#[derive(Debug, Clone)]
pub struct FillSpec {
    pub orders: u64,
    pub customers: u64,
    /// The orders fall on this many days, ending today.
    pub days: u32,
    /// The same seed on an empty shop gives the same book.
    pub seed: u64,
}

impl FillSpec {
    fn check(&self) -> AppResult<()> {
        let bad = |m: &str| Err(AppError::Invalid(m.into()));
        if !(1..=50_000_000).contains(&self.orders) {
            return bad("--orders must be from 1 to 50000000");
        }
        if !(1..=10_000_000).contains(&self.customers) {
            return bad("--customers must be from 1 to 10000000");
        }
        if !(1..=3_650).contains(&self.days) {
            return bad("--days must be from 1 to 3650");
        }
        Ok(())
    }
}

/// What a fill did.
#[derive(Debug)]
pub struct Filled {
    pub business: Business,
    /// The business was made now (with the demo catalog).
    pub created: bool,
    /// The first and last order numbers written.
    pub numbers: (i64, i64),
}

/// Fills business `code` (made first, with the demo catalog, when there is none), reporting
/// the orders written so far to `progress` after each batch.
pub fn fill(
    db: &Db,
    code: &str,
    spec: &FillSpec,
    mut progress: impl FnMut(u64),
) -> AppResult<Filled> {
    spec.check()?;
    let (business, created) = super::shop_for_fill(db, code)?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let menu = db.with_conn(|c| Menu::of(c, business.id, &mut rng))?;
    let crowd = Crowd::new(spec.customers, spec.seed, &mut rng);
    let ids = db.with_tx(|tx| {
        crowd
            .people
            .iter()
            .map(|p| customers::upsert(tx, business.id, &p.phone, &p.name))
            .collect::<AppResult<Vec<i64>>>()
    })?;
    let times = order_times(&business, spec, &mut rng);
    let first = db.with_conn(|c| store::next_number(c, business.id))?;
    let mut book = Book {
        business: &business,
        menu: &menu,
        crowd: &crowd,
        ids: &ids,
        span: (times.first().copied().unwrap_or(0), Utc::now().timestamp()),
        seen: vec![None; ids.len()],
        staff: db
            .with_conn(|c| users::by_username(c, super::DEMO_USERNAME))?
            .filter(|u| u.business_id == Some(business.id))
            .map(|u| u.id),
    };
    for (i, batch) in times.chunks(BATCH).enumerate() {
        let number = first + (i * BATCH) as i64;
        db.with_tx(|tx| book.write(tx, number, batch, &mut rng))?;
        progress(((i * BATCH) + batch.len()) as u64);
    }
    db.with_tx(|tx| book.date_customers(tx))?;
    let last = first + times.len() as i64 - 1;
    Ok(Filled {
        business,
        created,
        numbers: (first, last),
    })
}

/// When each order was taken (Unix seconds), earliest first, up to now.
fn order_times(b: &Business, spec: &FillSpec, rng: &mut impl Rng) -> Vec<i64> {
    let now = Utc::now().with_timezone(&b.offset());
    let today = now.date_naive();
    let midnight = |d: NaiveDate| {
        b.offset()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .map_or(0, |t| t.timestamp())
    };
    let gone = now.timestamp() - midnight(today);
    let mut times = Vec::with_capacity(spec.orders as usize);
    for (day, n) in orders_per_day(spec.orders, spec.days, today, gone as f64 / 86_400.0, rng) {
        let span = if day == today { gone } else { 86_400 };
        let start = midnight(day);
        times.extend(times_of_day(n, span, rng).into_iter().map(|s| start + s));
    }
    times
}

/// The state of one fill: who has ordered when, and what to write from.
struct Book<'a> {
    business: &'a Business,
    menu: &'a Menu,
    crowd: &'a Crowd,
    ids: &'a [i64],
    /// The first order and now, to place each order in the years filled.
    span: (i64, i64),
    /// Each customer's first and last order, and the address they last had one sent to.
    seen: Vec<Option<(i64, i64, usize)>>,
    /// The demo owner, who took the cash and UPI payments, when the shop has them.
    staff: Option<i64>,
}

impl Book<'_> {
    fn write(
        &mut self,
        tx: &rusqlite::Connection,
        first: i64,
        times: &[i64],
        rng: &mut impl Rng,
    ) -> AppResult<()> {
        for (i, &at) in times.iter().enumerate() {
            self.write_one(tx, first + i as i64, at, rng)?;
        }
        Ok(())
    }

    fn write_one(
        &mut self,
        tx: &rusqlite::Connection,
        number: i64,
        at: i64,
        rng: &mut impl Rng,
    ) -> AppResult<()> {
        let (start, now) = self.span;
        let through = (at - start) as f64 / (now - start).max(1) as f64;
        let who = self.crowd.pick(through, rng);
        let person = &self.crowd.people[who];
        let lines = self.menu.order(rng);
        let fulfilment = if rng.gen_bool(0.2) {
            Fulfilment::Pickup
        } else {
            Fulfilment::Delivery
        };
        let fee = fulfilment.fee(Money::from_minor(self.business.delivery_fee_minor));
        let totals = totals(&lines, fee).map_err(|e| AppError::Invalid(e.to_string()))?;
        let place = rng.gen_range(0..person.addresses.len());
        let address = match fulfilment {
            Fulfilment::Delivery => person.addresses[place].as_str(),
            Fulfilment::Pickup => "",
        };
        let channel = channel(rng);
        let moves = moves(at, now, rng);
        let mode = if rng.gen_bool(0.3) {
            PaymentMode::Razorpay
        } else {
            PaymentMode::Cash
        };
        let (payment_status, paid) = money::of(number, mode, totals.total, at, &moves, now, rng);
        let order = PastOrder {
            number,
            channel,
            customer_id: self.ids[who],
            lines: &lines,
            totals: &totals,
            currency: &self.business.currency,
            address,
            notes: notes(rng),
            payment_mode: mode,
            payment_status,
            fulfilment,
            deliver_on: wanted_on(self.business, at, rng),
            created_at: at,
            moves: &moves,
            actor: actor(channel),
            staff: super::DEMO_USERNAME,
            chat_ms: (channel == Channel::Whatsapp).then(|| {
                let first = at * 1000 - rng.gen_range(60_000..900_000);
                (first, first + rng.gen_range(2_000..30_000))
            }),
        };
        let id = store::insert_past(tx, self.business.id, &order)?;
        for p in &paid {
            self.record(tx, id, p)?;
        }
        let seen = &mut self.seen[who];
        let first = seen.map_or(at, |(f, _, _)| f);
        let place = if address.is_empty() {
            seen.map_or(place, |s| s.2)
        } else {
            place
        };
        *seen = Some((first, at, place));
        Ok(())
    }

    /// Records payment `p` of order `order_id`: staff took cash and UPI, Razorpay reported
    /// its own.
    fn record(&self, tx: &rusqlite::Connection, order_id: i64, p: &PastPayment) -> AppResult<()> {
        let online = p.mode == PaymentMode::Razorpay;
        let row = NewPayment {
            amount: p.amount,
            mode: p.mode,
            kind: p.kind,
            reference: p.reference.clone(),
            recorded_by: if online { None } else { self.staff },
            actor: String::new(),
        };
        payments::store::insert_at(tx, self.business.id, order_id, &row, p.at)?;
        Ok(())
    }

    /// Files each customer as first seen at their first order and active at their last, with
    /// their addresses; a customer who never ordered is dated at the first order of the book.
    fn date_customers(&self, tx: &rusqlite::Connection) -> AppResult<()> {
        let bid = self.business.id;
        for (i, person) in self.crowd.people.iter().enumerate() {
            let (first, last, place) = self.seen[i].unwrap_or((self.span.0, self.span.0, 0));
            customers::backdate(tx, self.ids[i], first, last)?;
            for (j, a) in person.addresses.iter().enumerate() {
                let used = if j == place { last } else { first };
                customers::remember_address_at(tx, bid, self.ids[i], a, used)?;
            }
        }
        Ok(())
    }
}

/// Most orders come by WhatsApp; the rest by hand at the counter, from groups, the API and
/// the storefront.
fn channel(rng: &mut impl Rng) -> Channel {
    match rng.gen_range(0..100) {
        0..=59 => Channel::Whatsapp,
        60..=79 => Channel::Manual,
        80..=89 => Channel::Group,
        90..=96 => Channel::Api,
        _ => Channel::Storefront,
    }
}

/// Who took an order of a channel, as the timeline names them.
fn actor(channel: Channel) -> &'static str {
    match channel {
        Channel::Whatsapp | Channel::Group => "customer",
        Channel::Manual => super::DEMO_USERNAME,
        Channel::Api => "api",
        Channel::Storefront => "storefront",
    }
}

/// The moves an order taken at `at` made by `now`: on to delivered within hours, or (about one
/// in sixteen) cancelled before it went out. Recent orders are still on their way.
fn moves(at: i64, now: i64, rng: &mut impl Rng) -> Vec<(Status, i64)> {
    const STEPS: [(Status, i64, i64); 4] = [
        (Status::Confirmed, 60, 1_800),
        (Status::Preparing, 300, 3_600),
        (Status::OutForDelivery, 600, 5_400),
        (Status::Delivered, 900, 5_400),
    ];
    let cancel = rng.gen_bool(0.06).then(|| rng.gen_range(0..3));
    let (mut out, mut t) = (Vec::with_capacity(4), at);
    for (i, &(status, least, most)) in STEPS.iter().enumerate() {
        let status = if cancel == Some(i) {
            Status::Cancelled
        } else {
            status
        };
        t += rng.gen_range(least..most);
        if t > now {
            break;
        }
        out.push((status, t));
        if status == Status::Cancelled {
            break;
        }
    }
    out
}

fn notes(rng: &mut impl Rng) -> &'static str {
    const NOTES: [&str; 6] = [
        "Less sugar please",
        "Call before coming",
        "Gift wrap",
        "Leave with the security guard",
        "Fresh batch please",
        "Ring the bell twice",
    ];
    if rng.gen_bool(0.05) {
        NOTES[rng.gen_range(0..NOTES.len())]
    } else {
        ""
    }
}

/// About one order in seven names the day it is wanted: that day or up to three after.
fn wanted_on(b: &Business, at: i64, rng: &mut impl Rng) -> Option<NaiveDate> {
    if !rng.gen_bool(0.15) {
        return None;
    }
    let day = Utc
        .timestamp_opt(at, 0)
        .single()?
        .with_timezone(&b.offset());
    Some(day.date_naive() + Duration::days(rng.gen_range(0..=3)))
}
