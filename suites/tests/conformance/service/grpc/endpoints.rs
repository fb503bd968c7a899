//! Set `grpc/endpoints`: the API end to end with real MLS clients: a group created, joined and
//! messaged, MLS commits, key management, and the PQC signatures and envelopes.

use sonet::crypto::{KemAlgorithm, SignatureAlgorithm, SignedMessage};
use sonet::hybrid::envelope::{self, EnvelopeSuite};
use sonet::service::client::{Member, Received};
use sonet::service::proto::{
    key_ref, DecapsulateRequest, EncapsulateRequest, GenerateKeyRequest, KeyInfo, KeyRef,
    ListKeysRequest, OpenRequest, RotateKeyRequest, SealRequest, ServiceKey, SignRequest,
    VerifyRequest,
};
use sonet_testkit::unique::unique;
use tonic::Code;

use crate::conformance::service::helpers::{
    client_error, ensure, event, expect_code, get_group, name, names, receive, st, texts, Options,
    Service,
};
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

fn service_key(key_id: &str, version: u32) -> Option<ServiceKey> {
    Some(ServiceKey {
        key_id: key_id.to_owned(),
        version,
    })
}

fn service_ref(key_id: &str, version: u32) -> Option<KeyRef> {
    Some(KeyRef {
        key: Some(key_ref::Key::Service(ServiceKey {
            key_id: key_id.to_owned(),
            version,
        })),
    })
}

/// Every member's group agrees on epoch, epoch authenticator and an exported secret.
fn agree(members: &[&Member], group_id: &[u8]) -> Result<(u64, Vec<u8>), String> {
    let mut seen: Option<(u64, Vec<u8>, Vec<u8>)> = None;
    for member in members {
        let group = member.group(group_id).map_err(client_error)?;
        let authenticator = group.epoch_authenticator().as_bytes().to_vec();
        let exported = group
            .export_secret("sonet service suite", b"", 32)
            .map_err(|e| e.to_string())?
            .as_bytes()
            .to_vec();
        match &seen {
            None => seen = Some((group.epoch(), authenticator, exported)),
            Some((epoch, a, x)) => ensure(
                group.epoch() == *epoch && authenticator == *a && exported == *x,
                || {
                    format!(
                        "{} disagrees: epoch {} vs {epoch}",
                        name(member.identity()),
                        group.epoch()
                    )
                },
            )?,
        }
    }
    let (epoch, authenticator, _) = seen.ok_or("no members")?;
    Ok((epoch, authenticator))
}

