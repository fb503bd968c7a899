//! Section 3 of the design document, "Hybrid Encryption System": judged from one envelope
//! round trip per suite and a sample of envelopes to one key (`ClaimEvidence::envelopes`,
//! `nonces`).

use crate::model::{Claim, ClaimEvidence, EnvelopeOpened, Verdict};

const SECTION_HYBRID: &str = "3. Hybrid Encryption System";

fn hybrid_claim(
    id: &str,
    quote: &str,
    claimed: &str,
    outcome: Result<(Verdict, String, String), String>,
) -> Claim {
    super::judged(SECTION_HYBRID, id, quote, claimed, outcome)
}

/// The claims of section 3, in the order results.json lists them.
pub(super) fn judge(evidence: &ClaimEvidence) -> Vec<Claim> {
    let rounds: Vec<(&str, &Result<EnvelopeOpened, String>)> = evidence
        .envelopes
        .iter()
        .map(|round| (round.kem.as_str(), &round.opened))
        .collect();
    let failures: Vec<String> = rounds
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect();
    let all_ok = || {
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    };
    let kems = || {
        rounds
            .iter()
            .filter_map(|(kem, r)| {
                r.as_ref().ok().map(|opened| {
                    format!("{kem} ({}-byte encapsulation)", opened.encapsulation_bytes)
                })
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let aeads = || {
        let mut names: Vec<&str> = rounds
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|opened| opened.aead.as_str()))
            .collect();
        names.dedup();
        names.join(", ")
    };
    vec![
        hybrid_claim(
            "hybrid-pqc-kem",
            "PQC Layer: Kyber for key encapsulation",
            "Kyber (ML-KEM) encapsulation",
            all_ok().map(|()| {
                (
                    Verdict::Confirmed,
                    kems(),
                    "sealed and opened one envelope per suite; every suite's KEM is ML-KEM (FIPS 203)                      alone or inside X-Wing, each checked by the fips203 and xwing suites"
                        .to_owned(),
                )
            }),
        ),
        hybrid_claim(
            "hybrid-aead",
            "Classical Layer: AES-256-GCM or ChaCha20-Poly1305 for data encryption",
            "AES-256-GCM or ChaCha20-Poly1305",
            all_ok().map(|()| {
                (
                    Verdict::Confirmed,
                    aeads(),
                    "each envelope's ciphertext was decrypted independently with the provider's AEAD                      of its suite (checked by the aead suite)"
                        .to_owned(),
                )
            }),
        ),
        hybrid_claim(
            "hybrid-hkdf",
            "Key Derivation: HKDF-based key derivation from PQC shared secrets",
            "HKDF from the KEM shared secret",
            all_ok().map(|()| {
                (
                    Verdict::Confirmed,
                    "HKDF-SHA256 (RFC 9180 key schedule) from the decapsulated shared secret".to_owned(),
                    "recomputed each envelope's key and nonce from the KEM shared secret with Sonet's                      HKDF-SHA256 and decrypted with them"
                        .to_owned(),
                )
            }),
        ),
        hybrid_claim(
            "hybrid-nonce",
            "Nonce Management: Secure random nonce generation for each encryption",
            "a fresh random nonce per encryption",
            evidence.nonces.clone().map(|sample| {
                let (nonces, encs, envelopes) = (
                    sample.distinct_nonces,
                    sample.distinct_encapsulations,
                    sample.envelopes,
                );
                let verdict = if nonces == envelopes && encs == envelopes {
                    Verdict::Confirmed
                } else {
                    Verdict::Refuted
                };
                (
                    verdict,
                    format!("{nonces} distinct nonces and {encs} distinct encapsulations in {envelopes} envelopes to one key"),
                    "the nonce is not drawn directly: each envelope makes a fresh KEM encapsulation and                      HPKE derives its key and nonce from it, so both are new and unpredictable per                      encryption; recomputed here from the recipient side (the envelope property test                      checks 100,000)"
                        .to_owned(),
                )
            }),
        ),
        hybrid_claim(
            "hybrid-overhead",
            "Hybrid Overhead: <5% compared to classical-only",
            "< 5 % overhead",
            Ok((
                Verdict::NotVerified,
                "not measured".to_owned(),
                "a performance ratio; it is measured by the benchmark suite, not by conformance checks"
                    .to_owned(),
            )),
        ),
        hybrid_claim(
            "hybrid-forward-secrecy",
            "Forward secrecy through key rotation",
            "forward secrecy",
            Ok((
                Verdict::NotVerified,
                "not measured".to_owned(),
                "an envelope is encrypted to a long-term recipient key, so it has no forward secrecy                  by itself; key rotation belongs to MLS epochs, checked by the MLS suites"
                    .to_owned(),
            )),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{claim, library_evidence};
    use crate::model::NonceSample;

    #[test]
    fn envelopes_and_nonces_judge_the_hybrid_claims() {
        let claims = judge(&library_evidence());
        let kem = claim(&claims, "hybrid-pqc-kem");
        assert_eq!(kem.verdict, Verdict::Confirmed);
        assert_eq!(
            kem.measured,
            "X-Wing (1120-byte encapsulation), X-Wing (1120-byte encapsulation), ML-KEM-768 \
             (1088-byte encapsulation), ML-KEM-1024 (1568-byte encapsulation)"
        );
        // Repeats are dropped only where they follow each other, as always.
        assert_eq!(
            claim(&claims, "hybrid-aead").measured,
            "AES-256-GCM, ChaCha20-Poly1305, AES-256-GCM"
        );
        assert_eq!(claim(&claims, "hybrid-hkdf").verdict, Verdict::Confirmed);
        let nonce = claim(&claims, "hybrid-nonce");
        assert_eq!(nonce.verdict, Verdict::Confirmed);
        assert_eq!(
            nonce.measured,
            "1000 distinct nonces and 1000 distinct encapsulations in 1000 envelopes to one key"
        );
        for id in ["hybrid-overhead", "hybrid-forward-secrecy"] {
            assert_eq!(claim(&claims, id).verdict, Verdict::NotVerified, "{id}");
        }
    }

    #[test]
    fn a_failed_round_trip_or_a_repeated_nonce_confirms_nothing() {
        let mut evidence = library_evidence();
        let error = "X-Wing + HKDF-SHA256 + ChaCha20-Poly1305: independent decryption gave other \
                     bytes";
        evidence.envelopes[1].opened = Err(error.to_owned());
        evidence.nonces = Ok(NonceSample {
            envelopes: 1000,
            distinct_nonces: 999,
            distinct_encapsulations: 1000,
        });
        let claims = judge(&evidence);
        for id in ["hybrid-pqc-kem", "hybrid-aead", "hybrid-hkdf"] {
            let claim = claim(&claims, id);
            assert_eq!(claim.verdict, Verdict::NotVerified, "{id}");
            assert_eq!(claim.measured, "measurement failed");
            assert_eq!(claim.reason, error);
        }
        assert_eq!(claim(&claims, "hybrid-nonce").verdict, Verdict::Refuted);
        evidence.nonces = Err("sealing failed".to_owned());
        let nonce = claim(&judge(&evidence), "hybrid-nonce").clone();
        assert_eq!(nonce.verdict, Verdict::NotVerified);
        assert_eq!(nonce.reason, "sealing failed");
    }
}
