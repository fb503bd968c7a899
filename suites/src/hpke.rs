//! HPKE (RFC 9180): the CFRG test vectors (`test-vectors.json` of draft-irtf-cfrg-hpke, the
//! vectors RFC 9180 Appendix A prints), run through `sonet::hybrid::hpke`.
//!
//! Each vector gives three kinds of case: one "setup" (key derivation, deterministic
//! encapsulation, decapsulation and context setup), one "seal/open" per encryption and one
//! "export" per exported value.

use serde_json::Value;
use sonet::hybrid::hpke::{
    self, HpkeError, Mode, Psk, ReceiverContext, ReceiverInputs, SenderContext, SenderInputs,
    Suite as HpkeSuite,
};
use sonet_report::model::SetResult;

use crate::runner::{expect_eq, hex_field, record, CaseError, CaseResult, Job, Suite};
use crate::vectors::VectorStore;

/// The `hpke` suite: `hpke/test-vectors.json` (cfrg/draft-irtf-cfrg-hpke) through
/// `sonet::hybrid::hpke`, reported under its provider name `hpke::PROVIDER`.
pub const SUITE: Suite = Suite {
    name: "hpke",
    description: "HPKE (RFC 9180): CFRG test vectors — key derivation, encapsulation, every \
                  seal/open and every export, with sonet's run-time suite dispatch",
    jobs,
};

const FILE: &str = "hpke/test-vectors.json";

/// rust-hpke keeps the key schedule's intermediates private, so they are covered only through
/// the values that depend on them.
const NOT_EXPOSED: &str = "key_schedule_context, secret, key, base_nonce and exporter_secret \
are not exposed by rust-hpke; they are checked through every seal/open and export case";

fn jobs() -> Vec<Job> {
    vec![Job::new(SUITE.name, FILE, hpke::PROVIDER, run)]
}

fn run(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let (json, source) = store.read_json(FILE).map_err(|e| e.to_string())?;
    set.sources.push(source);
    let vectors = json
        .as_array()
        .ok_or_else(|| format!("{FILE}: expected a JSON array of vectors"))?;
    let count = |v: &Value, name: &str| v.get(name).and_then(Value::as_array).map_or(0, Vec::len);
    set.expected_cases = Some(
        vectors
            .iter()
            .map(|v| 1 + count(v, "encryptions") as u64 + count(v, "exports") as u64)
            .sum(),
    );
    for (index, vector) in vectors.iter().enumerate() {
        check_vector(index, vector, set);
    }
    Ok(())
}

/// A vector's numeric id field.
fn id_field(v: &Value, name: &str) -> Result<u16, CaseError> {
    v.get(name)
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| CaseError::Fail(format!("vector has no 16-bit integer field {name:?}")))
}

/// The vector's suite and mode, or why they cannot be run.
fn suite_and_mode(v: &Value) -> Result<(HpkeSuite, Mode), CaseError> {
    let (mode, kem, kdf, aead) = (
        id_field(v, "mode")?,
        id_field(v, "kem_id")?,
        id_field(v, "kdf_id")?,
        id_field(v, "aead_id")?,
    );
    let unsupported = |e: HpkeError| {
        CaseError::Unsupported(format!("{e}: not implemented by sonet::hybrid::hpke"))
    };
    let suite = HpkeSuite::from_ids(kem, kdf, aead).map_err(unsupported)?;
    let mode = Mode::try_from(mode).map_err(unsupported)?;
    Ok((suite, mode))
}

/// The parameter set a case is counted under (the KEM, so the report's matrix has one row per
/// KEM) and the full description carried in the case id (mode, KEM, KDF, AEAD).
fn labels(v: &Value) -> (String, String) {
    match suite_and_mode(v) {
        Ok((suite, mode)) => (suite.kem.name().to_owned(), format!("{mode}: {suite}")),
        Err(_) => {
            let ids = ["mode", "kem_id", "kdf_id", "aead_id"]
                .iter()
                .map(|name| format!("{name}={}", v.get(name).unwrap_or(&Value::Null)))
                .collect::<Vec<_>>()
                .join(" ");
            (
                format!("kem_id={}", v.get("kem_id").unwrap_or(&Value::Null)),
                ids,
            )
        }
    }
}

fn rejected(what: &str, e: HpkeError) -> CaseError {
    CaseError::Rejected(format!("{what}: {e}"))
}

