//! `novi demo fill`: fills a business with years of realistic orders, for trying Novi at scale
//! and for the page benchmark (`examples/pages_bench.rs`); `--products N` gives it a large
//! catalog, for the storefront benchmark (`examples/store_bench.rs`).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use clap::{Args, Subcommand};

use crate::db::Db;
use crate::demo::fill::{fill, FillSpec};
use crate::demo::{stock_up, DEMO_CODE};

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Fill a business with past orders: spread over --days ending today (busier at weekends,
    /// lunchtime and evenings, and before festivals), from --customers repeat customers (a few
    /// regulars order most), a few lines each from the catalog, mostly delivered; and/or top its
    /// catalog up to --products products. A missing business is made with the demo catalog;
    /// `demo` also gets the demo login.
    Fill(FillArgs),
}

#[derive(Args, Debug)]
pub struct FillArgs {
    /// The business's short code.
    #[arg(long, default_value = DEMO_CODE)]
    pub business: String,
    /// How many orders to add.
    #[arg(long, requires = "customers", required_unless_present = "products")]
    pub orders: Option<u64>,
    /// How many customers they come from (at most --orders).
    #[arg(long, requires = "orders")]
    pub customers: Option<u64>,
    /// Top the catalog up to this many products with generated ones (sweets, namkeen, bakes,
    /// dry fruits, drinks, with prices, packs and stock), before any orders are added.
    #[arg(long)]
    pub products: Option<u64>,
    /// The orders fall on this many days, ending today.
    #[arg(long, default_value_t = 1_095)]
    pub days: u32,
    /// The same seed on an empty shop gives the same orders.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `--products N`: the catalog topped up first, so the orders that follow draw on it.
fn stock(db: &Db, args: &FillArgs, n: u64) -> anyhow::Result<()> {
    let done = stock_up(db, &args.business, n, args.seed)?;
    let b = &done.business;
    if done.created {
        outln!(
            "added business {} ({}) with the demo catalog",
            b.short_code,
            b.name
        )?;
    }
    outln!(
        "stocked {}: {} products added, {} in all",
        b.short_code,
        done.added,
        done.products
    )?;
    Ok(())
}

pub fn run(data_dir: &Path, cmd: DemoCommand) -> anyhow::Result<()> {
    let DemoCommand::Fill(args) = cmd;
    let db = Db::open(data_dir)?;
    if let Some(n) = args.products {
        stock(&db, &args, n)?;
    }
    let (Some(orders), Some(customers)) = (args.orders, args.customers) else {
        return Ok(());
    };
    // Customers are made for the orders to come from: more than there are orders would only
    // fill the book (one order from ten million customers wrote 3 GB).
    if customers > orders && orders > 0 {
        eprintln!("--customers {customers} is more than --orders {orders}: making {orders}");
    }
    let spec = FillSpec {
        orders,
        customers: customers.min(orders),
        days: args.days,
        seed: args.seed,
    };
    let started = Instant::now();
    let filled = fill(&db, &args.business, &spec, |done| {
        eprint!("\r{done} of {} orders", spec.orders);
        let _ = std::io::stderr().flush();
    })?;
    eprintln!();
    let b = &filled.business;
    if filled.created {
        outln!(
            "added business {} ({}) with the demo catalog",
            b.short_code,
            b.name
        )?;
    }
    outln!(
        "filled {}: orders #{} to #{} from {} customers over {} days, in {:.1} s",
        b.short_code,
        filled.numbers.0,
        filled.numbers.1,
        spec.customers,
        spec.days,
        started.elapsed().as_secs_f64()
    )?;
    if filled.created && b.short_code != DEMO_CODE {
        outln!(
            "add someone to log in: novi user add --business {} --username NAME --role owner",
            b.short_code
        )?;
    }
    Ok(())
}
