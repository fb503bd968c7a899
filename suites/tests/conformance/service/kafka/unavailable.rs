//! Set `kafka/unavailable`: the service with its broker down: health NOT_SERVING, Directory
//! and Keys still serving, sends refused and retried once it is back, the outage logged.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use sonet::service::client::new_message_id;
use sonet::service::proto::{ListKeysRequest, SendMessageRequest};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::conformance::service::helpers::{
    ensure, event, expect_code, expect_silence, get_group, http_get, metric, receive, serving_name,
    st, status_text, texts, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::logs::logged;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn unavailable(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(
        env,
        Options {
            kafka_extra: "  delivery_timeout_ms: 2000\n",
            ..Options::default()
        },
    )
    .await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel.clone()).await?;
    let address = service.address()?;
    // Prepared before the outage (alice's Member is not used to send afterwards).
    let message = members[0]
        .mls
        .load_group(&group_id)
        .and_then(|mut g| g.encrypt(b"sent into the outage"))
        .map_err(|e| e.to_string())?;
    let request = SendMessageRequest {
        group_id: group_id.clone(),
        message_id: new_message_id(),
        message,
    };

    env.broker()?.kill();
    let result = async {
        let took = service.wait_for(ServingStatus::NotServing).await?;
        let mut statuses = Vec::new();
        for name in ["sonet.v1.Delivery", "sonet.v1.Directory", "sonet.v1.Keys"] {
            statuses.push((name, service.health(name).await.map_err(st)?));
        }
        let want = [
            ServingStatus::NotServing,
            ServingStatus::Serving,
            ServingStatus::Serving,
        ];
        for ((name, status), want) in statuses.iter().zip(want) {
            ensure(*status == want as i32, || {
                format!("{name}: {}", serving_name(*status))
            })?;
        }
        Ok(format!(
            "broker SIGKILLed: Check \"\" NOT_SERVING after {} ms; sonet.v1.Delivery NOT_SERVING, \
             sonet.v1.Directory and sonet.v1.Keys SERVING",
            took.as_millis()
        ))
    }
    .await;
    rec.check("health NOT_SERVING with the broker down", result);
    let result = async {
        let response = http_get(address, "/health").await?;
        let json: serde_json::Value = serde_json::from_str(&response.body)
            .map_err(|e| format!("not JSON ({e}): {:?}", response.body))?;
        ensure(
            response.status == 503
                && json["status"] == "NOT_SERVING"
                && json["bus"] == "kafka"
                && json["bus_up"] == false,
            || format!("GET /health: HTTP {} {json}", response.status),
        )?;
        let metrics = http_get(address, "/metrics").await?.body;
        let up = metric(&metrics, "sonet_bus_up");
        ensure(up == Some(0.0), || format!("sonet_bus_up {up:?}"))?;
        Ok(format!("HTTP 503 {json}; /metrics sonet_bus_up 0"))
    }
    .await;
    rec.check("GET /health 503", result);
    let result = async {
        let dave = service.member("dave", channel.clone()).await?;
        let listed = dave
            .connection
            .keys()
            .list_keys(ListKeysRequest::default())
            .await
            .map_err(st)?;
        let state = get_group(&members[0].connection, &group_id)
            .await
            .map_err(st)?;
        Ok(format!(
            "with the broker down: dave registered and published 5 KeyPackages, ListKeys \
             answered ({} keys), GetGroup answered (epoch {})",
            listed.into_inner().keys.len(),
            state.epoch
        ))
    }
    .await;
    rec.check("Directory and Keys keep serving", result);
    let result = async {
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(30),
            members[0]
                .connection
                .delivery()
                .send_message(request.clone()),
        )
        .await
        .map_err(|_| "SendMessage neither succeeded nor failed within 30 s".to_owned())?;
        let detail = expect_code(outcome, Code::Unavailable)?;
        let took = started.elapsed();
        let embedded_log = service.dir.join("data").join("bus");
        ensure(!embedded_log.exists(), || {
            format!("an embedded bus appeared at {}", embedded_log.display())
        })?;
        Ok(format!(
            "SendMessage after {} ms (delivery timeout 2000 ms): {detail}; no embedded log \
             was opened (the service does not switch stores)",
            took.as_millis()
        ))
    }
    .await;
    rec.check("send refused with UNAVAILABLE, no other store", result);
    let result = async {
        let broker = env.broker()?;
        tokio::task::block_in_place(|| broker.restart())
            .map_err(|e| format!("restarting the broker: {e}"))?;
        let took = service.wait_for(ServingStatus::Serving).await?;
        let response = http_get(address, "/health").await?;
        ensure(response.status == 200, || {
            format!("GET /health: HTTP {}", response.status)
        })?;
        Ok(format!(
            "broker restarted: Check \"\" SERVING after {} ms, GET /health 200",
            took.as_millis()
        ))
    }
    .await;
    rec.check("SERVING again after the broker restarts", result);
    let result = async {
        // As a client is told to: retry UNAVAILABLE with the same message id.
        let started = Instant::now();
        let mut refusals: Vec<String> = Vec::new();
        let response = loop {
            match members[0]
                .connection
                .delivery()
                .send_message(request.clone())
                .await
            {
                Ok(response) => break response.into_inner(),
                Err(status)
                    if status.code() == Code::Unavailable
                        && started.elapsed() < Duration::from_secs(15) =>
                {
                    refusals.push(status.message().to_owned());
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(status) => {
                    return Err(format!(
                        "after {} retries in {} ms: {}; earlier refusals: {:?}",
                        refusals.len(),
                        started.elapsed().as_millis(),
                        status_text(&status),
                        refusals.iter().collect::<BTreeSet<_>>()
                    ))
                }
            }
        };
        let received = receive(&mut members[1], 1).await?;
        ensure(texts(&received) == ["sent into the outage"], || {
            format!("bob got {}", event(&received[0].1))
        })?;
        expect_silence(&members[1], Duration::from_secs(1)).await?;
        Ok(format!(
            "the refused SendMessage retried with the same message id: accepted (epoch {}) \
             after {} more UNAVAILABLE answers in {} ms {:?}; bob received it once",
            response.epoch,
            refusals.len(),
            started.elapsed().as_millis(),
            refusals.iter().collect::<BTreeSet<_>>()
        ))
    }
    .await;
    // A failure names what the broker logged and what health said meanwhile.
    let result = match result {
        Ok(detail) => Ok(detail),
        Err(detail) => {
            let health = match service.health("").await {
                Ok(status) => serving_name(status),
                Err(status) => status_text(&status),
            };
            let log = env.broker()?.log();
            let lines: Vec<&str> = log.lines().collect();
            let panic = lines
                .iter()
                .position(|l| l.contains("panicked at"))
                .map(|at| {
                    format!(
                        "; the broker's log: {} {}",
                        lines[at].trim(),
                        lines.get(at + 1).map(|l| l.trim()).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            Err(format!("{detail}; health meanwhile: {health}{panic}"))
        }
    };
    rec.check("retried message delivered exactly once", result);
    let result = {
        let events = logged(&env.logs);
        let down = events.iter().find(|e| {
            e.level == tracing::Level::WARN
                && e.field("message")
                    .is_some_and(|m| m.contains("message bus down"))
        });
        let up = events.iter().rev().find(|e| {
            e.field("message")
                .is_some_and(|m| m.contains("message bus status changed"))
                && e.field("up") == Some("true")
        });
        match (down, up) {
            (Some(down), Some(_)) => Ok(format!(
                "WARN {:?} (error: {}), then INFO \"message bus status changed\" up=true",
                down.field("message").unwrap_or_default(),
                down.field("error").unwrap_or_default()
            )),
            _ => Err(format!(
                "the service logged no outage warning and recovery: {} events captured",
                events.len()
            )),
        }
    };
    rec.check("outage logged", result);
    Ok(())
}
