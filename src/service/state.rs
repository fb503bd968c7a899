//! What every RPC handler shares: settings, the store, the bus, metrics, the audit log and the
//! authentication of callers.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tonic::{Request, Status};

use super::auth::{self, CallPath, Caller};
use super::config::Settings;
use super::metrics::Metrics;
use super::store::{Store, StoreError};
use crate::bus::{BusError, SharedBus};

pub(crate) struct State {
    pub settings: Settings,
    pub store: Arc<Store>,
    pub bus: SharedBus,
    pub metrics: Metrics,
    /// Bumped whenever a mailbox received a message; subscribers wait on it.
    pub mailbox_version: watch::Sender<u64>,
    /// Serialises commits per group.
    group_locks: Mutex<HashMap<Vec<u8>, Arc<tokio::sync::Mutex<()>>>>,
    admins: HashSet<Vec<u8>>,
    pub bus_up: AtomicBool,
    /// Set when the server is shutting down: streams end, workers stop.
    pub shutdown: watch::Receiver<bool>,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl State {
    pub fn new(
        settings: Settings,
        store: Arc<Store>,
        bus: SharedBus,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let admins = settings
            .config
            .security
            .grpc
            .admin_identities
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .collect();
        State {
            settings,
            store,
            bus,
            metrics: Metrics::default(),
            mailbox_version: watch::channel(0).0,
            group_locks: Mutex::new(HashMap::new()),
            admins,
            bus_up: AtomicBool::new(false),
            shutdown,
        }
    }

    /// Runs a store operation off the async runtime.
    pub async fn db<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, Status> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || operation(&store))
            .await
            .map_err(|e| Status::internal(format!("store task failed: {e}")))?
            .map_err(store_status)
    }

    /// The lock that orders commits of one group.
    pub fn group_lock(&self, group_id: &[u8]) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.group_locks.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(locks.entry(group_id.to_vec()).or_default())
    }

    pub fn bus_is_up(&self) -> bool {
        self.bus_up.load(Ordering::Relaxed)
    }

    /// Counts a finished call by method and status code; refusals (authentication,
    /// authorization, a lost commit race) also go to the audit log.
    pub fn observe<T>(&self, method: &'static str, result: Result<T, Status>) -> Result<T, Status> {
        let code = match &result {
            Ok(_) => "OK".to_string(),
            Err(status) => format!("{:?}", status.code()),
        };
        if let Err(status) = &result {
            if matches!(
                status.code(),
                tonic::Code::Unauthenticated | tonic::Code::PermissionDenied | tonic::Code::Aborted
            ) {
                tracing::info!(
                    target: "sonet::audit",
                    event = "call.refused",
                    method,
                    code = %code,
                    reason = status.message(),
                );
            }
        }
        self.metrics
            .inc("sonet_rpc_total", &[("method", method), ("code", &code)]);
        result
    }

    /// Authenticates the caller of `request` (mTLS certificate or signed metadata).
    pub async fn authenticate<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let result = self.authenticate_inner(request).await;
        if let Err(status) = &result {
            self.metrics
                .inc("sonet_auth_failures_total", &[("reason", status.message())]);
        }
        result
    }

    async fn authenticate_inner<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let certificate_identity = match request.peer_certs() {
            Some(chain) => match chain.first() {
                Some(leaf) => Some(auth::certificate_identity(leaf)?),
                None => None,
            },
            None => None,
        };
        let signed = auth::signed_call(request.metadata())?;
        let auth::SignedCall {
            identity,
            timestamp_ms,
            signature,
        } = match (certificate_identity, signed) {
            (Some(identity), None) => return Ok(Caller { identity }),
            (None, None) => {
                return Err(Status::unauthenticated(
                    "no client certificate and no signed call metadata",
                ))
            }
            (Some(cert), Some(signed)) if cert != signed.identity => {
                return Err(Status::unauthenticated(
                    "the signed identity differs from the client certificate's",
                ))
            }
            (_, Some(signed)) => signed,
        };
        let skew_ms = self.settings.config.security.grpc.auth_max_skew_seconds * 1000;
        if now_ms().abs_diff(timestamp_ms) > skew_ms {
            return Err(Status::unauthenticated(
                "call timestamp is outside the allowed clock skew",
            ));
        }
        let path = request
            .extensions()
            .get::<CallPath>()
            .map(|p| p.0.clone())
            .ok_or_else(|| Status::internal("call path missing from the request"))?;
        let lookup = identity.clone();
        let record = self
            .db(move |store| store.identity(&lookup))
            .await?
            .ok_or_else(|| Status::unauthenticated("identity is not registered"))?;
        let content = auth::call_content(&path, timestamp_ms, &identity);
        tokio::task::spawn_blocking(move || {
            crate::mls::verify_service_signature(
                record.signature_scheme,
                &record.public_key,
                auth::CALL_LABEL,
                &content,
                &signature,
            )
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|_| Status::unauthenticated("call signature does not verify"))?;
        Ok(Caller { identity })
    }

    pub fn require_admin(&self, caller: &Caller) -> Result<(), Status> {
        if self.admins.contains(&caller.identity) {
            Ok(())
        } else {
            Err(Status::permission_denied(
                "only the service's administrators (security.grpc.admin_identities) may use its private keys",
            ))
        }
    }

    /// A structured audit record (never secrets): key and group operations, refusals.
    pub fn audit(&self, event: &'static str, caller: &Caller, detail: &str) {
        tracing::info!(
            target: "sonet::audit",
            event,
            identity = %String::from_utf8_lossy(&caller.identity),
            detail,
        );
    }
}

pub(crate) fn store_status(error: StoreError) -> Status {
    match error {
        StoreError::IdentityTaken => Status::permission_denied(error.to_string()),
        StoreError::GroupExists => Status::already_exists(error.to_string()),
        StoreError::NoSuchGroup | StoreError::NoSuchKey => Status::not_found(error.to_string()),
        StoreError::EpochTaken { .. } | StoreError::KeyVersionTaken => {
            Status::aborted(error.to_string())
        }
        StoreError::FutureEpoch { .. } => Status::failed_precondition(error.to_string()),
        StoreError::Sqlite(_) | StoreError::Io { .. } => {
            tracing::error!(%error, "store failure");
            Status::internal("service storage failure")
        }
    }
}

pub(crate) fn bus_status(error: BusError) -> Status {
    match error {
        BusError::Unavailable(reason) => Status::unavailable(format!(
            "message bus unavailable, retry with the same message id: {reason}"
        )),
        BusError::Config(reason) => Status::invalid_argument(reason),
        BusError::Closed => Status::unavailable("the service is shutting down"),
        other => {
            tracing::error!(error = %other, "bus failure");
            Status::internal("message bus failure")
        }
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message.into())
}

/// Shared handle.
pub(crate) type SharedState = Arc<State>;
