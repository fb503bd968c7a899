//! Sonet's hybrid envelope (`docs/envelope.md`): deterministic vectors generated from fixed seeds
//! (`vectors/sonet/hybrid-envelope.json`, committed) so another implementation can prove it reads
//! and writes the same bytes, and the suite that checks them — valid envelopes must be
//! reproduced byte for byte and open; invalid ones must be refused with the recorded error.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;
use sonet::crypto::{self, Signature};
use sonet::hybrid::envelope::{self, Envelope, EnvelopeSuite, Sender, SIGNATURE_ALGORITHM};
use sonet_report::model::SetResult;

use crate::runner::{expect_eq, hex_text, record, CaseError, CaseResult, Job, Suite};
use crate::vectors::read_own;

/// The `hybrid` suite: Sonet's own envelope vectors ([`FILE`] in `vectors/sonet/`, committed; no
/// upstream vectors exist) through `sonet::hybrid::envelope`, reported under provider `sonet`.
pub const SUITE: Suite = Suite {
    name: "hybrid",
    description: "Sonet hybrid envelope v1: committed deterministic vectors, valid and invalid",
    jobs,
};

/// The envelope vector file in `vectors/sonet/`; its set in the results is `sonet/` + this name.
pub const FILE: &str = "hybrid-envelope.json";
/// The envelope has one implementation, `sonet::hybrid::envelope`.
const IMPLEMENTATION: &str = "sonet";

/// The envelope vector file as written to [`FILE`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeVectors {
    /// What the file holds and how it was generated.
    pub description: String,
    /// The specification of the envelope format (`docs/envelope.md`).
    pub format: String,
    /// How many vectors the file holds (`numberOfTests`): the set's declared case count.
    #[serde(rename = "numberOfTests")]
    pub number_of_tests: usize,
    /// Per envelope suite three unsigned valid envelopes and one signed, then the invalid ones
    /// (mutations of the suite-0001 `short` envelopes).
    pub vectors: Vec<EnvelopeVector>,
}

/// One vector; byte strings are hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeVector {
    /// `suite-0001/unsigned/short`, `invalid/tag-bit`, …: the case id in the results.
    pub name: String,
    /// The envelope suite's code point (`EnvelopeSuite::id`).
    pub suite: u16,
    /// HPKE DeriveKeyPair input for the recipient's key.
    pub recipient_ikm: String,
    /// The public key derived from `recipient_ikm`; the check derives it again and compares.
    pub recipient_public_key: String,
    /// The KEM's encapsulation randomness (X-Wing 64 bytes, ML-KEM 32).
    pub encapsulation_randomness: String,
    /// The plaintext sealed, which opening a valid envelope must return.
    pub plaintext: String,
    /// The associated data given to seal and to open.
    pub aad: String,
    /// ML-DSA-65 key-generation seed ξ of the sender, for signed envelopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_seed: Option<String>,
    /// The sender's ML-DSA-65 public key from `sender_seed`, which open verifies the signature
    /// with; absent for unsigned envelopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_public_key: Option<String>,
    /// ML-DSA-65 hedged-signing rnd, for signed envelopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_rnd: Option<String>,
    /// The envelope's wire bytes; for a valid vector, sealing the inputs above must reproduce them.
    pub envelope: String,
    /// "valid", or "invalid" with the error `open` must return.
    pub result: String,
    /// For an invalid vector, the error kind open must return (`AuthenticationFailed`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For an invalid vector, what was changed (empty for valid ones).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
}

/// A fixed byte stream per vector name.
fn stream(name: &str, purpose: &str, len: usize) -> Vec<u8> {
    let mut xof = Shake256::default();
    xof.update(b"sonet envelope vectors v1\0");
    xof.update(name.as_bytes());
    xof.update(b"\0");
    xof.update(purpose.as_bytes());
    let mut out = vec![0u8; len];
    xof.finalize_xof().read(&mut out);
    out
}

fn signer() -> Result<&'static dyn Signature, String> {
    crypto::providers()
        .into_iter()
        .find_map(|p| p.signature(SIGNATURE_ALGORITHM))
        .ok_or_else(|| format!("no provider implements {SIGNATURE_ALGORITHM}"))
}