/// The vector's inputs, hex-decoded once.
struct Inputs {
    suite: HpkeSuite,
    mode: Mode,
    info: Vec<u8>,
    ikm_r: Vec<u8>,
    ikm_e: Vec<u8>,
    sk_r: Vec<u8>,
    pk_r: Vec<u8>,
    enc: Vec<u8>,
    psk: Option<(Vec<u8>, Vec<u8>)>,
    /// (ikmS, skSm, pkSm) for the auth modes.
    sender: Option<(Vec<u8>, Vec<u8>, Vec<u8>)>,
}

impl Inputs {
    fn read(v: &Value) -> Result<Self, CaseError> {
        let (suite, mode) = suite_and_mode(v)?;
        let psk = if mode.uses_psk() {
            Some((hex_field(v, "psk")?, hex_field(v, "psk_id")?))
        } else {
            None
        };
        let sender = if mode.uses_auth() {
            Some((
                hex_field(v, "ikmS")?,
                hex_field(v, "skSm")?,
                hex_field(v, "pkSm")?,
            ))
        } else {
            None
        };
        Ok(Self {
            suite,
            mode,
            info: hex_field(v, "info")?,
            ikm_r: hex_field(v, "ikmR")?,
            ikm_e: hex_field(v, "ikmE")?,
            sk_r: hex_field(v, "skRm")?,
            pk_r: hex_field(v, "pkRm")?,
            enc: hex_field(v, "enc")?,
            psk,
            sender,
        })
    }

    fn psk(&self) -> Option<Psk<'_>> {
        self.psk.as_ref().map(|(key, id)| Psk { key, id })
    }

    fn sender_inputs(&self) -> SenderInputs<'_> {
        SenderInputs {
            mode: self.mode,
            psk: self.psk(),
            sender_private_key: self.sender.as_ref().map(|(_, sk, _)| sk.as_slice()),
        }
    }

    fn receiver_inputs(&self) -> ReceiverInputs<'_> {
        ReceiverInputs {
            mode: self.mode,
            psk: self.psk(),
            sender_public_key: self.sender.as_ref().map(|(_, _, pk)| pk.as_slice()),
        }
    }
}

/// DeriveKeyPair(ikm) against the vector's (skXm, pkXm). Private keys are compared after the
/// vector's value goes through DeserializePrivateKey and SerializePrivateKey: RFC 9180 §7.1.2
/// makes both clamp X25519/X448 keys, while the vectors list LabeledExpand's unclamped output.
/// Returns whether the raw vector value differed only by that clamping.
fn check_derived(
    suite: HpkeSuite,
    role: &str,
    ikm: &[u8],
    sk: &[u8],
    pk: &[u8],
) -> Result<bool, CaseError> {
    let (derived_sk, derived_pk) = hpke::derive_keypair(suite.kem, ikm);
    expect_eq(&format!("pk{role}m"), &derived_pk, pk)?;
    let (canonical_sk, pk_of_sk) =
        hpke::parse_private_key(suite.kem, sk).map_err(|e| rejected(&format!("sk{role}m"), e))?;
    expect_eq(
        &format!("sk{role}m (serialized)"),
        derived_sk.as_bytes(),
        canonical_sk.as_bytes(),
    )?;
    expect_eq(&format!("public key of sk{role}m"), &pk_of_sk, pk)?;
    Ok(derived_sk.as_bytes() != sk)
}

/// Both contexts, built from the vector's own inputs (ikmE, skRm, enc).
fn contexts(inputs: &Inputs) -> Result<(Vec<u8>, SenderContext, ReceiverContext), CaseError> {
    let (enc, sender) = hpke::setup_sender(
        inputs.suite,
        &inputs.sender_inputs(),
        &inputs.pk_r,
        &inputs.info,
        Some(&inputs.ikm_e),
    )
    .map_err(|e| setup_error("setup_sender", e))?;
    let receiver = hpke::setup_receiver(
        inputs.suite,
        &inputs.receiver_inputs(),
        &inputs.sk_r,
        &inputs.enc,
        &inputs.info,
    )
    .map_err(|e| setup_error("setup_receiver", e))?;
    Ok((enc, sender, receiver))
}

