//! The design document's claims, judged from the evidence.

pub(crate) mod performance;
