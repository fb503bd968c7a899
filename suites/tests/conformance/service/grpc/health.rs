//! Set `grpc/health`: the gRPC health service (Check, Watch) and the plain-HTTP `GET /health`
//! and `GET /metrics` beside it.

use std::time::Duration;

use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::conformance::service::helpers::{
    ensure, expect_code, http_get, metric, prometheus_samples, serving_name, st, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn health(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let mut client = HealthClient::new(channel.clone());
    let check = |service: &'static str| {
        let mut client = client.clone();
        async move {
            client
                .check(HealthCheckRequest {
                    service: service.to_owned(),
                })
                .await
                .map(|r| r.into_inner().status)
        }
    };
    let serving = ServingStatus::Serving as i32;
    let result = match check("").await {
        Ok(status) if status == serving => {
            Ok("grpc.health.v1.Health/Check service \"\": SERVING".to_owned())
        }
        Ok(status) => Err(format!("service \"\": {}", serving_name(status))),
        Err(status) => Err(st(status)),
    };
    rec.check("Check \"\" (server)", result);
    let result = match check("sonet.v1.Delivery").await {
        Ok(status) if status == serving => Ok(format!(
            "sonet.v1.Delivery: SERVING (it follows the {} bus)",
            env.bus_name()
        )),
        Ok(status) => Err(format!("sonet.v1.Delivery: {}", serving_name(status))),
        Err(status) => Err(st(status)),
    };
    rec.check("Check sonet.v1.Delivery", result);
    let mut found = Vec::new();
    let mut failure = None;
    for name in ["sonet.v1.Directory", "sonet.v1.Keys"] {
        match check(name).await {
            Ok(status) if status == serving => found.push(format!("{name}: SERVING")),
            Ok(status) => failure = Some(format!("{name}: {}", serving_name(status))),
            Err(status) => failure = Some(format!("{name}: {}", st(status))),
        }
    }
    rec.check(
        "Check sonet.v1.Directory and sonet.v1.Keys",
        failure.map_or_else(|| Ok(found.join("; ")), Err),
    );
    rec.check(
        "Check an unknown service",
        expect_code(check("sonet.v1.NoSuchService").await, Code::NotFound)
            .map(|d| format!("sonet.v1.NoSuchService: {d} (as the health protocol requires)")),
    );
    let watched = async {
        let mut stream = client
            .watch(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map_err(st)?
            .into_inner();
        let first = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .map_err(|_| "no Watch update within 5 s".to_owned())?
            .map_err(st)?
            .ok_or("the Watch stream ended at once")?;
        ensure(first.status == serving, || {
            format!("Watch sent {}", serving_name(first.status))
        })?;
        Ok("Watch streams the server's status: first update SERVING".to_owned())
    }
    .await;
    rec.check("Watch \"\"", watched);

    let address = service.address()?;
    let result = async {
        let response = http_get(address, "/health").await?;
        ensure(response.status == 200, || {
            format!(
                "GET /health: HTTP {}: {}",
                response.status,
                response.body.trim()
            )
        })?;
        ensure(
            response.content_type.starts_with("application/json"),
            || format!("GET /health: content type {:?}", response.content_type),
        )?;
        let json: serde_json::Value = serde_json::from_str(&response.body)
            .map_err(|e| format!("GET /health: not JSON ({e}): {:?}", response.body))?;
        ensure(
            json["status"] == "SERVING" && json["bus"] == env.bus_name() && json["bus_up"] == true,
            || format!("GET /health: {json}"),
        )?;
        Ok(format!("HTTP 200 application/json {}", json))
    }
    .await;
    rec.check("GET /health", result);

    // One registration, to see it counted.
    service.member("alice", channel.clone()).await?;
    let result = async {
        let response = http_get(address, "/metrics").await?;
        ensure(response.status == 200, || {
            format!("GET /metrics: HTTP {}", response.status)
        })?;
        ensure(response.content_type.starts_with("text/plain"), || {
            format!("GET /metrics: content type {:?}", response.content_type)
        })?;
        let samples = prometheus_samples(&response.body)?;
        let up = metric(&response.body, "sonet_bus_up");
        ensure(up == Some(1.0), || {
            format!("sonet_bus_up is {up:?}, expected 1")
        })?;
        let registered = metric(
            &response.body,
            "sonet_rpc_total{method=\"Directory/Register\",code=\"OK\"}",
        );
        ensure(registered == Some(1.0), || {
            format!("Directory/Register OK counted {registered:?}, expected 1")
        })?;
        Ok(format!(
            "HTTP 200 {}: {samples} samples, every line valid Prometheus text; sonet_bus_up 1, \
             sonet_rpc_total{{method=\"Directory/Register\",code=\"OK\"}} 1",
            response.content_type
        ))
    }
    .await;
    rec.check("GET /metrics", result);
    Ok(())
}