/// Inputs the API cannot express are unsupported, not failures.
fn setup_error(what: &str, e: HpkeError) -> CaseError {
    match e {
        HpkeError::RandomnessLength { .. } | HpkeError::AuthUnsupported { .. } => {
            CaseError::Unsupported(format!("{what}: {e}"))
        }
        other => rejected(what, other),
    }
}

/// Everything the setup case compares besides building the contexts.
fn check_setup(v: &Value, inputs: &Inputs, sender_enc: &[u8]) -> CaseResult {
    let suite = inputs.suite;
    let mut compared = vec!["pkRm", "skRm", "pkEm", "skEm"];
    let mut clamped = check_derived(suite, "R", &inputs.ikm_r, &inputs.sk_r, &inputs.pk_r)?;
    clamped |= check_derived(
        suite,
        "E",
        &inputs.ikm_e,
        &hex_field(v, "skEm")?,
        &hex_field(v, "pkEm")?,
    )?;
    if let Some((ikm_s, sk_s, pk_s)) = &inputs.sender {
        compared.extend(["pkSm", "skSm"]);
        clamped |= check_derived(suite, "S", ikm_s, sk_s, pk_s)?;
    }

    let shared_secret = hex_field(v, "shared_secret")?;
    let sender_sk = inputs.sender.as_ref().map(|(_, sk, _)| sk.as_slice());
    let sender_pk = inputs.sender.as_ref().map(|(_, _, pk)| pk.as_slice());
    let encapsulated = hpke::encap(suite.kem, &inputs.pk_r, sender_sk, Some(&inputs.ikm_e))
        .map_err(|e| setup_error("encap", e))?;
    expect_eq("enc (encap)", &encapsulated.enc, &inputs.enc)?;
    expect_eq(
        "shared_secret (encap)",
        encapsulated.shared_secret.as_bytes(),
        &shared_secret,
    )?;
    let decapsulated = hpke::decap(suite.kem, &inputs.enc, &inputs.sk_r, sender_pk)
        .map_err(|e| rejected("decap", e))?;
    expect_eq(
        "shared_secret (decap)",
        decapsulated.as_bytes(),
        &shared_secret,
    )?;
    expect_eq("enc (setup_sender)", sender_enc, &inputs.enc)?;

    let mut detail = format!(
        "{} from DeriveKeyPair; enc and shared_secret from {}Encap(ikmE); shared_secret from \
         {}Decap; enc from setup_sender(ikmE); setup_receiver accepted enc",
        compared.join(", "),
        if inputs.sender.is_some() { "Auth" } else { "" },
        if inputs.sender.is_some() { "Auth" } else { "" },
    );
    if clamped {
        detail.push_str(
            "; private keys compared as serialized (RFC 9180 §7.1.2 clamps X25519/X448 keys; \
             the vector lists them unclamped)",
        );
    }
    detail.push_str("; ");
    detail.push_str(NOT_EXPOSED);
    Ok(detail)
}

/// The outcome for cases that need contexts the setup could not build.
fn without_contexts(setup: &CaseError) -> CaseError {
    match setup {
        CaseError::Unsupported(reason) => CaseError::Unsupported(reason.clone()),
        CaseError::Fail(reason) | CaseError::Rejected(reason) => {
            CaseError::Fail(format!("no contexts: setup failed ({reason})"))
        }
    }
}

fn check_vector(index: usize, v: &Value, set: &mut SetResult) {
    let (params, description) = labels(v);
    let id = format!("vector {index} [{description}]");
    let built = Inputs::read(v).and_then(|inputs| {
        let contexts = contexts(&inputs)?;
        Ok((inputs, contexts))
    });
    let (setup, mut contexts) = match built {
        Ok((inputs, (enc, sender, receiver))) => {
            (check_setup(v, &inputs, &enc), Ok((sender, receiver)))
        }
        Err(e) => {
            let without = without_contexts(&e);
            (Err(e), Err(without))
        }
    };
    record(set, id.clone(), &params, "setup", setup);

    let base_nonce = hex_field(v, "base_nonce").ok();
    let encryptions = v.get("encryptions").and_then(Value::as_array);
    for (seq, encryption) in encryptions.into_iter().flatten().enumerate() {
        let result = match &mut contexts {
            Ok((sender, receiver)) => {
                seal_open(seq, encryption, base_nonce.as_deref(), sender, receiver)
            }
            Err(e) => Err(clone_error(e)),
        };
        record(
            set,
            format!("{id} encryption {seq}"),
            &params,
            "seal/open",
            result,
        );
    }

    let exports = v.get("exports").and_then(Value::as_array);
    for (index, export) in exports.into_iter().flatten().enumerate() {
        let result = match &contexts {
            Ok((sender, receiver)) => check_export(export, sender, receiver),
            Err(e) => Err(clone_error(e)),
        };
        record(
            set,
            format!("{id} export {index}"),
            &params,
            "export",
            result,
        );
    }
}