struct Inputs {
    name: String,
    suite: EnvelopeSuite,
    plaintext: Vec<u8>,
    aad: Vec<u8>,
    signed: bool,
}

fn valid_vector(inputs: &Inputs) -> Result<EnvelopeVector, String> {
    let name = &inputs.name;
    let ikm = stream(name, "recipient ikm", 32);
    let (_, public_key) = envelope::derive_recipient_key(inputs.suite, &ikm);
    let randomness = stream(
        name,
        "encapsulation randomness",
        inputs.suite.kem().encap_randomness_len(),
    );
    let (sender_seed, sender_pair, rnd) = if inputs.signed {
        let seed = stream(name, "sender seed", 32);
        let pair = signer()?
            .generate_from_seed(&seed)
            .map_err(|e| e.to_string())?;
        (
            Some(seed),
            Some(pair),
            Some(stream(name, "signature rnd", 32)),
        )
    } else {
        (None, None, None)
    };
    let sender = match (&sender_pair, &rnd) {
        (Some(pair), Some(rnd)) => Some(Sender {
            secret_key: pair.secret_key.as_bytes(),
            rnd: Some(rnd),
        }),
        _ => None,
    };
    let sealed = envelope::seal_with_randomness(
        inputs.suite,
        &public_key,
        &inputs.plaintext,
        &inputs.aad,
        sender,
        Some(&randomness),
    )
    .map_err(|e| e.to_string())?;
    Ok(EnvelopeVector {
        name: name.clone(),
        suite: inputs.suite.id(),
        recipient_ikm: hex::encode(ikm),
        recipient_public_key: hex::encode(&public_key),
        encapsulation_randomness: hex::encode(randomness),
        plaintext: hex::encode(&inputs.plaintext),
        aad: hex::encode(&inputs.aad),
        sender_seed: sender_seed.map(hex::encode),
        sender_public_key: sender_pair.map(|p| hex::encode(p.public_key)),
        signature_rnd: rnd.map(hex::encode),
        envelope: hex::encode(sealed.to_bytes().map_err(|e| e.to_string())?),
        result: "valid".into(),
        error: None,
        comment: String::new(),
    })
}

/// A copy of `base` whose envelope bytes are changed by `mutate`, expected to fail with `error`.
fn invalid_vector(
    base: &EnvelopeVector,
    name: &str,
    comment: &str,
    error: &str,
    mutate: impl FnOnce(&mut Vec<u8>),
) -> Result<EnvelopeVector, String> {
    let mut bytes = hex::decode(&base.envelope).map_err(|e| e.to_string())?;
    mutate(&mut bytes);
    Ok(EnvelopeVector {
        name: name.into(),
        envelope: hex::encode(bytes),
        result: "invalid".into(),
        error: Some(error.into()),
        comment: comment.into(),
        ..base.clone()
    })
}