pub(crate) async fn endpoints(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let admin = service.member("admin", channel.clone()).await?;
    let mut alice = service.member("alice", channel.clone()).await?;
    let mut bob = service.member("bob", channel.clone()).await?;
    let mut carol = service.member("carol", channel.clone()).await?;
    let group_id = unique("group").into_bytes();
    let mut epochs = Vec::new();

    // E2EE.
    let result = async {
        alice.create_group(&group_id).await.map_err(client_error)?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(state.epoch == 0 && state.members == [b"alice".to_vec()], || {
            format!("GetGroup: epoch {}, members {:?}", state.epoch, names(&state.members))
        })?;
        Ok(((), format!(
            "CreateGroup: the service holds the group at epoch 0 with members [\"alice\"], suite {}",
            state.cipher_suite
        )))
    }
    .await;
    rec.must("E2EE: create group", result)?;
    let result = async {
        let response = alice
            .invite(&group_id, &[b"bob".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let joined = receive(&mut bob, 1).await?;
        let (message, joined_event) = &joined[0];
        ensure(
            matches!(joined_event, Received::Joined { epoch: 1, .. }),
            || format!("bob: {}", event(joined_event)),
        )?;
        Ok((
            (),
            format!(
                "FetchKeyPackage + SubmitCommit with a Welcome: epoch {}; bob joined from a \
             {}-byte Welcome at epoch 1",
                response.epoch,
                message.payload.len()
            ),
        ))
    }
    .await;
    rec.must("E2EE: invite (Welcome)", result)?;
    let result = async {
        alice
            .send(&group_id, b"hello bob")
            .await
            .map_err(client_error)?;
        let got = receive(&mut bob, 1).await?;
        ensure(texts(&got) == ["hello bob"], || {
            format!("bob got {}", event(&got[0].1))
        })?;
        let ciphertext = &got[0].0.payload;
        ensure(!ciphertext.windows(9).any(|w| w == b"hello bob"), || {
            "the routed payload contains the plaintext".to_owned()
        })?;
        bob.send(&group_id, b"hello alice")
            .await
            .map_err(client_error)?;
        let got_back = receive(&mut alice, 1).await?;
        ensure(texts(&got_back) == ["hello alice"], || {
            format!("alice got {}", event(&got_back[0].1))
        })?;
        Ok((
            (),
            format!(
            "SendMessage + Subscribe: alice → bob and bob → alice decrypted; the {}-byte payload \
             the service routed holds no plaintext",
            ciphertext.len()
        ),
        ))
    }
    .await;
    rec.must("E2EE: send and receive", result)?;

    // MLS operations.
    let result = async {
        let response = alice
            .invite(&group_id, &[b"carol".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let bob_saw = receive(&mut bob, 1).await?;
        ensure(
            matches!(bob_saw[0].1, Received::Epoch { epoch: 2, .. }),
            || format!("bob: {}", event(&bob_saw[0].1)),
        )?;
        let carol_saw = receive(&mut carol, 1).await?;
        ensure(
            matches!(carol_saw[0].1, Received::Joined { epoch: 2, .. }),
            || format!("carol: {}", event(&carol_saw[0].1)),
        )?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(state.epoch == 2 && state.members.len() == 3, || {
            format!(
                "GetGroup: epoch {}, members {:?}",
                state.epoch,
                names(&state.members)
            )
        })?;
        let (epoch, _) = agree(&[&alice, &bob, &carol], &group_id)?;
        Ok((
            (),
            format!(
            "add commit accepted at epoch {}; bob processed it, carol joined; members {:?}; all \
             three agree on epoch {epoch}'s authenticator and exporter",
            response.epoch,
            names(&state.members)
        ),
        ))
    }
    .await;
    rec.must("MLS: add commit", result)?;
    let result = async {
        let before = agree(&[&alice, &bob, &carol], &group_id)?.1;
        let response = bob.update(&group_id).await.map_err(client_error)?;
        epochs.push(response.epoch);
        for member in [&mut alice, &mut carol] {
            let saw = receive(member, 1).await?;
            ensure(matches!(saw[0].1, Received::Epoch { epoch: 3, .. }), || {
                format!("{}: {}", name(member.identity()), event(&saw[0].1))
            })?;
        }
        let (epoch, after) = agree(&[&alice, &bob, &carol], &group_id)?;
        ensure(after != before, || {
            "the epoch authenticator did not change".into()
        })?;
        Ok((
            (),
            format!(
                "bob's self-update commit accepted (epoch {}); alice and carol processed it; all \
             agree on epoch {epoch}, whose authenticator differs from the previous epoch's",
                response.epoch
            ),
        ))
    }
    .await;
    rec.must("MLS: self-update commit (key update)", result)?;
    let result = async {
        let response = alice
            .remove(&group_id, &[b"carol".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let bob_saw = receive(&mut bob, 1).await?;
        ensure(
            matches!(bob_saw[0].1, Received::Epoch { epoch: 4, .. }),
            || format!("bob: {}", event(&bob_saw[0].1)),
        )?;
        let carol_saw = receive(&mut carol, 1).await?;
        ensure(matches!(carol_saw[0].1, Received::Removed { .. }), || {
            format!("carol: {}", event(&carol_saw[0].1))
        })?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(
            state.epoch == 4 && state.members == [b"alice".to_vec(), b"bob".to_vec()],
            || {
                format!(
                    "GetGroup: epoch {}, members {:?}",
                    state.epoch,
                    names(&state.members)
                )
            },
        )?;
        let carol_reads = expect_code(
            get_group(&carol.connection, &group_id).await,
            Code::PermissionDenied,
        )?;
        agree(&[&alice, &bob], &group_id)?;
        Ok((
            (),
            format!(
            "remove commit accepted (epoch {}); carol learnt she was removed, members now {:?}; \
             carol's GetGroup: {carol_reads}",
            response.epoch,
            names(&state.members)
        ),
        ))
    }
    .await;
    rec.must("MLS: remove commit", result)?;
    let result = async {
        ensure(epochs == [1, 2, 3, 4], || {
            format!("the service answered the four commits with epochs {epochs:?}")
        })?;
        alice
            .send(&group_id, b"after four commits")
            .await
            .map_err(client_error)?;
        let got = receive(&mut bob, 1).await?;
        ensure(texts(&got) == ["after four commits"], || {
            format!("bob got {}", event(&got[0].1))
        })?;
        Ok(format!(
            "the four commits were accepted as epochs {epochs:?}, each processed in order by \
             every member; a message in epoch 4 decrypts"
        ))
    }
    .await;
    rec.check("MLS: commits accepted in order", result);

    // Key management.
    let mut admin_keys = admin.connection.keys();
    let mut alice_keys = alice.connection.keys();
    let result = async {
        let key = admin_keys
            .generate_key(GenerateKeyRequest {
                algorithm: "ML-KEM-768".into(),
                label: "suite exchange".into(),
            })
            .await
            .map_err(st)?
            .into_inner();
        ensure(
            key.public_key.len() == 1184 && key.version == 1 && key.current,
            || {
                format!(
                    "GenerateKey: {} version {}, current {}, {}-byte public key",
                    key.key_id,
                    key.version,
                    key.current,
                    key.public_key.len()
                )
            },
        )?;
        let detail = format!(
            "GenerateKey ML-KEM-768: {} version 1, current, {}-byte encapsulation key",
            key.key_id,
            key.public_key.len()
        );
        Ok((key, detail))
    }
    .await;
    let kem_key: KeyInfo = rec.must("keys: generate ML-KEM-768", result)?;
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let exchange_key_id = kem_key.key_id.clone();
    let exchange = move |version: u32| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        let key_id = exchange_key_id.clone();
        async move {
            let encapsulated = alice_keys
                .encapsulate(EncapsulateRequest {
                    key: service_ref(&key_id, version),
                })
                .await
                .map_err(st)?
                .into_inner();
            let decapsulated = admin_keys
                .decapsulate(DecapsulateRequest {
                    key: service_key(&key_id, version),
                    ciphertext: encapsulated.ciphertext.clone(),
                })
                .await
                .map_err(st)?
                .into_inner();
            Ok::<_, String>((encapsulated, decapsulated.shared_secret))
        }
    };
    let result = async {
        let (encapsulated, shared) = exchange(0).await?;
        ensure(
            encapsulated.ciphertext.len() == 1088
                && encapsulated.shared_secret.len() == 32
                && shared == encapsulated.shared_secret,
            || "Encapsulate and Decapsulate disagree on the shared secret".into(),
        )?;
        // A ciphertext made here, with the public key the service published.
        let kem =
            sonet::crypto::default_kem(KemAlgorithm::MlKem768).ok_or("no ML-KEM-768 provider")?;
        let local = kem
            .encapsulate(&kem_key.public_key)
            .map_err(|e| e.to_string())?;
        let remote = admin_keys
            .decapsulate(DecapsulateRequest {
                key: service_key(&kem_key.key_id, 0),
                ciphertext: local.ciphertext.clone(),
            })
            .await
            .map_err(st)?
            .into_inner();
        ensure(
            remote.shared_secret == local.shared_secret.as_bytes(),
            || "the service decapsulated a locally made ciphertext to another secret".into(),
        )?;
        Ok(format!(
            "alice Encapsulate to the service key: {}-byte ciphertext; admin Decapsulate: the \
             same 32-byte secret; a ciphertext made locally for the published key decapsulates \
             on the service to the local secret",
            encapsulated.ciphertext.len()
        ))
    }
    .await;
    rec.check("keys: exchange (encapsulate, decapsulate)", result);
    let result =
        async {
            let rotated = admin_keys
                .rotate_key(RotateKeyRequest {
                    key_id: kem_key.key_id.clone(),
                })
                .await
                .map_err(st)?
                .into_inner();
            ensure(
                rotated.version == 2 && rotated.current && rotated.public_key != kem_key.public_key,
                || {
                    format!(
                        "RotateKey gave version {} (current {})",
                        rotated.version, rotated.current
                    )
                },
            )?;
            let (old, old_shared) = exchange(1).await?;
            ensure(old.shared_secret == old_shared, || {
                "version 1 no longer decapsulates".into()
            })?;
            let (new, new_shared) = exchange(0).await?;
            ensure(new.shared_secret == new_shared, || {
                "the current version does not decapsulate".into()
            })?;
            let cross = admin_keys
                .decapsulate(DecapsulateRequest {
                    key: service_key(&kem_key.key_id, 1),
                    ciphertext: new.ciphertext,
                })
                .await
                .map_err(st)?
                .into_inner();
            ensure(cross.shared_secret != new.shared_secret, || {
                "version 1 decapsulates a ciphertext for version 2".into()
            })?;
            Ok("RotateKey: version 2 current with a new key; version 1 still decapsulates its own \
            ciphertexts; version 0 (current) now means version 2, whose ciphertexts version 1 \
            does not open"
            .to_owned())
        }
        .await;
    rec.check("keys: rotate", result);
    let result = async {
        let listed = alice_keys
            .list_keys(ListKeysRequest {
                algorithm: "ML-KEM-768".into(),
            })
            .await
            .map_err(st)?
            .into_inner()
            .keys;
        let versions: Vec<(u32, bool)> = listed
            .iter()
            .filter(|k| k.key_id == kem_key.key_id)
            .map(|k| (k.version, k.current))
            .collect();
        let mut sorted = versions.clone();
        sorted.sort();
        ensure(sorted == [(1, false), (2, true)], || {
            format!("ListKeys shows versions {versions:?}")
        })?;
        Ok(format!(
            "ListKeys ML-KEM-768 (as alice, not an administrator): {} versions of {}, only \
             version 2 current",
            versions.len(),
            kem_key.key_id
        ))
    }
    .await;
    rec.check("keys: list", result);

    // PQC operations.
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let sign_verify = move |algorithm: SignatureAlgorithm| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        async move {
            let key = admin_keys
                .generate_key(GenerateKeyRequest {
                    algorithm: algorithm.name().into(),
                    label: "suite signing".into(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let message = b"release 1".to_vec();
            let signed = admin_keys
                .sign(SignRequest {
                    key: service_key(&key.key_id, 0),
                    message: message.clone(),
                    context: b"ctx".to_vec(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let verify = |message: &[u8], context: &[u8]| VerifyRequest {
                key: service_ref(&key.key_id, 0),
                message: message.to_vec(),
                context: context.to_vec(),
                signature: signed.signature.clone(),
            };
            let mut verdicts = Vec::new();
            for (m, c) in [
                (&message[..], &b"ctx"[..]),
                (b"release 2", b"ctx"),
                (&message[..], b"other"),
            ] {
                verdicts.push(
                    alice_keys
                        .verify(verify(m, c))
                        .await
                        .map_err(st)?
                        .into_inner()
                        .valid,
                );
            }
            ensure(verdicts == [true, false, false], || {
                format!("Verify gave {verdicts:?} for (signed, other message, other context)")
            })?;
            let local = sonet::crypto::default_signature(algorithm)
                .ok_or_else(|| format!("no {algorithm} provider"))?
                .verify(
                    &key.public_key,
                    SignedMessage::Pure {
                        message: &message,
                        context: b"ctx",
                    },
                    &signed.signature,
                );
            ensure(local.is_ok(), || {
                format!("the signature does not verify locally: {local:?}")
            })?;
            Ok::<_, String>(format!(
                "{algorithm}: admin Sign ({}-byte signature), alice Verify true; false for another \
                 message or context; verifies locally with the published {}-byte key",
                signed.signature.len(),
                key.public_key.len()
            ))
        }
    };
    rec.check(
        "PQC: sign and verify ML-DSA-65",
        sign_verify(SignatureAlgorithm::MlDsa65).await,
    );
    let result = async {
        let fn_dsa = sign_verify(SignatureAlgorithm::FnDsa512).await?;
        let slh_dsa = sign_verify(SignatureAlgorithm::SlhDsaSha2_128f).await?;
        Ok(format!("{fn_dsa}; {slh_dsa}"))
    }
    .await;
    rec.check(
        "PQC: sign and verify FN-DSA-512 and SLH-DSA-SHA2-128f",
        result,
    );
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let seal_open = move |suite: EnvelopeSuite| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        async move {
            let key = admin_keys
                .generate_key(GenerateKeyRequest {
                    algorithm: suite.name().into(),
                    label: "suite inbox".into(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let sealed = alice_keys
                .seal(SealRequest {
                    recipient: service_ref(&key.key_id, 0),
                    plaintext: b"for the service".to_vec(),
                    aad: b"ctx".to_vec(),
                })
                .await
                .map_err(st)?
                .into_inner()
                .envelope;
            let open = |envelope: Vec<u8>, aad: &[u8]| OpenRequest {
                key: service_key(&key.key_id, 0),
                envelope,
                aad: aad.to_vec(),
            };
            let opened = admin_keys
                .open(open(sealed.clone(), b"ctx"))
                .await
                .map_err(st)?
                .into_inner();
            ensure(opened.plaintext == b"for the service", || {
                "Open returned other bytes".into()
            })?;
            let wrong_aad = expect_code(
                admin_keys.open(open(sealed.clone(), b"other")).await,
                Code::InvalidArgument,
            )?;
            let local = envelope::seal(suite, &key.public_key, b"sealed here", b"", None)
                .and_then(|e| e.to_bytes())
                .map_err(|e| e.to_string())?;
            let opened_local = admin_keys
                .open(open(local, b""))
                .await
                .map_err(st)?
                .into_inner();
            ensure(opened_local.plaintext == b"sealed here", || {
                "a locally sealed envelope opened to other bytes".into()
            })?;
            Ok::<_, String>(format!(
                "{}: alice Seal ({}-byte envelope), admin Open returns the plaintext; Open with \
                 another AAD: {wrong_aad}; an envelope sealed locally to the published key opens",
                suite.name(),
                sealed.len()
            ))
        }
    };
    rec.check(
        "PQC: seal and open X-Wing envelope (hybrid)",
        seal_open(EnvelopeSuite::XWingAes256Gcm).await,
    );
    rec.check(
        "PQC: seal and open ML-KEM-768 envelope",
        seal_open(EnvelopeSuite::MlKem768Aes256Gcm).await,
    );
    Ok(())
}
