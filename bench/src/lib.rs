//! Sonet's benchmark crate. Peer implementations are dependencies of this crate only, so the
//! product stays lean. The criterion benchmarks and peer comparisons are built in a later
//! stage of the project; until then this crate holds no benchmarks and claims none.
