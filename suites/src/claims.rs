//! The measurements behind the design document's claims that need the `sonet` library: the
//! sizes of the keys, ciphertexts and signatures each provider produces, envelope round trips,
//! nonces, MLS group lifecycles, and which algorithms and suites are implemented.
//!
//! This is measuring only: the result is plain data ([`ClaimEvidence`]), carried in the suites'
//! JSON next to the sets, and `sonet_report::claims` judges every claim from it.

use std::collections::HashSet;

use sonet::crypto::aead::AeadAlgorithm;
use sonet::crypto::{self, KemAlgorithm, SignatureAlgorithm, SignatureFamily};
use sonet::hybrid::envelope::{self, EnvelopeSuite};
use sonet::hybrid::hpke;
use sonet::mls;
use sonet_report::claims::{self as report_claims, Evidence};
use sonet_report::model::{
    AlgorithmSupport, Claim, ClaimEvidence, EnvelopeOpened, EnvelopeRoundTrip, Family, Lifecycle,
    MlsCipherSuite, MlsEvidence, MlsLifecycle, NonceSample, ProviderSize, Quantity, SetResult,
    SizeMeasurement,
};

/// Measures everything the claims need from the library.
pub fn measure() -> ClaimEvidence {
    ClaimEvidence {
        sizes: report_claims::size_requests()
            .into_iter()
            .map(|(algorithm, quantity)| SizeMeasurement {
                algorithm: algorithm.to_owned(),
                quantity,
                providers: measure_size(algorithm, quantity),
            })
            .collect(),
        algorithms: algorithms(),
        envelopes: EnvelopeSuite::ALL
            .into_iter()
            .map(|suite| EnvelopeRoundTrip {
                suite: suite.name().to_owned(),
                kem: suite.kem().name().to_owned(),
                opened: envelope_round(suite).map(|(enc, aead)| EnvelopeOpened {
                    encapsulation_bytes: enc as u64,
                    aead: aead.name().to_owned(),
                }),
            })
            .collect(),
        nonces: distinct_nonces().map(|(nonces, encs)| NonceSample {
            envelopes: NONCE_SAMPLE as u64,
            distinct_nonces: nonces as u64,
            distinct_encapsulations: encs as u64,
        }),
        mls: mls_evidence(),
    }
}

/// The claims of the design document's sections 1 to 5: `sets` are the suites' results; the
/// library is measured here and the verdicts come from `sonet_report::claims`.
pub fn check_claims(sets: &[SetResult]) -> (ClaimEvidence, Vec<Claim>) {
    let evidence = measure();
    let claims = report_claims::judge(&Evidence {
        sets,
        library: Some(&evidence),
        performance: None,
    });
    (evidence, claims)
}

/// Measures one size under every provider that implements the algorithm (none: an empty list).
fn measure_size(algorithm: &str, quantity: Quantity) -> Vec<ProviderSize> {
    let kem = KemAlgorithm::ALL
        .into_iter()
        .find(|a| a.name() == algorithm);
    let signature = SignatureAlgorithm::ALL
        .iter()
        .copied()
        .find(|a| a.name() == algorithm);
    let mut measured = Vec::new();
    for provider in crypto::providers() {
        let size = match quantity {
            Quantity::KemPublicKey | Quantity::KemCiphertext => {
                let Some(kem) = kem.and_then(|alg| provider.kem(alg)) else {
                    continue;
                };
                kem.generate().and_then(|pair| match quantity {
                    Quantity::KemCiphertext => kem
                        .encapsulate(&pair.encapsulation_key)
                        .map(|e| e.ciphertext.len()),
                    _ => Ok(pair.encapsulation_key.len()),
                })
            }
            Quantity::SignaturePublicKey | Quantity::Signature => {
                let Some(signer) = signature.and_then(|alg| provider.signature(alg)) else {
                    continue;
                };
                signer.generate().and_then(|pair| match quantity {
                    Quantity::Signature => signer
                        .sign_random(pair.secret_key.as_bytes(), b"Sonet claims check", b"")
                        .map(|s| s.len()),
                    _ => Ok(pair.public_key.len()),
                })
            }
        };
        measured.push(ProviderSize {
            provider: provider.name.to_owned(),
            bytes: size.map(|n| n as u64).map_err(|e| e.to_string()),
        });
    }
    measured
}