/// Every vector, in file order.
pub fn generate() -> Result<EnvelopeVectors, String> {
    let mut vectors = Vec::new();
    let payloads: [(&str, Vec<u8>, Vec<u8>); 3] = [
        ("empty", Vec::new(), Vec::new()),
        (
            "short",
            b"Sonet hybrid envelope".to_vec(),
            b"group 42, epoch 7".to_vec(),
        ),
        ("256-bytes", stream("payload", "256", 256), Vec::new()),
    ];
    for suite in EnvelopeSuite::ALL {
        let slug = format!("suite-{:04x}", suite.id());
        for (label, plaintext, aad) in &payloads {
            vectors.push(valid_vector(&Inputs {
                name: format!("{slug}/unsigned/{label}"),
                suite,
                plaintext: plaintext.clone(),
                aad: aad.clone(),
                signed: false,
            })?);
        }
        vectors.push(valid_vector(&Inputs {
            name: format!("{slug}/signed/short"),
            suite,
            plaintext: b"signed by the sender".to_vec(),
            aad: b"ad".to_vec(),
            signed: true,
        })?);
    }
    let base = vectors
        .iter()
        .find(|v| v.name == "suite-0001/unsigned/short")
        .cloned()
        .ok_or("base vector missing")?;
    let signed = vectors
        .iter()
        .find(|v| v.name == "suite-0001/signed/short")
        .cloned()
        .ok_or("signed base vector missing")?;
    let enc_end = envelope::HEADER_LEN + EnvelopeSuite::XWingAes256Gcm.enc_len();
    let flip = |index: usize| move |b: &mut Vec<u8>| b[index] ^= 0x01;
    let invalid = [
        invalid_vector(
            &base,
            "invalid/version",
            "version 0",
            "UnknownVersion",
            |b| b[0] = 0,
        )?,
        invalid_vector(
            &base,
            "invalid/suite-unknown",
            "suite 0x00ff",
            "UnknownSuite",
            |b| b[2] = 0xff,
        )?,
        invalid_vector(
            &base,
            "invalid/suite-swapped",
            "suite 0x0002 (same KEM, other AEAD): the header is authenticated",
            "AuthenticationFailed",
            |b| b[2] = 0x02,
        )?,
        invalid_vector(
            &base,
            "invalid/flags",
            "reserved flag bit set",
            "UnknownFlags",
            |b| b[3] = 0x02,
        )?,
        invalid_vector(
            &base,
            "invalid/length",
            "declared ciphertext length one byte longer",
            "Truncated",
            |b| b[7] = b[7].wrapping_add(1),
        )?,
        invalid_vector(
            &base,
            "invalid/enc-bit",
            "one bit of enc flipped",
            "AuthenticationFailed",
            flip(envelope::HEADER_LEN + 5),
        )?,
        invalid_vector(
            &base,
            "invalid/ciphertext-bit",
            "one ciphertext bit flipped",
            "AuthenticationFailed",
            flip(enc_end + 1),
        )?,
        invalid_vector(
            &base,
            "invalid/tag-bit",
            "last tag bit flipped",
            "AuthenticationFailed",
            |b| {
                if let Some(last) = b.last_mut() {
                    *last ^= 0x80;
                }
            },
        )?,
        invalid_vector(
            &base,
            "invalid/truncated",
            "last byte missing",
            "Truncated",
            |b| {
                b.pop();
            },
        )?,
        invalid_vector(
            &base,
            "invalid/trailing",
            "one byte appended",
            "TrailingBytes",
            |b| b.push(0),
        )?,
        invalid_vector(
            &signed,
            "invalid/signature-bit",
            "one signature bit flipped",
            "SignatureInvalid",
            |b| {
                if let Some(last) = b.last_mut() {
                    *last ^= 0x01;
                }
            },
        )?,
        invalid_vector(
            &signed,
            "invalid/signature-flag-cleared",
            "signed envelope with its flag cleared",
            "TrailingBytes",
            |b| b[3] = 0,
        )?,
    ];
    vectors.extend(invalid);
    Ok(EnvelopeVectors {
        description:
            "Sonet hybrid envelope v1 vectors, generated by `cargo xtask vectors generate` \
                      from fixed SHAKE-256 seed streams"
                .into(),
        format: "docs/envelope.md".into(),
        number_of_tests: vectors.len(),
        vectors,
    })
}

