//! Staff correcting a line read from a message: the customer's words stay with the line, and
//! the product it now is learns them (`catalog::suggestions`), so the shop can make them an
//! alias. A line moved on from a product staff had picked takes that product's count back.

use rusqlite::Connection;

use super::model::{Line, Order, Said};
use crate::catalog::suggestions;
use crate::error::AppResult;

/// The words each new line keeps: those of the order line it edits (`from`), each old line's
/// words going to the first request that names it, so a repeated position counts once.
pub fn carry(order: &Order, from: &[Option<usize>], count: usize) -> Vec<Option<Said>> {
    let mut taken = vec![false; order.lines.len()];
    (0..count)
        .map(|i| {
            let j = from.get(i).copied().flatten()?;
            let slot = taken.get_mut(j)?;
            if std::mem::replace(slot, true) {
                return None;
            }
            order.lines[j].said.clone()
        })
        .collect()
}

/// Learns from each line whose product staff changed: its words count for the new product,
/// unless that is what the reader read them as, and a product staff had picked before (not
/// the one read) has its count taken back.
pub fn moved(
    conn: &Connection,
    business_id: i64,
    before: &Order,
    after: &[Line],
    from: &[Option<usize>],
) -> AppResult<()> {
    for (line, j) in after.iter().zip(from) {
        let (Some(said), Some(old)) = (&line.said, j.and_then(|j| before.lines.get(j))) else {
            continue;
        };
        if old.product_id == line.product_id {
            continue;
        }
        let read_as = said.read_as.as_deref();
        if read_as != Some(line.sku.as_str()) {
            suggestions::record(conn, business_id, line.product_id, &said.words)?;
        }
        if read_as != Some(old.sku.as_str()) {
            suggestions::unrecord(conn, business_id, old.product_id, &said.words)?;
        }
    }
    Ok(())
}
