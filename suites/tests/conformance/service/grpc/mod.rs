//! The gRPC case groups: health, reflection, TLS, the endpoints and their errors.

pub(crate) mod endpoints;
pub(crate) mod errors;
pub(crate) mod health;
pub(crate) mod reflection;
pub(crate) mod tls;
