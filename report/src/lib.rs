//! `sonet-report`: the results model every suite writes and every report reads.
//!
//! It links no cryptography: the suites (which drive the `sonet` library) produce the model,
//! `cargo xtask` reads it back, and neither needs the other's dependencies for that.

pub mod model;