/// Writes the vector file into `dir`.
pub fn write(dir: &Path) -> Result<PathBuf, String> {
    let vectors = generate()?;
    let mut text = serde_json::to_string_pretty(&vectors).map_err(|e| e.to_string())?;
    text.push('\n');
    let path = dir.join(FILE);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn jobs() -> Vec<Job> {
    vec![Job::new(
        SUITE.name,
        format!("sonet/{FILE}"),
        IMPLEMENTATION,
        |_, set| run(set),
    )]
}

fn run(set: &mut SetResult) -> Result<(), String> {
    let (bytes, source) = read_own(FILE)?;
    set.sources = vec![source];
    let file: EnvelopeVectors =
        serde_json::from_slice(&bytes).map_err(|e| format!("{FILE}: {e}"))?;
    set.expected_cases = Some(file.number_of_tests as u64);
    for vector in &file.vectors {
        let suite = EnvelopeSuite::from_id(vector.suite)
            .map(|s| s.name().to_owned())
            .unwrap_or_else(|_| format!("suite {:#06x}", vector.suite));
        let kind = if vector.result == "valid" {
            "seal+open"
        } else {
            "open"
        };
        record(set, vector.name.clone(), &suite, kind, check(vector));
    }
    Ok(())
}

fn decode_opt(name: &str, text: &Option<String>) -> Result<Option<Vec<u8>>, CaseError> {
    text.as_deref().map(|t| hex_text(name, t)).transpose()
}

fn check(vector: &EnvelopeVector) -> CaseResult {
    let suite = EnvelopeSuite::from_id(vector.suite)
        .map_err(|e| CaseError::Fail(format!("vector names {e}")))?;
    let (secret_key, public_key) =
        envelope::derive_recipient_key(suite, &hex_text("recipient_ikm", &vector.recipient_ikm)?);
    expect_eq(
        "recipient public key",
        &public_key,
        &hex_text("recipient_public_key", &vector.recipient_public_key)?,
    )?;
    let sender_public_key = decode_opt("sender_public_key", &vector.sender_public_key)?;
    let wire = hex_text("envelope", &vector.envelope)?;
    let aad = hex_text("aad", &vector.aad)?;
    let opened = envelope::open_bytes(
        secret_key.as_bytes(),
        &wire,
        &aad,
        sender_public_key.as_deref(),
    );
    if vector.result != "valid" {
        let want = vector.error.as_deref().unwrap_or("(unspecified)");
        return match opened {
            Ok(_) => Err(CaseError::Fail(format!(
                "invalid envelope was opened; want {want}"
            ))),
            Err(e) if e.kind() == want => Ok(format!("rejected: {e}")),
            Err(e) => Err(CaseError::Fail(format!(
                "rejected with {} ({e}), want {want}",
                e.kind()
            ))),
        };
    }
    let plaintext = hex_text("plaintext", &vector.plaintext)?;
    let sender_pair = match decode_opt("sender_seed", &vector.sender_seed)? {
        Some(seed) => {
            let pair = signer()
                .map_err(CaseError::Fail)?
                .generate_from_seed(&seed)?;
            if let Some(want) = &sender_public_key {
                expect_eq("sender public key", &pair.public_key, want)?;
            }
            Some(pair)
        }
        None => None,
    };
    let rnd = decode_opt("signature_rnd", &vector.signature_rnd)?;
    let sender = match (&sender_pair, &rnd) {
        (Some(pair), Some(rnd)) => Some(Sender {
            secret_key: pair.secret_key.as_bytes(),
            rnd: Some(rnd),
        }),
        (None, None) => None,
        _ => {
            return Err(CaseError::Fail(
                "sender seed and signature rnd must come together".into(),
            ))
        }
    };
    let resealed = envelope::seal_with_randomness(
        suite,
        &public_key,
        &plaintext,
        &aad,
        sender,
        Some(&hex_text(
            "encapsulation_randomness",
            &vector.encapsulation_randomness,
        )?),
    )
    .map_err(|e| CaseError::Rejected(e.to_string()))?;
    let resealed = resealed
        .to_bytes()
        .map_err(|e| CaseError::Rejected(e.to_string()))?;
    expect_eq("envelope", &resealed, &wire)?;
    let opened = opened.map_err(|e| CaseError::Rejected(e.to_string()))?;
    expect_eq("plaintext", &opened, &plaintext)?;
    // The parsed form must serialise back to the same bytes.
    let parsed = Envelope::parse(&wire).map_err(|e| CaseError::Rejected(e.to_string()))?;
    expect_eq(
        "re-serialised envelope",
        &parsed
            .to_bytes()
            .map_err(|e| CaseError::Rejected(e.to_string()))?,
        &wire,
    )?;
    Ok("envelope reproduced byte for byte and opened".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vectors::own_vector_dir;

    #[test]
    fn committed_vectors_equal_a_fresh_generation() {
        let committed: EnvelopeVectors =
            serde_json::from_slice(&std::fs::read(own_vector_dir().join(FILE)).unwrap()).unwrap();
        assert_eq!(generate().unwrap(), committed);
    }

    #[test]
    fn generated_vectors_all_check() {
        let vectors = generate().unwrap();
        assert_eq!(vectors.number_of_tests, vectors.vectors.len());
        for vector in &vectors.vectors {
            assert!(
                check(vector).is_ok(),
                "{}: {:?}",
                vector.name,
                check(vector)
            );
        }
    }
}
