//! FIPS 204 (ML-DSA): ACVP keyGen / sigGen / sigVer (internal interface) and Wycheproof
//! `mldsa_*` sign (from seed and from expanded key) and verify, with context strings.

use serde_json::Value;
use sonet::crypto::{Provider, Signature, SignatureAlgorithm, SignedMessage, SigningRandomness};
use sonet_report::model::SetResult;

use crate::formats::acvp::{self, AcvpCase};
use crate::formats::wycheproof::{self, WycheproofCase};
use crate::runner::{
    expect_eq, hex_field, providers_for, record, str_field, tc_id, CaseError, CaseResult, Job,
    Suite,
};

/// The `fips204` suite, under every provider with an ML-DSA parameter set: NIST ACVP keyGen, sigGen
/// and sigVer (`acvp/ML-DSA-*-FIPS204/65370b8`, from GiacomoPope/dilithium-py) and Wycheproof
/// `wycheproof/mldsa_{44,65,87}_{sign_seed,sign_noseed,verify}_test.json` (C2SP/wycheproof).
pub const SUITE: Suite = Suite {
    name: "fips204",
    description: "ML-DSA (FIPS 204): ACVP and Wycheproof vectors",
    jobs,
};

#[derive(Clone, Copy)]
enum AcvpKind {
    KeyGen,
    SigGen,
    SigVer,
}

const ACVP_SETS: [(&str, AcvpKind); 3] = [
    ("acvp/ML-DSA-keyGen-FIPS204/65370b8", AcvpKind::KeyGen),
    ("acvp/ML-DSA-sigGen-FIPS204/65370b8", AcvpKind::SigGen),
    ("acvp/ML-DSA-sigVer-FIPS204/65370b8", AcvpKind::SigVer),
];

#[derive(Clone, Copy)]
enum WycheproofKind {
    SignSeed,
    SignNoSeed,
    Verify,
}

const WYCHEPROOF_KINDS: [(&str, WycheproofKind); 3] = [
    ("sign_seed_test", WycheproofKind::SignSeed),
    ("sign_noseed_test", WycheproofKind::SignNoSeed),
    ("verify_test", WycheproofKind::Verify),
];

const ML_DSA: [SignatureAlgorithm; 3] = [
    SignatureAlgorithm::MlDsa44,
    SignatureAlgorithm::MlDsa65,
    SignatureAlgorithm::MlDsa87,
];

fn jobs() -> Vec<Job> {
    let mut jobs = Vec::new();
    for provider in providers_for(|p| ML_DSA.iter().any(|a| p.signature(*a).is_some())) {
        for (dir, kind) in ACVP_SETS {
            jobs.push(Job::new(
                SUITE.name,
                dir,
                provider.name,
                move |store, set| {
                    for case in acvp::load(store, dir, set)? {
                        let (operation, result) = match kind {
                            AcvpKind::KeyGen => (
                                "keygen",
                                case.hex("seed")
                                    .and_then(|seed| acvp_keygen(provider, &case, &seed)),
                            ),
                            AcvpKind::SigGen => ("sign", acvp_sign(provider, &case, "rnd")),
                            AcvpKind::SigVer => ("verify", acvp_verify(provider, &case)),
                        };
                        record(
                            set,
                            tc_id(&case.test),
                            case.parameter_set(),
                            operation,
                            result,
                        );
                    }
                    Ok(())
                },
            ));
        }
        for alg in ML_DSA {
            for (suffix, kind) in WYCHEPROOF_KINDS {
                let level = alg.name().trim_start_matches("ML-DSA-");
                let path = format!("wycheproof/mldsa_{level}_{suffix}.json");
                jobs.push(wycheproof::job(
                    SUITE.name,
                    path,
                    provider,
                    move |case, set| wycheproof_case(provider, alg, kind, case, set),
                ));
            }
        }
    }
    jobs
}

/// The provider's implementation of a signature parameter set, by its standard name.
pub fn signer_for(provider: &Provider, params: &str) -> Result<&'static dyn Signature, CaseError> {
    let alg: SignatureAlgorithm = params
        .parse()
        .map_err(|_| CaseError::Fail(format!("unknown parameter set {params:?}")))?;
    provider.signature(alg).ok_or_else(|| {
        CaseError::Unsupported(format!("{} does not implement {alg}", provider.name))
    })
}

/// ACVP keyGen for a signature scheme: the seed in the standard's layout → pk and sk.
pub(super) fn acvp_keygen(provider: &Provider, case: &AcvpCase, seed: &[u8]) -> CaseResult {
    let signer = signer_for(provider, case.parameter_set())?;
    let pair = signer.generate_from_seed(seed)?;
    expect_eq("pk", &pair.public_key, &hex_field(&case.expected, "pk")?)?;
    expect_eq(
        "sk",
        pair.secret_key.as_bytes(),
        &hex_field(&case.expected, "sk")?,
    )?;
    Ok("pk and sk match".into())
}

/// ACVP sigGen (internal interface); a non-deterministic group carries its randomness in
/// `randomness_field` ("rnd" for ML-DSA, "additionalRandomness" for SLH-DSA).
pub(super) fn acvp_sign(
    provider: &Provider,
    case: &AcvpCase,
    randomness_field: &str,
) -> CaseResult {
    let signer = signer_for(provider, case.parameter_set())?;
    let sk = case.hex("sk")?;
    let message = case.hex("message")?;
    let rnd;
    let randomness = if case.group_flag("deterministic").unwrap_or(false) {
        SigningRandomness::Deterministic
    } else {
        rnd = case.hex(randomness_field)?;
        SigningRandomness::Hedged(&rnd)
    };
    let signature = signer.sign(&sk, SignedMessage::Internal(&message), randomness)?;
    expect_eq(
        "signature",
        &signature,
        &hex_field(&case.expected, "signature")?,
    )?;
    Ok("signature matches".into())
}