/// Every KEM and signature parameter set of the registry with the providers implementing it.
fn algorithms() -> Vec<AlgorithmSupport> {
    let providers = crypto::providers();
    let kems = KemAlgorithm::ALL.into_iter().map(|a| AlgorithmSupport {
        name: a.name().to_owned(),
        family: Family::MlKem,
        providers: providers
            .iter()
            .filter(|p| p.kem(a).is_some())
            .map(|p| p.name.to_owned())
            .collect(),
    });
    let signatures = SignatureAlgorithm::ALL.iter().map(|a| AlgorithmSupport {
        name: a.name().to_owned(),
        family: match a.family() {
            SignatureFamily::MlDsa => Family::MlDsa,
            SignatureFamily::SlhDsa => Family::SlhDsa,
            SignatureFamily::FnDsa => Family::FnDsa,
        },
        providers: providers
            .iter()
            .filter(|p| p.signature(*a).is_some())
            .map(|p| p.name.to_owned())
            .collect(),
    });
    kems.chain(signatures).collect()
}

/// What one envelope round trip established: the `enc` length and the AEAD that decrypted it.
type RoundTrip = Result<(usize, AeadAlgorithm), String>;

/// Seals one envelope per suite and opens it again with keys recomputed independently from the
/// KEM shared secret (RFC 9180 key schedule over Sonet's HKDF, then the provider's AEAD).
fn envelope_round(suite: EnvelopeSuite) -> RoundTrip {
    let (sk, pk) = envelope::derive_recipient_key(suite, &[0x33; 32]);
    let sealed =
        envelope::seal(suite, &pk, b"claims check", b"", None).map_err(|e| e.to_string())?;
    let keys = envelope::recompute_keys(sk.as_bytes(), &sealed).map_err(|e| e.to_string())?;
    let algorithm = match suite.hpke().aead {
        hpke::AeadId::ChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
        _ => AeadAlgorithm::Aes256Gcm,
    };
    let aead = crypto::providers()
        .into_iter()
        .find_map(|p| p.aead(algorithm))
        .ok_or_else(|| format!("no provider implements {algorithm}"))?;
    let header = sealed.header().map_err(|e| e.to_string())?;
    let opened = aead
        .open(
            keys.key.as_bytes(),
            &keys.nonce,
            &header,
            &sealed.ciphertext,
        )
        .map_err(|e| format!("{suite}: independent key schedule does not decrypt: {e}"))?;
    if opened != b"claims check" {
        return Err(format!("{suite}: independent decryption gave other bytes"));
    }
    Ok((sealed.enc.len(), algorithm))
}

/// Envelopes sealed to one key in the nonce measurement.
const NONCE_SAMPLE: usize = 1000;

fn distinct_nonces() -> Result<(usize, usize), String> {
    let suite = EnvelopeSuite::default();
    let (sk, pk) = envelope::derive_recipient_key(suite, &[0x44; 32]);
    let mut nonces = HashSet::new();
    let mut encs = HashSet::new();
    for _ in 0..NONCE_SAMPLE {
        let sealed = envelope::seal(suite, &pk, b"n", b"", None).map_err(|e| e.to_string())?;
        let keys = envelope::recompute_keys(sk.as_bytes(), &sealed).map_err(|e| e.to_string())?;
        nonces.insert(keys.nonce);
        encs.insert(sealed.enc);
    }
    Ok((nonces.len(), encs.len()))
}

