//! Set `kafka/consumer-group`: delivery through a Kafka consumer group: offsets committed at
//! shutdown, a restart without loss or duplicates, a second group reading independently.

use std::time::{Duration, Instant};

use sonet::bus::{MessageBus, Record};

use super::{kafka_bus, next_record, read_topic};
use crate::conformance::service::helpers::{
    client_error, ensure, expect_silence, http_get, metric, receive, texts, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;
use crate::conformance::service::RECEIVE_TIMEOUT;

pub(crate) async fn consumer_group(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let consumer_group = format!("{topic}-delivery");
    let mut service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
    let mut expected = Vec::new();
    let result = async {
        for i in 0..50 {
            let text = format!("before restart {i}");
            members[0]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            expected.push(text);
        }
        let first = receive(&mut members[1], 20).await?;
        ensure(texts(&first) == expected[..20], || {
            "bob's first 20 differ".into()
        })?;
        Ok((
            texts(&first),
            format!(
                "50 messages published; the delivery worker (consumer group {consumer_group}) \
             filled bob's mailbox; bob read 20 of them"
            ),
        ))
    }
    .await;
    let first = rec.must("delivered through the consumer group", result)?;
    // Until the workers have written every record into the mailboxes (the Welcome and the 50
    // messages): then everything they consumed is processed, and must be committed.
    let address = service.address()?;
    let started = Instant::now();
    loop {
        let metrics = http_get(address, "/metrics").await?.body;
        let delivered = metric(&metrics, "sonet_mailbox_deliveries_total").unwrap_or(0.0);
        if delivered >= 51.0 {
            break;
        }
        if started.elapsed() > RECEIVE_TIMEOUT {
            return Err(format!("only {delivered} of 51 mailbox deliveries"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.stop().await?;

    let result = async {
        // A member of the service's consumer group, while the service is down: it must start
        // at the end of what the workers processed. A record published now is the positive
        // control: it must be the first one it gets.
        let bus = kafka_bus(&bootstrap, &topic, Duration::from_secs(10))?;
        let started = Instant::now();
        let mut consumer = bus
            .consumer(&consumer_group)
            .await
            .map_err(|e| e.to_string())?;
        let marker = bus
            .publish(Record {
                key: group_id.clone(),
                value: Vec::new(),
            })
            .await
            .map_err(|e| e.to_string())?;
        let record = next_record(&mut consumer, Duration::from_secs(30))
            .await?
            .ok_or("the consumer group member received nothing within 30 s")?;
        ensure(
            record.partition == marker.partition && record.offset == marker.offset,
            || {
                format!(
                    "the first record after the shutdown is partition {} offset {}, not the \
                     control record at {} {}: the workers had not committed it",
                    record.partition, record.offset, marker.partition, marker.offset
                )
            },
        )?;
        consumer.commit(&record).await.map_err(|e| e.to_string())?;
        Ok(format!(
            "after the graceful shutdown a new member of {consumer_group} received first the \
             control record published after it joined (partition {} offset {}), after {} ms: \
             every earlier record had been committed",
            marker.partition,
            marker.offset,
            started.elapsed().as_millis()
        ))
    }
    .await;
    rec.check("offsets committed at shutdown", result);

    let result =
        async {
            service.launch().await?;
            let channel = service.channel().await?;
            for member in &mut members {
                member.set_channel(channel.clone());
            }
            for i in 0..50 {
                let text = format!("after restart {i}");
                members[0]
                    .send(&group_id, text.as_bytes())
                    .await
                    .map_err(client_error)?;
                expected.push(text);
            }
            let rest = receive(&mut members[1], 80).await?;
            let mut all = first.clone();
            all.extend(texts(&rest));
            ensure(all == expected, || {
                "bob's 100 messages differ from the 100 sent (order, loss or duplicates)".into()
            })?;
            expect_silence(&members[1], Duration::from_millis(500)).await?;
            Ok("restarted on the same storage and consumer group: bob read the other 30 and 50 new \
            ones — all 100 once, in order, nothing more"
            .to_owned())
        }
        .await;
    rec.check("restart resumes: no loss, no duplicates", result);

    let result = async {
        // Invitation + 100 messages + the control record, from the start of the topic.
        let records = read_topic(&bootstrap, &topic, 102).await?;
        ensure(records.iter().all(|r| r.key == group_id), || {
            "a record with another key".into()
        })?;
        Ok(format!(
            "a new consumer group read all {} records of the topic from the start while {} \
             stayed at its committed offsets",
            records.len(),
            consumer_group
        ))
    }
    .await;
    rec.check("another consumer group reads independently", result);
    Ok(())
}
