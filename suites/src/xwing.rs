//! X-Wing (draft-connolly-cfrg-xwing-kem): the draft's test vectors — key generation from the
//! seed, encapsulation with the given randomness, decapsulation.

use serde_json::Value;
use sonet::hybrid::xwing;
use sonet_report::model::SetResult;

use crate::runner::{expect_eq, hex_field, record, CaseError, CaseResult, Job, Suite};
use crate::vectors::VectorStore;

/// The `xwing` suite: `xwing/test-vectors.json` of dconnolly/draft-connolly-cfrg-xwing-kem through
/// `sonet::hybrid::xwing`, reported under provider `rustcrypto`.
pub const SUITE: Suite = Suite {
    name: "xwing",
    description: "X-Wing hybrid KEM (X25519 + ML-KEM-768): draft test vectors",
    jobs,
};

const FILE: &str = "xwing/test-vectors.json";

/// X-Wing is not part of a `Provider`: Sonet has one implementation, RustCrypto's `x-wing`.
const IMPLEMENTATION: &str = "rustcrypto";

fn jobs() -> Vec<Job> {
    vec![Job::new(SUITE.name, FILE, IMPLEMENTATION, run)]
}

fn run(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let (doc, source) = store.read_json(FILE).map_err(|e| e.to_string())?;
    set.sources = vec![source];
    let vectors = doc
        .as_array()
        .ok_or("X-Wing vectors are not a JSON array")?;
    set.expected_cases = Some(vectors.len() as u64);
    for (index, vector) in vectors.iter().enumerate() {
        record(
            set,
            format!("vector {index}"),
            "X-Wing",
            "keygen+encaps+decaps",
            check(vector),
        );
    }
    Ok(())
}

fn xwing_error(e: xwing::XWingError) -> CaseError {
    CaseError::Rejected(e.to_string())
}

fn check(vector: &Value) -> CaseResult {
    let pair = xwing::generate_from_seed(&hex_field(vector, "seed")?).map_err(xwing_error)?;
    expect_eq("sk", pair.secret_key.as_bytes(), &hex_field(vector, "sk")?)?;
    expect_eq("pk", &pair.public_key, &hex_field(vector, "pk")?)?;
    let (ct, ss) = xwing::encapsulate_deterministic(&pair.public_key, &hex_field(vector, "eseed")?)
        .map_err(xwing_error)?;
    expect_eq("ct", &ct, &hex_field(vector, "ct")?)?;
    expect_eq("ss", ss.as_bytes(), &hex_field(vector, "ss")?)?;
    let decapsulated = xwing::decapsulate(pair.secret_key.as_bytes(), &ct).map_err(xwing_error)?;
    expect_eq(
        "decapsulated ss",
        decapsulated.as_bytes(),
        &hex_field(vector, "ss")?,
    )?;
    Ok("sk, pk, ct, ss and decapsulated ss match".into())
}
