//! Assembles and runs the server: one port serving gRPC (`sonet.v1`, `grpc.health.v1`,
//! reflection) and plain HTTP (`GET /health`, `GET /metrics`), optionally over TLS with
//! optional client certificates; a bus supervisor that creates the topic, starts the delivery
//! worker and reports health; graceful shutdown.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::service::Routes;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};
use tonic_health::ServingStatus;

use super::auth::CallPath;
use super::config::Settings;
use super::delivery::DeliveryService;
use super::directory::DirectoryService;
use super::keys::KeysService;
use super::proto::delivery_server::DeliveryServer;
use super::proto::directory_server::DirectoryServer;
use super::proto::keys_server::KeysServer;
use super::state::{SharedState, State};
use super::store::{Store, StoreError};
use super::{proto, worker};
use crate::bus::{embedded::EmbeddedBus, BusError, SharedBus};

/// Errors starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The service database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The message bus could not be opened or set up.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// A TLS file (certificate, key or client CA) could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file's path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for, `ip:port`.
        address: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// tonic refused the TLS configuration or the server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The gRPC reflection service could not be built; also a server task that panicked or was
    /// cancelled (the message then starts `server task:`).
    #[error("reflection: {0}")]
    Reflection(String),
    /// The configuration has a `kafka` section but this build lacks the `kafka` feature.
    #[error("this build has no Kafka support (feature `kafka`); remove the kafka section to use the embedded bus")]
    KafkaNotBuilt,
}

/// Largest gRPC message accepted (a submission carries at most a 16 MiB MLS message plus a
/// Welcome and a ratchet tree).
const MAX_GRPC_MESSAGE: usize = 64 << 20;
const SERVICES: [&str; 3] = ["sonet.v1.Delivery", "sonet.v1.Directory", "sonet.v1.Keys"];

/// A running server.
pub struct RunningServer {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<Result<(), ServerError>>,
    background: Vec<JoinHandle<()>>,
    state: SharedState,
}

