//! `novi export orders`: a date range of orders as CSV or JSON on standard output.

use std::io::Write;
use std::path::Path;

use super::admin::open_existing;
use super::ExportFormat;
use crate::accounts::businesses;
use crate::audit;
use crate::orders::export::{all, day_range, write_csv, OrderJson};
use crate::orders::store::Filter;
use crate::payments;

pub fn orders(
    data_dir: &Path,
    code: &str,
    from: Option<&str>,
    to: Option<&str>,
    format: ExportFormat,
) -> anyhow::Result<()> {
    let db = open_existing(data_dir)?;
    let (business, orders, money) = db.with_conn(|c| {
        let b = businesses::require(c, code)?;
        let (from, to) = day_range(&b, from, to)?;
        let orders = all(
            c,
            b.id,
            &Filter {
                from,
                to,
                ..Default::default()
            },
        )?;
        // The JSON export shows each order as `GET /api/v1/orders/{number}` does, payments too.
        let money = match format {
            ExportFormat::Json => orders
                .iter()
                .map(|o| payments::summary(c, o))
                .collect::<Result<Vec<_>, _>>()?,
            ExportFormat::Csv => Vec::new(),
        };
        Ok((b, orders, money))
    })?;
    let what = format!(
        "orders from the shell ({})",
        crate::domain::plural::count(orders.len(), "order", "orders")
    );
    db.with_tx(|tx| {
        audit::record(
            tx,
            &audit::Actor::shell(),
            Some(business.id),
            audit::EXPORT,
            &what,
        )
    })?;
    let mut out = std::io::stdout().lock();
    let written = match format {
        ExportFormat::Csv => write_csv(&orders, &business, out).map_err(anyhow::Error::from),
        ExportFormat::Json => {
            let list: Vec<_> = orders
                .iter()
                .zip(&money)
                .map(|(o, m)| OrderJson::with_payment(o, payments::summary_json(m)))
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)
                .map_err(anyhow::Error::from)
                .and_then(|()| writeln!(out).map_err(anyhow::Error::from))
        }
    };
    let result = super::reader_may_stop(written);
    if let Err(e) = &result {
        // The row above was written first, so that the export is on record however it ends;
        // one that ended without the data is said to have, not left reading like a success.
        let failed = format!("{what}: not written ({e:#})");
        let actor = audit::Actor::shell();
        let noted =
            db.with_tx(|tx| audit::record(tx, &actor, Some(business.id), audit::EXPORT, &failed));
        if let Err(n) = noted {
            tracing::warn!(error = %n, "could not record the failed export");
        }
    }
    result
}
