//! Running one job: its bus and broker, its runtime and log capture, its time limit, and the
//! cases it did not reach.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use sonet_report::model::SetResult;
use sonet_testkit::tansu::Tansu;
use sonet_testkit::unique::unique;

use super::grpc::endpoints::endpoints;
use super::grpc::errors::errors;
use super::grpc::health::health;
use super::grpc::reflection::reflection;
use super::grpc::tls::tls;
use super::kafka::consumer_group::consumer_group;
use super::kafka::fault_tolerance::fault_tolerance;
use super::kafka::ordering::ordering;
use super::kafka::producer::producer;
use super::kafka::unavailable::unavailable;
use super::logs::{Capture, Logs};
use super::recording::Recorder;
use super::{BusKind, SetDef, SetId, JOB_TIMEOUT, NO_BROKER, NO_PRIVATE_BROKER};

/// The bus a job's servers use.
pub(super) enum BusEnv {
    Embedded,
    Kafka {
        bootstrap: String,
        topic: String,
        /// A broker of this job's own, which it may kill.
        private: Option<Tansu>,
    },
}

pub(super) struct Env {
    pub(super) bus: BusEnv,
    pub(super) logs: Logs,
}

impl Env {
    pub(super) fn bus_name(&self) -> &'static str {
        match self.bus {
            BusEnv::Embedded => "embedded",
            BusEnv::Kafka { .. } => "kafka",
        }
    }

    pub(super) fn broker(&mut self) -> Result<&mut Tansu, String> {
        match &mut self.bus {
            BusEnv::Kafka {
                private: Some(tansu),
                ..
            } => Ok(tansu),
            _ => Err("this check needs a private broker".into()),
        }
    }

    pub(super) fn kafka(&self) -> Result<(&str, &str), String> {
        match &self.bus {
            BusEnv::Kafka {
                bootstrap, topic, ..
            } => Ok((bootstrap, topic)),
            BusEnv::Embedded => Err("this check needs Kafka".into()),
        }
    }
}

/// The Kafka broker of a job.
enum Broker {
    /// `SONET_KAFKA_BROKERS`.
    Shared(String),
    /// A tansu broker of the job's own.
    Private(Tansu),
    /// No broker configured: the cases are unsupported, with this reason.
    Missing(&'static str),
    /// A broker is configured but could not be started: the cases fail.
    Broken(String),
}

fn broker_for(private_needed: bool) -> Broker {
    if !private_needed {
        if let Ok(bootstrap) = std::env::var("SONET_KAFKA_BROKERS") {
            if !bootstrap.trim().is_empty() {
                return Broker::Shared(bootstrap.trim().to_owned());
            }
        }
    }
    match Tansu::start() {
        Some(Ok(tansu)) => Broker::Private(tansu),
        Some(Err(e)) => Broker::Broken(format!("cannot start a private tansu broker: {e}")),
        None if private_needed
            && std::env::var("SONET_KAFKA_BROKERS").is_ok_and(|b| !b.is_empty()) =>
        {
            Broker::Missing(NO_PRIVATE_BROKER)
        }
        None => Broker::Missing(NO_BROKER),
    }
}

pub(super) fn run_job(def: &'static SetDef, bus: BusKind, set: &mut SetResult) {
    let mut rec = Recorder::new(set, bus.name(), def.plan);
    let bus_env = match bus {
        BusKind::Embedded => BusEnv::Embedded,
        BusKind::Kafka => match broker_for(def.private_broker) {
            Broker::Missing(reason) => {
                rec.finish(Ok(reason.to_owned()));
                return;
            }
            Broker::Broken(error) => {
                rec.finish(Err(error));
                return;
            }
            Broker::Shared(bootstrap) => BusEnv::Kafka {
                bootstrap,
                topic: unique(&format!("sonet-suite-{}", def.name.replace('/', "-"))),
                private: None,
            },
            Broker::Private(tansu) => BusEnv::Kafka {
                bootstrap: tansu.bootstrap(),
                topic: unique(&format!("sonet-suite-{}", def.name.replace('/', "-"))),
                private: Some(tansu),
            },
        },
    };
    let logs: Logs = Arc::default();
    let dispatch = tracing::Dispatch::new(Capture {
        events: Arc::clone(&logs),
        next_span: AtomicU64::new(0),
    });
    let thread_dispatch = dispatch.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // The runtime's threads live as long as the runtime: keep the default for good.
            std::mem::forget(tracing::dispatcher::set_default(&thread_dispatch));
        })
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            rec.finish(Err(format!("cannot start a tokio runtime: {e}")));
            return;
        }
    };
    let mut env = Env { bus: bus_env, logs };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        tracing::dispatcher::with_default(&dispatch, || {
            runtime.block_on(async {
                let work = async {
                    match def.id {
                        SetId::Health => health(&mut rec, &mut env).await,
                        SetId::Reflection => reflection(&mut rec, &mut env).await,
                        SetId::Tls => tls(&mut rec, &mut env).await,
                        SetId::Endpoints => endpoints(&mut rec, &mut env).await,
                        SetId::Errors => errors(&mut rec, &mut env).await,
                        SetId::Producer => producer(&mut rec, &mut env).await,
                        SetId::ConsumerGroup => consumer_group(&mut rec, &mut env).await,
                        SetId::Ordering => ordering(&mut rec, &mut env).await,
                        SetId::FaultTolerance => fault_tolerance(&mut rec, &mut env).await,
                        SetId::Unavailable => unavailable(&mut rec, &mut env).await,
                    }
                };
                match tokio::time::timeout(JOB_TIMEOUT, work).await {
                    Ok(result) => result,
                    Err(_) => Err(format!(
                        "the job timed out after {} s",
                        JOB_TIMEOUT.as_secs()
                    )),
                }
            })
        })
    }));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let why = match outcome {
        Ok(Ok(())) => Err("the job ended without checking it".to_owned()),
        Ok(Err(error)) => Err(error),
        Err(panic) => Err(format!(
            "the job panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    rec.finish(why);
    // Dropping the env stops a private broker and removes its data.
    drop(env);
}
