//! Falcon round-3 KAT files (the FN-DSA predecessor): every signed message is opened and its
//! signature verified with Sonet's own round-3 verifier, and every secret key is checked to
//! belong to its public key.

use sonet::crypto::falcon::{self, FalconParams};
use sonet_report::model::SetResult;

use crate::formats::rsp::{declared_records, parse_rsp, RspRecord};
use crate::runner::{expect_eq, record, CaseError, CaseResult, Job, Suite};
use crate::vectors::VectorStore;

/// The `fndsa` suite: the Falcon round-3 KAT files `fndsa/falcon{512,1024}-KAT.rsp` (from the
/// round-3 submission, via bcgit/bc-test-data) checked under [`VERIFIER`]; key generation and
/// signing from the KAT seeds are recorded as unsupported, with the reason.
pub const SUITE: Suite = Suite {
    name: "fndsa",
    description:
        "Falcon round-3 KATs (FN-DSA-512/1024 predecessors): verification and key consistency",
    jobs,
};

/// The implementation these cases exercise: `sonet::crypto::falcon`, not a `Provider`, because
/// the round-3 format predates FN-DSA and only its public-key side is implemented.
pub const VERIFIER: &str = "sonet-falcon-r3";

const FILES: [(&str, FalconParams, &str); 2] = [
    (
        "fndsa/falcon512-KAT.rsp",
        FalconParams::Falcon512,
        "FN-DSA-512",
    ),
    (
        "fndsa/falcon1024-KAT.rsp",
        FalconParams::Falcon1024,
        "FN-DSA-1024",
    ),
];

const NO_ROUND3_KEYGEN: &str = "reproducing the KAT key pairs needs the round-3 Falcon key generator driven by the \
NIST AES-CTR DRBG; the fn-dsa crate generates keys with the NTRUGen algorithm, which yields different keys from the \
same seed, and Sonet implements only the public-key side of round-3 Falcon";
const NO_ROUND3_SIGN: &str = "reproducing the KAT signatures needs round-3 Falcon signing (nonce from the DRBG, \
hash-to-point over nonce ‖ message); fn-dsa implements the FN-DSA draft, which hashes a μ that binds the public key \
and a context, so its signatures differ by design";

fn jobs() -> Vec<Job> {
    FILES
        .into_iter()
        .map(|(path, params, name)| {
            Job::new(SUITE.name, path, VERIFIER, move |store, set| {
                kat_file(store, path, params, name, set)
            })
        })
        .collect()
}

fn kat_file(
    store: &VectorStore,
    path: &str,
    params: FalconParams,
    name: &str,
    set: &mut SetResult,
) -> Result<(), String> {
    let (text, source) = store.read_text(path).map_err(|e| e.to_string())?;
    set.sources = vec![source];
    let declared = declared_records(&text);
    // Two capability cases per file say what cannot be reproduced and why.
    set.expected_cases = Some(declared + 2);
    for kat in parse_rsp(&text) {
        let result = check_record(params, &kat);
        record(
            set,
            format!("count {}", kat.count),
            name,
            "verify+keypair",
            result,
        );
    }
    record(
        set,
        "keygen from KAT seeds".into(),
        name,
        "keygen",
        Err(CaseError::Unsupported(NO_ROUND3_KEYGEN.into())),
    );
    record(
        set,
        "signing from KAT seeds".into(),
        name,
        "sign",
        Err(CaseError::Unsupported(NO_ROUND3_SIGN.into())),
    );
    Ok(())
}

fn check_record(params: FalconParams, record: &RspRecord) -> CaseResult {
    let pk = record.hex("pk")?;
    let sk = record.hex("sk")?;
    let msg = record.hex("msg")?;
    let sm = record.hex("sm")?;
    let opened = falcon::parse_signed_message(params, &sm)?;
    expect_eq("message inside sm", opened.message, &msg)?;
    falcon::verify(params, &pk, opened.message, opened.nonce, opened.signature)?;
    let derived = falcon::public_key_from_secret_key(params, &sk)?;
    expect_eq("public key derived from sk", &derived, &pk)?;
    Ok("signature verifies; sk matches pk".into())
}
