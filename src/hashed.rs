//! Maps and sets hashed with foldhash rather than std's SipHash, for tables looked up in hot
//! loops: the reader's word tables (every word of every message) and a day's sums on the
//! dashboard (a year of the 1,000,000-order book hashes a million order lines). SipHash was an
//! eighth of the reading and a sixteenth of summing the year. Seeded per process, as std's are.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
