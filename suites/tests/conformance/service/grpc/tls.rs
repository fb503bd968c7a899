//! Set `grpc/tls`: TLS and mutual TLS on the gRPC port: signed calls and MLS messages over TLS,
//! plaintext and foreign-CA clients refused, the client certificate's common name as identity.

use std::path::Path;

use sonet::mls;
use sonet::service::client::{connect, ClientError, ClientTls, Connection, Member};
use sonet::service::proto::CreateGroupRequest;
use sonet_testkit::unique::unique;
use tonic::Code;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::conformance::service::helpers::{
    client_error, ensure, expect_code, get_group, names, receive, st, status_text, texts, Options,
    Service, TlsFiles,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;
use crate::conformance::service::MLS_SUITE;

pub(crate) async fn tls(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let dir = std::env::temp_dir().join(unique("sonet-suite-tls"));
    let result = tls_checks(rec, env, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn tls_checks(rec: &mut Recorder<'_>, env: &mut Env, dir: &Path) -> Result<(), String> {
    let other_ca = TlsFiles::new(&dir.join("other"), false, "another CA")?;
    // TLS, calls signed with MLS credentials.
    let service = Service::start(
        env,
        Options {
            tls: Some(TlsFiles::new(&dir.join("tls"), false, "sonet suite CA")?),
            ..Options::default()
        },
    )
    .await?;
    let result = async {
        let channel = service.channel().await?;
        let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
        members[0]
            .send(&group_id, b"over TLS")
            .await
            .map_err(client_error)?;
        let received = texts(&receive(&mut members[1], 1).await?);
        ensure(received == ["over TLS"], || format!("bob got {received:?}"))?;
        Ok(format!(
            "{}: register, KeyPackages, create group, invite, Welcome, send; bob decrypted \"over TLS\"",
            service.endpoint()?
        ))
    }
    .await;
    rec.check("TLS: signed calls, MLS messages end to end", result);

    let plain = format!("http://{}", service.address()?);
    let result = match connect(&plain, None).await {
        Err(e) => Ok(format!(
            "plaintext HTTP/2 to the TLS port: connection refused: {e}"
        )),
        Ok(channel) => {
            let member = Member::new(
                mls::Client::in_memory(b"plain").map_err(|e| e.to_string())?,
                MLS_SUITE,
                channel,
            );
            match member.register().await {
                Err(e) => Ok(format!(
                    "plaintext HTTP/2 to the TLS port: the call fails: {}",
                    client_error(e)
                )),
                Ok(_) => Err("a plaintext call to the TLS port succeeded".to_owned()),
            }
        }
    };
    rec.check("TLS: plaintext client refused", result);

    let result = match connect(&service.endpoint()?, Some(&other_ca.client(None)?)).await {
        Err(e) => Ok(format!("handshake fails: {e}")),
        Ok(channel) => match HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
        {
            Err(status) => Ok(format!("the call fails: {}", status_text(&status))),
            Ok(_) => Err("a client that does not trust the server's CA got an answer".into()),
        },
    };
    rec.check("TLS: client trusting another CA refused", result);
    drop(service);

    // Mutual TLS: the certificate's common name is the identity.
    let mtls = TlsFiles::new(&dir.join("mtls"), true, "sonet suite mTLS CA")?;
    let carol_tls = mtls.client(Some("carol"))?;
    let dave_tls = mtls.client(Some("dave"))?;
    let service = Service::start(
        env,
        Options {
            tls: Some(mtls),
            ..Options::default()
        },
    )
    .await?;
    let endpoint = service.endpoint()?;
    let carol_channel = connect(&endpoint, Some(&carol_tls))
        .await
        .map_err(client_error)?;
    let result = async {
        let carol = Member::new(
            mls::Client::in_memory(b"carol").map_err(|e| e.to_string())?,
            MLS_SUITE,
            carol_channel.clone(),
        );
        carol.register().await.map_err(client_error)?;
        let by_certificate = Connection::certificate_only(carol_channel.clone());
        by_certificate
            .delivery()
            .create_group(CreateGroupRequest {
                group_id: b"carols group".to_vec(),
                cipher_suite: u32::from(MLS_SUITE.id()),
            })
            .await
            .map_err(st)?;
        let state = get_group(&by_certificate, b"carols group")
            .await
            .map_err(st)?;
        ensure(state.members == [b"carol".to_vec()], || {
            format!("group members {:?}", names(&state.members))
        })?;
        Ok(
            "unsigned calls over the certificate CN=carol act as carol: CreateGroup, then \
            GetGroup lists [\"carol\"]"
                .to_owned(),
        )
    }
    .await;
    rec.check("mTLS: certificate common name is the identity", result);

    let result = async {
        let dave_channel = connect(&endpoint, Some(&dave_tls))
            .await
            .map_err(client_error)?;
        let dave = Member::new(
            mls::Client::in_memory(b"dave").map_err(|e| e.to_string())?,
            MLS_SUITE,
            dave_channel,
        );
        dave.register().await.map_err(client_error)?;
        // Dave's valid signature, sent over carol's certificate.
        let mismatched = Connection::signed(carol_channel.clone(), dave.mls.clone(), MLS_SUITE);
        expect_code(
            get_group(&mismatched, b"carols group").await,
            Code::Unauthenticated,
        )
        .map(|d| format!("dave's signature over carol's certificate: {d}"))
    }
    .await;
    rec.check("mTLS: signature of another identity refused", result);

    let result = async {
        let erin = Member::new(
            mls::Client::in_memory(b"erin").map_err(|e| e.to_string())?,
            MLS_SUITE,
            carol_channel.clone(),
        );
        match erin.register().await {
            Err(ClientError::Status(status)) => {
                expect_code::<()>(Err(status), Code::PermissionDenied)
            }
            Err(other) => Err(other.to_string()),
            Ok(_) => Err("registered erin over carol's certificate".into()),
        }
        .map(|d| format!("registering erin over carol's certificate: {d}"))
    }
    .await;
    rec.check("mTLS: registering another identity refused", result);

    let anonymous = ClientTls {
        identity: None,
        ..carol_tls.clone()
    };
    let result = match connect(&endpoint, Some(&anonymous)).await {
        Err(e) => Ok(format!("handshake without a client certificate fails: {e}")),
        Ok(channel) => {
            match get_group(&Connection::certificate_only(channel), b"carols group").await {
                Err(status) => Ok(format!(
                    "without a client certificate the call fails: {}",
                    status_text(&status)
                )),
                Ok(_) => Err("a client without a certificate was served".into()),
            }
        }
    };
    rec.check("mTLS: no client certificate refused", result);

    let stranger = ClientTls {
        identity: other_ca.client(Some("carol"))?.identity,
        ..carol_tls.clone()
    };
    let result = match connect(&endpoint, Some(&stranger)).await {
        Err(e) => Ok(format!(
            "handshake with CN=carol issued by another CA fails: {e}"
        )),
        Ok(channel) => {
            match get_group(&Connection::certificate_only(channel), b"carols group").await {
                Err(status) => Ok(format!(
                    "CN=carol issued by another CA: the call fails: {}",
                    status_text(&status)
                )),
                Ok(_) => Err("a certificate of another CA was accepted as carol".into()),
            }
        }
    };
    rec.check("mTLS: certificate of another CA refused", result);
    Ok(())
}