impl RunningServer {
    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bus the server uses ("embedded" or "kafka").
    pub fn bus_kind(&self) -> &'static str {
        self.state.bus.kind()
    }

    /// Stops accepting calls, lets calls in flight finish (streams end), stops the workers.
    /// Everything a call acknowledged is durable on the bus; records not yet in mailboxes are
    /// delivered after the next start.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.shutdown.send(true);
        let result = self
            .server
            .await
            .unwrap_or_else(|e| Err(ServerError::Reflection(format!("server task: {e}"))));
        for task in self.background {
            let _ = task.await;
        }
        result
    }

    /// Waits until the server stops by itself (it does not, unless it fails).
    pub async fn wait(&mut self) -> Result<(), ServerError> {
        (&mut self.server)
            .await
            .unwrap_or_else(|e| Err(ServerError::Reflection(format!("server task: {e}"))))
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, ServerError> {
    std::fs::read(path).map_err(|source| ServerError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn open_bus(settings: &Settings) -> Result<SharedBus, ServerError> {
    match &settings.config.kafka {
        None => Ok(EmbeddedBus::open(settings.storage_dir().join("bus"))?),
        #[cfg(feature = "kafka")]
        Some(kafka) => Ok(crate::bus::kafka::KafkaBus::new(
            crate::bus::kafka::KafkaSettings {
                brokers: kafka.brokers.clone(),
                topic: kafka.topic.clone(),
                partitions: kafka.partitions,
                replication_factor: kafka.replication_factor,
                client_id: kafka.client_id.clone(),
                delivery_timeout: Duration::from_millis(kafka.delivery_timeout_ms),
            },
        )?),
        #[cfg(not(feature = "kafka"))]
        Some(_) => Err(ServerError::KafkaNotBuilt),
    }
}

/// Starts the server described by `settings`.
pub async fn start(settings: Settings) -> Result<RunningServer, ServerError> {
    let store = Arc::new(Store::open(&settings.storage_dir().join("service.sqlite"))?);
    let bus = open_bus(&settings)?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state: SharedState = Arc::new(State::new(
        settings.clone(),
        store,
        bus,
        shutdown_rx.clone(),
    ));

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("", ServingStatus::NotServing)
        .await;
    health
        .set_service_status("sonet.v1.Delivery", ServingStatus::NotServing)
        .await;
    for service in ["sonet.v1.Directory", "sonet.v1.Keys"] {
        health
            .set_service_status(service, ServingStatus::Serving)
            .await;
    }
    // Both reflection versions: grpcurl speaks v1, many other clients (Python's
    // grpc_reflection, Postman) still only v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection()
        .build_v1()
        .map_err(|e| ServerError::Reflection(e.to_string()))?;
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .map_err(|e| ServerError::Reflection(e.to_string()))?;

    let routes = Routes::new(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(
            DirectoryServer::new(DirectoryService {
                state: state.clone(),
            })
            .max_decoding_message_size(MAX_GRPC_MESSAGE),
        )
        .add_service(
            DeliveryServer::new(DeliveryService {
                state: state.clone(),
            })
            .max_decoding_message_size(MAX_GRPC_MESSAGE),
        )
        .add_service(
            KeysServer::new(KeysService {
                state: state.clone(),
            })
            .max_decoding_message_size(MAX_GRPC_MESSAGE),
        );
    let router = routes
        .into_axum_router()
        .route(
            "/health",
            axum::routing::get(http_health).with_state(state.clone()),
        )
        .route(
            "/metrics",
            axum::routing::get(http_metrics).with_state(state.clone()),
        )
        .layer(axum::middleware::map_request(record_call_path));

    let address = SocketAddr::new(settings.bind_address, settings.config.security.grpc.port);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ServerError::Bind {
            address: address.to_string(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
        address: address.to_string(),
        source,
    })?;

    let mut builder = tonic::transport::Server::builder().accept_http1(true);
    if let Some(tls) = &settings.tls {
        super::install_tls_provider();
        let mut config =
            ServerTlsConfig::new().identity(Identity::from_pem(read(&tls.cert)?, read(&tls.key)?));
        if let Some(ca) = &tls.client_ca {
            config = config.client_ca_root(Certificate::from_pem(read(ca)?));
        }
        builder = builder.tls_config(config)?;
    }
    let mut shutdown_signal = shutdown_rx.clone();
    let server = tokio::spawn(async move {
        builder
            .add_routes(Routes::from(router))
            // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs hold small responses
            // back by tens of milliseconds.
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
                async move {
                    let _ = shutdown_signal.wait_for(|stop| *stop).await;
                },
            )
            .await
            .map_err(ServerError::from)
    });
    let supervisor = tokio::spawn(supervise_bus(state.clone(), health));
    tracing::info!(
        address = %local_addr,
        tls = settings.tls.is_some(),
        mutual_tls = settings.tls.as_ref().is_some_and(|t| t.client_ca.is_some()),
        bus = state.bus.kind(),
        "sonet service listening"
    );
    Ok(RunningServer {
        local_addr,
        shutdown: shutdown_tx,
        server,
        background: vec![supervisor],
        state,
    })
}

/// Creates the topic (retrying until the bus answers), starts the delivery worker, then keeps
/// health in step with the bus. A configured Kafka that is down is reported, never replaced.
async fn supervise_bus(state: SharedState, health: tonic_health::server::HealthReporter) {
    let interval = state
        .settings
        .config
        .kafka
        .as_ref()
        .map(|k| Duration::from_millis(k.health_check_interval_ms))
        .unwrap_or(Duration::from_secs(1));
    let mut shutdown = state.shutdown.clone();
    let mut worker: Option<JoinHandle<()>> = None;
    let mut reported: Option<bool> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let up = if worker.is_none() {
            match state.bus.ensure_topics().await {
                Ok(()) => {
                    let group = state
                        .settings
                        .config
                        .kafka
                        .as_ref()
                        .map(|k| k.consumer_group.clone())
                        .unwrap_or_else(|| "sonet-delivery".into());
                    worker = Some(tokio::spawn(worker::run(state.clone(), group)));
                    state.bus.check().await
                }
                Err(error) => Err(error),
            }
        } else {
            state.bus.check().await
        };
        let now_up = match up {
            Ok(()) => true,
            Err(error) => {
                if reported != Some(false) {
                    tracing::warn!(%error, bus = state.bus.kind(), "message bus down; health is NOT_SERVING, retrying");
                }
                false
            }
        };
        if reported != Some(now_up) {
            let status = if now_up {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            health.set_service_status("", status).await;
            health.set_service_status("sonet.v1.Delivery", status).await;
            state.bus_up.store(now_up, Ordering::Relaxed);
            state.metrics.set("sonet_bus_up", u64::from(now_up));
            if reported.is_some() || now_up {
                tracing::info!(
                    bus = state.bus.kind(),
                    up = now_up,
                    "message bus status changed"
                );
            }
            reported = Some(now_up);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    for service in SERVICES {
        health
            .set_service_status(service, ServingStatus::NotServing)
            .await;
    }
    if let Some(worker) = worker {
        let _ = worker.await;
    }
}

async fn record_call_path(mut request: axum::extract::Request) -> axum::extract::Request {
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(CallPath(path));
    request
}

async fn http_health(
    axum::extract::State(state): axum::extract::State<SharedState>,
) -> impl IntoResponse {
    let up = state.bus_is_up();
    let body = format!(
        "{{\"status\":\"{}\",\"bus\":\"{}\",\"bus_up\":{up}}}\n",
        if up { "SERVING" } else { "NOT_SERVING" },
        state.bus.kind()
    );
    let code = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn http_metrics(
    axum::extract::State(state): axum::extract::State<SharedState>,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
