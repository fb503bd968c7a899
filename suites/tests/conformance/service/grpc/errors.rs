//! Set `grpc/errors`: refused requests get precise status codes, the connection keeps working,
//! and refusals are logged and counted.

use std::collections::BTreeMap;

use sonet::mls;
use sonet::service::client::{new_message_id, Connection, Received};
use sonet::service::proto::{
    key_ref, CreateGroupRequest, GenerateKeyRequest, KeyRef, PublicKey, SendMessageRequest,
    SubmitCommitRequest, VerifyRequest,
};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::conformance::service::helpers::{
    client_error, ensure, event, expect_code, get_group, http_get, metric, receive, serving_name,
    st, texts, Options, Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::logs::logged;
use crate::conformance::service::recording::Recorder;
use crate::conformance::service::MLS_SUITE;

pub(crate) async fn errors(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    // Every call of this job goes over this one connection.
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel.clone()).await?;
    let mallory = service.member("mallory", channel.clone()).await?;
    let mut alice_delivery = members[0].connection.delivery();

    let send = |group_id: &[u8], message_id: Vec<u8>, message: Vec<u8>| SendMessageRequest {
        group_id: group_id.to_vec(),
        message_id,
        message,
    };
    rec.check(
        "INVALID_ARGUMENT: not an MLS message",
        expect_code(
            alice_delivery
                .send_message(send(
                    &group_id,
                    new_message_id(),
                    b"not an MLS message".to_vec(),
                ))
                .await,
            Code::InvalidArgument,
        ),
    );
    let message = members[0]
        .mls
        .load_group(&group_id)
        .and_then(|mut g| g.encrypt(b"never sent"))
        .map_err(|e| e.to_string())?;
    rec.check(
        "INVALID_ARGUMENT: 3-byte message id",
        expect_code(
            alice_delivery
                .send_message(send(&group_id, vec![1; 3], message))
                .await,
            Code::InvalidArgument,
        ),
    );
    rec.check(
        "INVALID_ARGUMENT: unknown cipher suite",
        expect_code(
            alice_delivery
                .create_group(CreateGroupRequest {
                    group_id: b"g".to_vec(),
                    cipher_suite: 0xfafa,
                })
                .await,
            Code::InvalidArgument,
        ),
    );
    rec.check(
        "INVALID_ARGUMENT: pre-standard algorithm name",
        expect_code(
            members[0]
                .connection
                .keys()
                .verify(VerifyRequest {
                    key: Some(KeyRef {
                        key: Some(key_ref::Key::Public(PublicKey {
                            algorithm: "DILITHIUM_3".into(),
                            public_key: vec![0; 10],
                        })),
                    }),
                    message: Vec::new(),
                    context: Vec::new(),
                    signature: Vec::new(),
                })
                .await,
            Code::InvalidArgument,
        )
        .and_then(|detail| {
            ensure(detail.contains("ML-DSA-65"), || {
                format!("the message does not name the allowed algorithms: {detail}")
            })
            .map(|()| detail)
        }),
    );
    let anonymous = Connection::certificate_only(channel.clone());
    rec.check(
        "UNAUTHENTICATED: no credentials",
        expect_code(
            get_group(&anonymous, &group_id).await,
            Code::Unauthenticated,
        ),
    );
    let impostor = Connection::signed(
        channel.clone(),
        mls::Client::in_memory(b"alice").map_err(|e| e.to_string())?,
        MLS_SUITE,
    );
    rec.check(
        "UNAUTHENTICATED: key not the registered one",
        expect_code(get_group(&impostor, &group_id).await, Code::Unauthenticated)
            .map(|d| format!("\"alice\" signed with another key: {d}")),
    );
    let mut mallorys_group = mls::create_group(
        &mallory.mls,
        MLS_SUITE,
        &mls::GroupOptions {
            group_id: Some(group_id.clone()),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let forged = mallorys_group
        .encrypt(b"let me in")
        .map_err(|e| e.to_string())?;
    rec.check(
        "PERMISSION_DENIED: non-member posts",
        expect_code(
            mallory
                .connection
                .delivery()
                .send_message(send(&group_id, new_message_id(), forged))
                .await,
            Code::PermissionDenied,
        ),
    );
    rec.check(
        "PERMISSION_DENIED: non-member reads the group",
        expect_code(
            get_group(&mallory.connection, &group_id).await,
            Code::PermissionDenied,
        ),
    );
    rec.check(
        "PERMISSION_DENIED: non-administrator uses a service key",
        expect_code(
            members[0]
                .connection
                .keys()
                .generate_key(GenerateKeyRequest {
                    algorithm: "ML-DSA-65".into(),
                    label: "x".into(),
                })
                .await,
            Code::PermissionDenied,
        )
        .map(|d| format!("alice GenerateKey: {d}")),
    );
    rec.check(
        "NOT_FOUND: unknown group",
        expect_code(
            get_group(&members[0].connection, b"no such group").await,
            Code::NotFound,
        ),
    );
    let result = async {
        let mut bobs_group = members[1]
            .mls
            .load_group(&group_id)
            .map_err(|e| e.to_string())?;
        let bobs_update = bobs_group.self_update().map_err(|e| e.to_string())?;
        members[0].update(&group_id).await.map_err(client_error)?;
        expect_code(
            members[1]
                .connection
                .delivery()
                .submit_commit(SubmitCommitRequest {
                    group_id: group_id.clone(),
                    message_id: new_message_id(),
                    commit: bobs_update.commit,
                    ..Default::default()
                })
                .await,
            Code::Aborted,
        )
        .map(|d| format!("bob's commit for epoch 1 after alice's: {d}"))
    }
    .await;
    rec.check("ABORTED: second commit of an epoch", result);

    let result = async {
        // Bob has alice's update (epoch 2) waiting; then a message over the same connection.
        members[0]
            .send(&group_id, b"still here")
            .await
            .map_err(client_error)?;
        let received = receive(&mut members[1], 2).await?;
        ensure(
            matches!(received[0].1, Received::Epoch { epoch: 2, .. })
                && texts(&received) == ["still here"],
            || {
                format!(
                    "bob got {:?}",
                    received.iter().map(|r| event(&r.1)).collect::<Vec<_>>()
                )
            },
        )?;
        let status = HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await
            .map_err(st)?
            .into_inner()
            .status;
        ensure(status == ServingStatus::Serving as i32, || {
            format!("health {}", serving_name(status))
        })?;
        Ok(
            "after the eleven refusals, on the same connection: alice's update and message \
            reached bob in order and decrypted; health SERVING"
                .to_owned(),
        )
    }
    .await;
    rec.check("connection works afterwards", result);

    let result = async {
        let metrics = http_get(service.address()?, "/metrics").await?.body;
        let counted = [
            ("Delivery/SendMessage", "InvalidArgument", 2.0),
            ("Delivery/CreateGroup", "InvalidArgument", 1.0),
            ("Keys/Verify", "InvalidArgument", 1.0),
            ("Delivery/GetGroup", "Unauthenticated", 2.0),
            ("Delivery/SendMessage", "PermissionDenied", 1.0),
            ("Delivery/GetGroup", "PermissionDenied", 1.0),
            ("Keys/GenerateKey", "PermissionDenied", 1.0),
            ("Delivery/GetGroup", "NotFound", 1.0),
            ("Delivery/SubmitCommit", "Aborted", 1.0),
        ];
        for (method, code, want) in counted {
            let series = format!("sonet_rpc_total{{method=\"{method}\",code=\"{code}\"}}");
            let got = metric(&metrics, &series);
            ensure(got == Some(want), || {
                format!("{series} is {got:?}, expected {want}")
            })?;
        }
        // Refusals (authentication, authorization, a lost commit race) go to the audit log.
        let events = logged(&env.logs);
        let refused: Vec<(String, String)> = events
            .iter()
            .filter(|e| e.target == "sonet::audit" && e.field("event") == Some("call.refused"))
            .map(|e| {
                (
                    e.field("method").unwrap_or_default().to_owned(),
                    e.field("code").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let mut wanted: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (method, code, count) in &counted[3..] {
            if *code != "NotFound" {
                *wanted
                    .entry((method.to_string(), code.to_string()))
                    .or_default() += *count as usize;
            }
        }
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for entry in &refused {
            *seen.entry(entry.clone()).or_default() += 1;
        }
        ensure(seen == wanted, || {
            format!("audit records call.refused {seen:?}, expected {wanted:?}")
        })?;
        Ok(format!(
            "/metrics counts every refusal by method and code ({} series checked); the audit \
             log (target sonet::audit) holds {} call.refused records with method and code, one \
             per UNAUTHENTICATED / PERMISSION_DENIED / ABORTED call",
            counted.len(),
            refused.len()
        ))
    }
    .await;
    rec.check("refusals logged and counted", result);
    Ok(())
}
