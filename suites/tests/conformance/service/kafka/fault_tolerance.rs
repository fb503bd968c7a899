//! Set `kafka/fault-tolerance`: a killed broker: nothing acknowledged while it is down,
//! recovery without a server restart, every message delivered once and in order.

use std::time::{Duration, Instant};

use tonic_health::pb::health_check_response::ServingStatus;

use crate::conformance::service::helpers::{
    client_error, ensure, expect_silence, receive, texts, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn fault_tolerance(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    const TOTAL: usize = 300;
    const BEFORE_KILL: usize = 100;
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
    let mut alice = members.remove(0);
    let mut bob = members.remove(0);
    let sender_group = group_id.clone();
    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let (killed_tx, mut killed) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(async move {
        let mut acknowledged = Vec::with_capacity(TOTAL);
        for i in 0..TOTAL {
            if i == BEFORE_KILL {
                // The rest is sent into the outage and after it.
                killed.wait_for(|k| *k).await.map_err(|e| e.to_string())?;
            }
            alice
                .send(&sender_group, format!("through the outage {i}").as_bytes())
                .await
                .map_err(client_error)?;
            acknowledged.push(Instant::now());
            let _ = progress_tx.send(i + 1);
        }
        Ok::<_, String>(acknowledged)
    });
    progress
        .wait_for(|sent| *sent >= BEFORE_KILL)
        .await
        .map_err(|_| "the sender stopped before the kill".to_owned())?;
    env.broker()?.kill();
    let killed_at = Instant::now();
    let _ = killed_tx.send(true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = *progress.borrow();
    let restarted_at = Instant::now();
    let restart = {
        let broker = env.broker()?;
        tokio::task::block_in_place(|| broker.restart())
    };
    restart.map_err(|e| format!("restarting the broker: {e}"))?;
    let recovered = service.wait_for(ServingStatus::Serving).await;
    let acknowledged = tokio::time::timeout(Duration::from_secs(90), sender)
        .await
        .map_err(|_| "the sender did not finish within 90 s of the restart".to_owned())?
        .map_err(|e| e.to_string())?;
    let result = match &acknowledged {
        Ok(acks) => {
            // A little slack for acknowledgements already on their way when the broker died.
            let window = (killed_at + Duration::from_millis(200), restarted_at);
            let inside = acks
                .iter()
                .filter(|t| **t > window.0 && **t < window.1)
                .count();
            ensure(inside == 0 && during < TOTAL, || {
                format!("{inside} sends were acknowledged while the broker was down")
            })
            .map(|()| {
                format!(
                    "broker SIGKILLed after {BEFORE_KILL} acknowledged sends; in the 2 s outage \
                     no send was acknowledged ({during} acknowledged in all), the sender waited \
                     or retried"
                )
            })
        }
        Err(e) => Err(e.clone()),
    };
    rec.check("nothing acknowledged while the broker is down", result);
    let result = match (&recovered, &acknowledged) {
        (Ok(_), Ok(acks)) => match acks.iter().find(|t| **t > restarted_at) {
            Some(first) => Ok(format!(
                "same server, no restart: the first send after the broker restart was \
                 acknowledged {} ms after it began; the remaining {} sends were acknowledged",
                first.duration_since(restarted_at).as_millis(),
                TOTAL - during
            )),
            None => Err("no send was acknowledged after the broker restart".to_owned()),
        },
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    rec.check("recovers without a server restart", result);
    let result = async {
        let received = receive(&mut bob, TOTAL).await?;
        let expected: Vec<String> = (0..TOTAL)
            .map(|i| format!("through the outage {i}"))
            .collect();
        let got = texts(&received);
        ensure(got == expected, || {
            let missing = expected.iter().filter(|e| !got.contains(e)).count();
            format!(
                "bob's {} messages differ from the {TOTAL} sent ({missing} missing)",
                got.len()
            )
        })?;
        expect_silence(&bob, Duration::from_secs(1)).await?;
        Ok(format!(
            "bob received all {TOTAL} once, in sending order, nothing more within 1 s"
        ))
    }
    .await;
    rec.check("all messages arrive once, in order", result);
    Ok(())
}
