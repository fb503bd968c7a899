//! The evidence behind the design document's claims that only the `sonet` library can measure:
//! sizes of what each provider produces, envelope round trips, nonces, MLS group lifecycles and
//! what the registries implement. The suites measure it (`sonet_suites::claims::measure`) and
//! carry it in their JSON next to the sets; [`crate::claims`] judges the claims from it.
//!
//! Plain data: a measurement that failed keeps its error text, which the claim quotes.

use serde::{Deserialize, Serialize};

/// Everything the suites measured from the library for the claims.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimEvidence {
    /// The sizes the size claims ask for ([`crate::claims::size_requests`]).
    pub sizes: Vec<SizeMeasurement>,
    /// Every KEM and signature parameter set of the registry, in registry order.
    pub algorithms: Vec<AlgorithmSupport>,
    /// One envelope sealed and opened again per envelope suite, in registry order.
    pub envelopes: Vec<EnvelopeRoundTrip>,
    /// Envelopes sealed to one key, their nonces and encapsulations recomputed.
    pub nonces: Result<NonceSample, String>,
    /// The MLS engine's cipher suites and lifecycles, for section 1's claims.
    pub mls: MlsEvidence,
}

/// What a size claim measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quantity {
    /// A KEM encapsulation (public) key.
    KemPublicKey,
    /// A KEM ciphertext.
    KemCiphertext,
    /// A signature public (verification) key.
    SignaturePublicKey,
    /// A signature.
    Signature,
}

/// One encoded size of one parameter set, under every provider that implements it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeMeasurement {
    /// The registry name ("ML-KEM-768", "FN-DSA-512").
    pub algorithm: String,
    /// Which of its encodings was measured.
    pub quantity: Quantity,
    /// In registry order; empty when no compiled-in provider implements the algorithm.
    pub providers: Vec<ProviderSize>,
}

/// The size one provider's key, ciphertext or signature had, or why it could not be made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSize {
    /// The provider's registry name (`rustcrypto`, `aws-lc`).
    pub provider: String,
    /// The length of what the provider produced from a freshly generated key pair, or the
    /// error that stopped it (the claim is then not verified).
    pub bytes: Result<u64, String>,
}

/// The algorithm families the claims count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// FIPS 203.
    MlKem,
    /// FIPS 204.
    MlDsa,
    /// FIPS 205.
    SlhDsa,
    /// FN-DSA (draft FIPS 206).
    FnDsa,
}

/// A parameter set of the registry and the compiled-in providers that implement it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlgorithmSupport {
    /// The registry name (`ML-KEM-768`, `SLH-DSA-SHA2-128s`).
    pub name: String,
    /// The family the claims count it under.
    pub family: Family,
    /// The compiled-in providers that implement it, in registry order; empty when none does.
    pub providers: Vec<String>,
}

impl AlgorithmSupport {
    /// Whether some compiled-in provider implements it: only then does it count for a claim.
    pub fn implemented(&self) -> bool {
        !self.providers.is_empty()
    }
}

/// One envelope sealed and opened again with keys recomputed independently from the KEM
/// shared secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeRoundTrip {
    /// The envelope suite ("X-Wing + HKDF-SHA256 + AES-256-GCM").
    pub suite: String,
    /// Its KEM ("X-Wing").
    pub kem: String,
    /// What the round trip established, or the error that stopped it (the hybrid claims it
    /// bears on are then not verified).
    pub opened: Result<EnvelopeOpened, String>,
}

/// What a round trip established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeOpened {
    /// The length of the KEM encapsulation `enc`.
    pub encapsulation_bytes: u64,
    /// The AEAD that decrypted the ciphertext ("AES-256-GCM").
    pub aead: String,
}

/// How many distinct nonces and encapsulations a number of envelopes to one key had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceSample {
    /// How many envelopes were sealed to the one recipient key.
    pub envelopes: u64,
    /// How many different AEAD nonces the recomputed key schedules gave: the nonce claim
    /// wants one per envelope.
    pub distinct_nonces: u64,
    /// How many different KEM encapsulations (`enc`) the envelopes carried.
    pub distinct_encapsulations: u64,
}

/// What the MLS engine (`sonet::mls`) supports and did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlsEvidence {
    /// The RFC 9420 cipher suites, in code-point order, each with whether the engine runs it.
    pub cipher_suites: Vec<MlsCipherSuite>,
    /// A three-member group lifecycle per supported suite.
    pub lifecycles: Vec<MlsLifecycle>,
}

impl MlsEvidence {
    /// The suites the engine runs, in code-point order.
    pub fn supported(&self) -> impl Iterator<Item = &MlsCipherSuite> {
        self.cipher_suites.iter().filter(|s| s.supported)
    }
}

/// One RFC 9420 cipher suite and whether the MLS engine runs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlsCipherSuite {
    /// The registry name (`MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`).
    pub name: String,
    /// The code point.
    pub id: u16,
    /// Whether the engine's crypto provider runs the suite; the rfc9420 suite counts the
    /// cases of a suite it does not run as unsupported.
    pub supported: bool,
}

/// Create, add two members by Welcome, an application message, a self-update and a remove
/// through `sonet::mls` for one suite, all members compared at every epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlsLifecycle {
    /// The cipher suite's registry name.
    pub suite: String,
    /// Its code point.
    pub id: u16,
    /// What the lifecycle established, or the error that ended it, which refutes the
    /// group-management and key-rotation claims.
    pub outcome: Result<Lifecycle, String>,
}

/// What a lifecycle established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The epochs at which every member agreed on the epoch authenticator and an exported
    /// secret.
    pub epochs: Vec<u64>,
    /// The exported secrets (one per epoch) all differ from each other.
    pub secrets_rotate: bool,
}

#[cfg(test)]
mod tests {
    use crate::fixtures::library_evidence;
    use crate::model::{ClaimEvidence, SuiteRun};

    #[test]
    fn evidence_round_trips_through_the_suites_json() -> Result<(), serde_json::Error> {
        let run = SuiteRun {
            evidence: Some(library_evidence()),
            ..SuiteRun::default()
        };
        let json = serde_json::to_string(&run)?;
        assert!(json.contains(r#""quantity":"kem-public-key""#), "{json}");
        assert!(json.contains(r#""bytes":{"Ok":800}"#), "{json}");
        assert!(json.contains(r#""family":"slh-dsa""#), "{json}");
        let back: SuiteRun = serde_json::from_str(&json)?;
        assert_eq!(back, run);
        let evidence: ClaimEvidence =
            serde_json::from_value(serde_json::to_value(library_evidence())?)?;
        assert_eq!(evidence, library_evidence());
        Ok(())
    }

    #[test]
    fn results_without_evidence_are_read_and_written_as_before() -> Result<(), serde_json::Error> {
        let run: SuiteRun = serde_json::from_str(r#"{"suites":["fips203"],"sets":[]}"#)?;
        assert_eq!(run.evidence, None);
        assert!(!serde_json::to_string(&run)?.contains("evidence"));
        Ok(())
    }
}