fn clone_error(e: &CaseError) -> CaseError {
    match e {
        CaseError::Fail(s) => CaseError::Fail(s.clone()),
        CaseError::Rejected(s) => CaseError::Rejected(s.clone()),
        CaseError::Unsupported(s) => CaseError::Unsupported(s.clone()),
    }
}

/// The sequence number a vector's nonce encodes (nonce = base_nonce XOR I2OSP(seq, Nn)).
fn sequence_number(nonce: &[u8], base_nonce: &[u8]) -> Option<u128> {
    if nonce.len() != base_nonce.len() || nonce.len() > 16 {
        return None;
    }
    Some(
        nonce
            .iter()
            .zip(base_nonce)
            .fold(0u128, |acc, (n, b)| (acc << 8) | u128::from(n ^ b)),
    )
}

/// Seal under the sender's next sequence number, open under the recipient's.
fn seal_open(
    seq: usize,
    encryption: &Value,
    base_nonce: Option<&[u8]>,
    sender: &mut SenderContext,
    receiver: &mut ReceiverContext,
) -> CaseResult {
    let (aad, pt, ct) = (
        hex_field(encryption, "aad")?,
        hex_field(encryption, "pt")?,
        hex_field(encryption, "ct")?,
    );
    // Contexts advance one sequence number per message and cannot skip, so the vector's
    // encryptions must be consecutive from 0; its nonce field says which number it used.
    let nonce = hex_field(encryption, "nonce")?;
    let vector_seq = base_nonce.and_then(|base| sequence_number(&nonce, base));
    if vector_seq != Some(seq as u128) {
        return Err(CaseError::Unsupported(format!(
            "the vector's nonce encodes sequence number {vector_seq:?}, but a context here seals \
             message {seq} under sequence number {seq} and cannot skip"
        )));
    }
    let sealed = sender.seal(&aad, &pt).map_err(|e| rejected("seal", e))?;
    expect_eq("ct", &sealed, &ct)?;
    let opened = receiver.open(&aad, &ct).map_err(|e| rejected("open", e))?;
    expect_eq("pt", &opened, &pt)?;
    Ok(format!(
        "sequence number {seq}: seal matches ct, open recovers pt (the nonce itself is internal \
         to rust-hpke)"
    ))
}

fn check_export(export: &Value, sender: &SenderContext, receiver: &ReceiverContext) -> CaseResult {
    let context = hex_field(export, "exporter_context")?;
    let want = hex_field(export, "exported_value")?;
    let len = export
        .get("L")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| CaseError::Fail("export has no integer field \"L\"".into()))?;
    let from_sender = sender
        .export(&context, len)
        .map_err(|e| rejected("sender export", e))?;
    expect_eq("exported_value (sender)", from_sender.as_bytes(), &want)?;
    let from_receiver = receiver
        .export(&context, len)
        .map_err(|e| rejected("receiver export", e))?;
    expect_eq("exported_value (receiver)", from_receiver.as_bytes(), &want)?;
    Ok(format!(
        "L={len}: sender and receiver exports match exported_value"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_come_from_nonce_xor_base_nonce() {
        let base = [0xff; 12];
        let mut nonce = base;
        nonce[11] ^= 5;
        nonce[10] ^= 1;
        assert_eq!(sequence_number(&nonce, &base), Some(261));
        assert_eq!(sequence_number(&nonce[1..], &base), None);
    }

    #[test]
    fn unknown_ids_are_unsupported() {
        let v: Value = serde_json::json!({"mode": 0, "kem_id": 0x13, "kdf_id": 1, "aead_id": 1});
        assert!(matches!(suite_and_mode(&v), Err(CaseError::Unsupported(_))));
        let v: Value = serde_json::json!({"mode": 0, "kem_id": 0x20, "kdf_id": 1});
        assert!(matches!(suite_and_mode(&v), Err(CaseError::Fail(_))));
    }
}