/// Creates a group, adds two members from their KeyPackages (Welcome), exchanges a message,
/// self-updates, removes a member; at every epoch all members must agree on the epoch
/// authenticator and the exported secret.
fn mls_lifecycle(suite: mls::CipherSuite) -> Result<Lifecycle, String> {
    let err = |e: mls::MlsError| e.to_string();
    let alice = mls::Client::in_memory(b"alice").map_err(err)?;
    let bob = mls::Client::in_memory(b"bob").map_err(err)?;
    let carol = mls::Client::in_memory(b"carol").map_err(err)?;
    let mut a = mls::create_group(&alice, suite, &mls::GroupOptions::default()).map_err(err)?;
    let kps = [
        bob.key_package(suite).map_err(err)?,
        carol.key_package(suite).map_err(err)?,
    ];
    let add = a.add_members(&kps).map_err(err)?;
    a.merge_pending_commit().map_err(err)?;
    let welcome = add.welcome.ok_or("add produced no Welcome")?;
    let join = mls::JoinOptions::default();
    let mut b = mls::join_from_welcome(&bob, &welcome, None, &join).map_err(err)?;
    let mut c = mls::join_from_welcome(&carol, &welcome, None, &join).map_err(err)?;
    let mut epochs = Vec::new();
    let mut secrets: Vec<Vec<u8>> = Vec::new();
    let mut agree = |groups: &[&mls::Group]| -> Result<(), String> {
        let first = groups.first().ok_or("no group")?;
        let auth = first.epoch_authenticator();
        let secret = first.export_secret("sonet claims", b"", 32).map_err(err)?;
        for g in groups {
            if g.epoch() != first.epoch() || g.epoch_authenticator() != auth {
                return Err(format!("members disagree at epoch {}", first.epoch()));
            }
            if g.export_secret("sonet claims", b"", 32).map_err(err)? != secret {
                return Err(format!(
                    "exported secrets differ at epoch {}",
                    first.epoch()
                ));
            }
        }
        epochs.push(first.epoch());
        secrets.push(secret.as_bytes().to_vec());
        Ok(())
    };
    agree(&[&a, &b, &c])?;
    let message = b.encrypt(b"hello group").map_err(err)?;
    match a.process(&message).map_err(err)? {
        mls::GroupEvent::Application { data, .. } if data == b"hello group" => {}
        other => return Err(format!("unexpected event {other:?}")),
    }
    let update = b.self_update().map_err(err)?;
    b.merge_pending_commit().map_err(err)?;
    a.process(&update.commit).map_err(err)?;
    c.process(&update.commit).map_err(err)?;
    agree(&[&a, &b, &c])?;
    let carol_leaf = c.own_leaf_index();
    let remove = a.remove_members(&[carol_leaf]).map_err(err)?;
    a.merge_pending_commit().map_err(err)?;
    b.process(&remove.commit).map_err(err)?;
    match c.process(&remove.commit).map_err(err)? {
        mls::GroupEvent::Removed { .. } => {}
        other => return Err(format!("removed member saw {other:?}")),
    }
    agree(&[&a, &b])?;
    let mut distinct = secrets.clone();
    distinct.sort();
    distinct.dedup();
    Ok(Lifecycle {
        epochs,
        secrets_rotate: distinct.len() == secrets.len(),
    })
}

/// The engine's RFC 9420 suites and a lifecycle for each it supports.
fn mls_evidence() -> MlsEvidence {
    let supported = mls::CipherSuite::supported();
    MlsEvidence {
        cipher_suites: mls::CipherSuite::ALL
            .into_iter()
            .map(|s| MlsCipherSuite {
                name: s.name().to_owned(),
                id: s.id(),
                supported: supported.contains(&s),
            })
            .collect(),
        lifecycles: supported
            .into_iter()
            .map(|s| MlsLifecycle {
                suite: s.name().to_owned(),
                id: s.id(),
                outcome: mls_lifecycle(s),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_request_names_a_registry_algorithm() {
        for (algorithm, quantity) in report_claims::size_requests() {
            let known = match quantity {
                Quantity::KemPublicKey | Quantity::KemCiphertext => {
                    KemAlgorithm::ALL.iter().any(|a| a.name() == algorithm)
                }
                Quantity::SignaturePublicKey | Quantity::Signature => SignatureAlgorithm::ALL
                    .iter()
                    .any(|a| a.name() == algorithm),
            };
            assert!(known, "{algorithm} ({quantity:?})");
        }
    }

    #[test]
    fn the_report_reads_the_differential_set_by_its_name() {
        assert_eq!(
            report_claims::DIFFERENTIAL_SET,
            crate::rfc9420::differential::SET
        );
    }
}
