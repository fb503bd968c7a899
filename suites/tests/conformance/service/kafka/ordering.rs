//! Set `kafka/ordering`: order per group over Kafka: 1,000 messages, concurrent senders,
//! records keyed into one partition, live stream latency.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use sonet::service::client::Received;

use super::read_topic;
use crate::conformance::service::helpers::{
    client_error, ensure, event, receive, st, texts, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn ordering(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let identities = ["alice", "bob", "carol", "dave"];
    let (group_id, mut members) = service.group(&identities, channel).await?;

    let result = async {
        let started = Instant::now();
        let mut sent: Vec<(usize, String)> = Vec::new();
        for i in 0..1000 {
            let sender = i % 4;
            let text = format!("message {i} from {}", identities[sender]);
            members[sender]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            sent.push((sender, text));
        }
        let sending = started.elapsed();
        for (index, member) in members.iter_mut().enumerate() {
            let expected: Vec<String> = sent
                .iter()
                .filter(|(sender, _)| *sender != index)
                .map(|(_, text)| text.clone())
                .collect();
            let received = receive(member, expected.len()).await?;
            let got = texts(&received);
            if let Some(at) = got.iter().zip(&expected).position(|(g, e)| g != e) {
                return Err(format!(
                    "{}: message {at} is {:?}, expected {:?}",
                    identities[index], got[at], expected[at]
                ));
            }
            let sequences: Vec<u64> = received.iter().map(|(m, _)| m.sequence).collect();
            ensure(sequences.windows(2).all(|w| w[1] == w[0] + 1), || {
                format!("{}: mailbox sequences have gaps", identities[index])
            })?;
        }
        Ok(format!(
            "1,000 messages from four members in turn (sent in {} ms); each member received \
             the other 750 in exactly the sending order, gapless mailbox sequences",
            sending.as_millis()
        ))
    }
    .await;
    rec.check("1,000 messages of one group in order", result);

    let result = async {
        // Three senders at once while dave only listens: the service picks one order of the
        // 300, which dave sees whole and every sender must see too (less its own messages).
        const SENDERS: usize = 3;
        let mut listener = members.pop().ok_or("no listener")?;
        let mut tasks = Vec::new();
        for (index, mut member) in std::mem::take(&mut members).into_iter().enumerate() {
            let group_id = group_id.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..100 {
                    member
                        .send(&group_id, format!("{index}:{i}").as_bytes())
                        .await
                        .map_err(client_error)?;
                }
                Ok::<_, String>(member)
            }));
        }
        for task in tasks {
            members.push(task.await.map_err(|e| e.to_string())??);
        }
        let order = texts(&receive(&mut listener, SENDERS * 100).await?);
        members.push(listener);
        let sender_of = |text: &String| text.split(':').next().unwrap_or_default().to_owned();
        for (sender, sender_name) in identities.iter().enumerate().take(SENDERS) {
            let own: Vec<&String> = order
                .iter()
                .filter(|t| sender_of(t) == sender.to_string())
                .collect();
            let want: Vec<String> = (0..100).map(|i| format!("{sender}:{i}")).collect();
            ensure(
                own.iter()
                    .map(|s| s.as_str())
                    .eq(want.iter().map(|s| s.as_str())),
                || format!("dave saw {sender_name}'s messages out of order"),
            )?;
        }
        for (index, member) in members.iter_mut().enumerate().take(SENDERS) {
            let got = texts(&receive(member, (SENDERS - 1) * 100).await?);
            let expected: Vec<String> = order
                .iter()
                .filter(|t| sender_of(t) != index.to_string())
                .cloned()
                .collect();
            ensure(got == expected, || {
                format!(
                    "{} saw the other senders' messages in another order than dave",
                    identities[index]
                )
            })?;
        }
        let switches = order
            .windows(2)
            .filter(|w| sender_of(&w[0]) != sender_of(&w[1]))
            .count();
        Ok(format!(
            "alice, bob and carol sent 100 each at the same time; dave received the 300 with \
             each sender's messages in its order, interleaved ({switches} sender switches), and \
             each sender received the other two's 200 in exactly dave's order"
        ))
    }
    .await;
    rec.check("concurrent senders: one order for every member", result);

    let result = async {
        // The invitation (commit + Welcome in one record), then 1,000 + 300 messages.
        let records = read_topic(&bootstrap, &topic, 1301).await?;
        ensure(records.iter().all(|r| r.key == group_id), || {
            "a record not keyed by the group id".into()
        })?;
        let partitions: BTreeSet<i32> = records.iter().map(|r| r.partition).collect();
        ensure(partitions.len() == 1, || {
            format!("records in partitions {partitions:?}")
        })?;
        let offsets_increase = records.windows(2).all(|w| w[1].offset > w[0].offset);
        ensure(offsets_increase, || "offsets do not increase".into())?;
        Ok(format!(
            "all {} records on topic {topic} are keyed by the group id and sit in partition \
             {:?} of 3, offsets increasing",
            records.len(),
            partitions
        ))
    }
    .await;
    rec.check("records keyed by group id in one partition", result);

    let result = async {
        // Bob keeps one stream open; alice sends one message at a time.
        let mut stream = members[1].subscribe().await.map_err(client_error)?;
        let mut latencies = Vec::new();
        for i in 0..50 {
            let text = format!("live {i}");
            let started = Instant::now();
            members[0]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            let message = tokio::time::timeout(Duration::from_secs(5), stream.message())
                .await
                .map_err(|_| format!("live message {i} did not arrive within 5 s"))?
                .map_err(st)?
                .ok_or("the stream ended")?;
            let latency = started.elapsed();
            match members[1].handle(message).map_err(client_error)? {
                Received::Message { data, .. } if data == text.as_bytes() => {}
                other => return Err(format!("live message {i}: {}", event(&other))),
            }
            latencies.push(latency);
        }
        latencies.sort();
        let p50 = latencies[latencies.len() / 2];
        let max = latencies[latencies.len() - 1];
        ensure(max < Duration::from_secs(1), || {
            format!(
                "slowest live message took {} ms (bound 1000 ms)",
                max.as_millis()
            )
        })?;
        Ok(format!(
            "50 messages on one open Subscribe stream, each from SendMessage to decrypted \
             receipt: p50 {:.1} ms, max {:.1} ms (bound 1000 ms)",
            p50.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        ))
    }
    .await;
    rec.check("live stream latency", result);
    Ok(())
}
