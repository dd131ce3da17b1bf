//! `novi report sales`: a range's sales by day, product or category as CSV or JSON on standard
//! output, the same figures as the reports page.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;

use super::admin::open_existing;
use super::ExportFormat;
use crate::accounts::businesses;
use crate::reports::period::parse_day;
use crate::reports::sales::{sales, By};
use crate::reports::Period;

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Sales of the orders that stand, for shop-local days --from ..= --to (at most 366 days),
    /// by day, product or category.
    Sales {
        #[arg(long)]
        business: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// day, product or category.
        #[arg(long, value_parser = ["day", "product", "category"])]
        by: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
    },
}

pub fn run(data_dir: &Path, cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Sales {
        business,
        from,
        to,
        by,
        format,
    } = cmd;
    // Checked before the data directory is opened, so a typo is named whatever else is wrong.
    let p = Period::range(parse_day(&from, "from")?, parse_day(&to, "to")?)?;
    let by = By::parse(&by)?;
    let db = open_existing(data_dir)?;
    let report = db.with_conn(|c| {
        let b = businesses::require(c, &business)?;
        sales(c, &b, &p, by, None)
    })?;
    let mut out = std::io::stdout().lock();
    let written = match format {
        ExportFormat::Csv => report.write_csv(&mut out).map_err(anyhow::Error::from),
        ExportFormat::Json => serde_json::to_writer_pretty(&mut out, &report.json())
            .map_err(anyhow::Error::from)
            .and_then(|()| writeln!(out).map_err(anyhow::Error::from)),
    };
    super::reader_may_stop(written)
}