/// Judges a verification against ACVP's expected verdict.
fn verdict(should_pass: bool, result: Result<(), sonet::crypto::PqcError>) -> CaseResult {
    match (should_pass, result) {
        (true, Ok(())) => Ok("valid signature accepted".into()),
        (false, Ok(())) => Err(CaseError::Fail("invalid signature was accepted".into())),
        (false, Err(e @ sonet::crypto::PqcError::Unsupported { .. })) | (true, Err(e)) => {
            Err(e.into())
        }
        (false, Err(e)) => Ok(format!("invalid signature rejected: {e}")),
    }
}

/// ACVP sigVer (internal interface), judged by `testPassed`.
pub(super) fn acvp_verify(provider: &Provider, case: &AcvpCase) -> CaseResult {
    let signer = signer_for(provider, case.parameter_set())?;
    let result = signer.verify(
        &case.hex("pk")?,
        SignedMessage::Internal(&case.hex("message")?),
        &case.hex("signature")?,
    );
    verdict(case.test_passed()?, result)
}

fn wycheproof_case(
    provider: &Provider,
    alg: SignatureAlgorithm,
    kind: WycheproofKind,
    case: &WycheproofCase,
    set: &mut SetResult,
) {
    let operation = match kind {
        WycheproofKind::Verify => "verify",
        WycheproofKind::SignSeed => "keygen+sign",
        WycheproofKind::SignNoSeed => "sign",
    };
    let result = signer_for(provider, alg.name()).and_then(|signer| match kind {
        WycheproofKind::Verify => wycheproof_verify(signer, case),
        _ => wycheproof_sign(signer, kind, case),
    });
    record(set, case.id(), alg.name(), operation, result);
}

/// Optional hex field: absent is `None`, malformed fails the case.
fn optional_hex(object: &Value, name: &str) -> Result<Option<Vec<u8>>, CaseError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => hex_field(object, name).map(Some),
    }
}

fn wycheproof_sign(
    signer: &dyn Signature,
    kind: WycheproofKind,
    case: &WycheproofCase,
) -> CaseResult {
    let message = optional_hex(&case.test, "msg")?;
    let context = optional_hex(&case.test, "ctx")?.unwrap_or_default();
    let mu = optional_hex(&case.test, "mu")?;
    let rnd = optional_hex(&case.test, "rnd")?;
    case.expectation.judge(|| {
        let secret_key = match kind {
            WycheproofKind::SignSeed => {
                let pair = signer.generate_from_seed(&hex_field(&case.group, "privateSeed")?)?;
                if let Some(pk) = str_field(&case.group, "publicKey").filter(|p| *p != "None") {
                    let want = hex::decode(pk)
                        .map_err(|e| CaseError::Fail(format!("publicKey is not hex: {e}")))?;
                    expect_eq("public key from seed", &pair.public_key, &want)?;
                }
                pair.secret_key
            }
            _ => hex_field(&case.group, "privateKey")?.as_slice().into(),
        };
        let signed = match (&message, &mu) {
            (Some(message), _) => SignedMessage::Pure {
                message,
                context: &context,
            },
            (None, Some(mu)) => SignedMessage::ExternalMu(mu),
            (None, None) => return Err(CaseError::Fail("vector has neither msg nor mu".into())),
        };
        let randomness = match &rnd {
            Some(rnd) => SigningRandomness::Hedged(rnd),
            None => SigningRandomness::Deterministic,
        };
        let signature = signer.sign(secret_key.as_bytes(), signed, randomness)?;
        expect_eq("signature", &signature, &hex_field(&case.test, "sig")?)?;
        Ok(match signed {
            SignedMessage::ExternalMu(_) => "signature over external mu matches".into(),
            _ => "signature matches".into(),
        })
    })
}

fn wycheproof_verify(signer: &dyn Signature, case: &WycheproofCase) -> CaseResult {
    let message = hex_field(&case.test, "msg")?;
    let context = optional_hex(&case.test, "ctx")?.unwrap_or_default();
    case.expectation.judge(|| {
        signer.verify(
            &hex_field(&case.group, "publicKey")?,
            SignedMessage::Pure {
                message: &message,
                context: &context,
            },
            &hex_field(&case.test, "sig")?,
        )?;
        Ok("valid signature accepted".into())
    })
}

/// Every ML-DSA parameter set is in the FIPS 204 family; keeps the constant honest.
#[cfg(test)]
mod tests {
    use super::*;
    use sonet::crypto::SignatureFamily;

    #[test]
    fn ml_dsa_list_is_the_fips204_family() {
        let family: Vec<_> = SignatureAlgorithm::ALL
            .iter()
            .copied()
            .filter(|a| a.family() == SignatureFamily::MlDsa)
            .collect();
        assert_eq!(family, ML_DSA);
    }

    #[test]
    fn verdict_requires_rejection_of_invalid_signatures() {
        assert!(verdict(false, Ok(())).is_err());
        assert!(verdict(false, Err(sonet::crypto::PqcError::InvalidSignature)).is_ok());
        assert!(verdict(true, Err(sonet::crypto::PqcError::InvalidSignature)).is_err());
    }
}
