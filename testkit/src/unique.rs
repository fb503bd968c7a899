//! Names no other test run uses at the same time (Kafka topics, temporary folders): prefix,
//! process id, clock nanoseconds and a per-process counter. Shared by the end-to-end tests and
//! the live `service` suite.

use std::sync::atomic::{AtomicU32, Ordering};

/// `prefix`, made unique to this process and call.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
