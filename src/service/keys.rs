//! `sonet.v1.Keys`: the service's own PQC and hybrid keys, and stateless operations on keys the
//! caller supplies. Operations with a service private key are for administrators only; key
//! material never appears in logs or the audit trail (only key ids, algorithms and versions).

use tonic::{Request, Response, Status};

use super::proto::key_ref::Key as KeyChoice;
use super::proto::keys_server::Keys;
use super::proto::{
    DecapsulateRequest, DecapsulateResponse, EncapsulateRequest, EncapsulateResponse,
    GenerateKeyRequest, KeyInfo, KeyRef, ListKeysRequest, ListKeysResponse, OpenRequest,
    OpenResponse, RotateKeyRequest, SealRequest, SealResponse, ServiceKey, SignRequest,
    SignResponse, VerifyRequest, VerifyResponse,
};
use super::state::{invalid, now_ms, SharedState};
use super::store::ServiceKeyRecord;
use crate::crypto::{KemAlgorithm, PqcError, SignatureAlgorithm, SignedMessage};
use crate::hybrid::envelope::{self, EnvelopeSuite};
use crate::secret::SecretBytes;

/// A key algorithm the service can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// An ML-KEM key (FIPS 203).
    Kem(KemAlgorithm),
    /// A signature key (ML-DSA, SLH-DSA or FN-DSA).
    Signature(SignatureAlgorithm),
    /// A recipient key of Sonet's hybrid envelope.
    Envelope(EnvelopeSuite),
}

impl KeyAlgorithm {
    /// The algorithm with this exact name (e.g. `ML-KEM-768`, `ML-DSA-65`,
    /// `X-Wing + HKDF-SHA256 + AES-256-GCM`); `INVALID_ARGUMENT` naming the allowed ones otherwise.
    pub fn parse(name: &str) -> Result<Self, Status> {
        if let Some(kem) = KemAlgorithm::ALL.into_iter().find(|a| a.name() == name) {
            return Ok(Self::Kem(kem));
        }
        if let Some(sig) = SignatureAlgorithm::ALL.iter().find(|a| a.name() == name) {
            return Ok(Self::Signature(*sig));
        }
        if let Some(suite) = EnvelopeSuite::ALL.into_iter().find(|s| s.name() == name) {
            return Ok(Self::Envelope(suite));
        }
        Err(invalid(format!(
            "unknown algorithm {name:?}; allowed: {}",
            Self::names().join(", ")
        )))
    }

    /// Every name [`KeyAlgorithm::parse`] accepts: KEMs, then signatures, then envelope suites.
    pub fn names() -> Vec<&'static str> {
        KemAlgorithm::ALL
            .into_iter()
            .map(KemAlgorithm::name)
            .chain(SignatureAlgorithm::ALL.iter().map(|a| a.name()))
            .chain(EnvelopeSuite::ALL.into_iter().map(EnvelopeSuite::name))
            .collect()
    }

    /// The algorithm's name, as [`KeyAlgorithm::parse`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Kem(a) => a.name(),
            Self::Signature(a) => a.name(),
            Self::Envelope(s) => s.name(),
        }
    }

    /// A fresh key pair: `(public key, secret key)`.
    fn generate(self) -> Result<(Vec<u8>, SecretBytes), Status> {
        match self {
            Self::Kem(a) => {
                let pair = kem(a)?.generate().map_err(pqc_status)?;
                Ok((pair.encapsulation_key, pair.decapsulation_key))
            }
            Self::Signature(a) => {
                let pair = signature(a)?.generate().map_err(pqc_status)?;
                Ok((pair.public_key, pair.secret_key))
            }
            Self::Envelope(s) => {
                let (secret, public) = envelope::generate_recipient_key(s)
                    .map_err(|e| Status::internal(e.to_string()))?;
                Ok((public, secret))
            }
        }
    }
}

fn kem(algorithm: KemAlgorithm) -> Result<&'static dyn crate::crypto::Kem, Status> {
    crate::crypto::default_kem(algorithm).ok_or_else(|| {
        Status::unimplemented(format!("no provider implements {}", algorithm.name()))
    })
}

fn signature(
    algorithm: SignatureAlgorithm,
) -> Result<&'static dyn crate::crypto::Signature, Status> {
    crate::crypto::default_signature(algorithm).ok_or_else(|| {
        Status::unimplemented(format!("no provider implements {}", algorithm.name()))
    })
}

fn pqc_status(error: PqcError) -> Status {
    match error {
        PqcError::InvalidSignature => Status::invalid_argument("invalid signature"),
        other => invalid(other.to_string()),
    }
}

fn key_info(record: ServiceKeyRecord) -> KeyInfo {
    KeyInfo {
        key_id: record.key_id,
        algorithm: record.algorithm,
        label: record.label,
        version: record.version,
        public_key: record.public_key,
        created_at_ms: record.created_at_ms,
        current: record.current,
    }
}

const MAX_INPUT_LEN: usize = 16 << 20;

fn limit(field: &str, bytes: &[u8]) -> Result<(), Status> {
    if bytes.len() > MAX_INPUT_LEN {
        return Err(invalid(format!("{field} exceeds {MAX_INPUT_LEN} bytes")));
    }
    Ok(())
}

pub struct KeysService {
    pub(crate) state: SharedState,
}

/// Runs CPU-heavy cryptography (SLH-DSA signing takes seconds) off the async runtime.
async fn compute<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Status> + Send + 'static,
) -> Result<T, Status> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Status::internal(format!("operation failed: {e}")))?
}

impl KeysService {
    async fn service_key(
        &self,
        key: Option<ServiceKey>,
    ) -> Result<(ServiceKeyRecord, SecretBytes), Status> {
        let key = key.ok_or_else(|| invalid("key is required"))?;
        self.state
            .db(move |store| store.service_key(&key.key_id, key.version))
            .await
    }

    /// The public key and algorithm a [`KeyRef`] names.
    async fn public_key(&self, key: Option<KeyRef>) -> Result<(KeyAlgorithm, Vec<u8>), Status> {
        match key.and_then(|k| k.key) {
            Some(KeyChoice::Service(service)) => {
                // Public operations never load the secret key.
                let record = self
                    .state
                    .db(move |store| store.service_public_key(&service.key_id, service.version))
                    .await?;
                Ok((KeyAlgorithm::parse(&record.algorithm)?, record.public_key))
            }
            Some(KeyChoice::Public(public)) => {
                Ok((KeyAlgorithm::parse(&public.algorithm)?, public.public_key))
            }
            None => Err(invalid("key is required")),
        }
    }

    async fn store_new_version(
        &self,
        key_id: String,
        version: u32,
        algorithm: KeyAlgorithm,
        label: String,
    ) -> Result<KeyInfo, Status> {
        let (public_key, secret_key) = compute(move || algorithm.generate()).await?;
        let record = ServiceKeyRecord {
            key_id,
            version,
            algorithm: algorithm.name().to_string(),
            label,
            public_key,
            created_at_ms: now_ms(),
            current: true,
        };
        let stored = record.clone();
        self.state
            .db(move |store| store.add_service_key(&stored, secret_key.as_bytes()))
            .await?;
        Ok(key_info(record))
    }
}

#[tonic::async_trait]
impl Keys for KeysService {
    async fn generate_key(
        &self,
        request: Request<GenerateKeyRequest>,
    ) -> Result<Response<KeyInfo>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            self.state.require_admin(&caller)?;
            let GenerateKeyRequest { algorithm, label } = request.into_inner();
            let algorithm = KeyAlgorithm::parse(&algorithm)?;
            if label.len() > 256 {
                return Err(invalid("label is limited to 256 bytes"));
            }
            let mut id = [0u8; 8];
            getrandom::fill(&mut id).map_err(|e| Status::internal(e.to_string()))?;
            let info = self
                .store_new_version(format!("k-{}", hex::encode(id)), 1, algorithm, label)
                .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "generate")]);
            self.state.audit(
                "key.generate",
                &caller,
                &format!("{} {} v1", info.key_id, info.algorithm),
            );
            Ok(Response::new(info))
        }
        .await;
        self.state.observe("Keys/GenerateKey", result)
    }

    async fn rotate_key(
        &self,
        request: Request<RotateKeyRequest>,
    ) -> Result<Response<KeyInfo>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            self.state.require_admin(&caller)?;
            let key_id = request.into_inner().key_id;
            let (current, _) = self
                .service_key(Some(ServiceKey {
                    key_id: key_id.clone(),
                    version: 0,
                }))
                .await?;
            let algorithm = KeyAlgorithm::parse(&current.algorithm)?;
            let info = self
                .store_new_version(key_id, current.version + 1, algorithm, current.label)
                .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "rotate")]);
            self.state.audit(
                "key.rotate",
                &caller,
                &format!(
                    "{} {} v{} → v{}",
                    info.key_id, info.algorithm, current.version, info.version
                ),
            );
            Ok(Response::new(info))
        }
        .await;
        self.state.observe("Keys/RotateKey", result)
    }

    async fn list_keys(
        &self,
        request: Request<ListKeysRequest>,
    ) -> Result<Response<ListKeysResponse>, Status> {
        let result = async {
            self.state.authenticate(&request).await?;
            let algorithm = request.into_inner().algorithm;
            if !algorithm.is_empty() {
                KeyAlgorithm::parse(&algorithm)?;
            }
            let filter = (!algorithm.is_empty()).then_some(algorithm);
            let keys = self
                .state
                .db(move |store| store.service_keys(filter.as_deref()))
                .await?
                .into_iter()
                .map(key_info)
                .collect();
            Ok(Response::new(ListKeysResponse { keys }))
        }
        .await;
        self.state.observe("Keys/ListKeys", result)
    }

    async fn sign(&self, request: Request<SignRequest>) -> Result<Response<SignResponse>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            self.state.require_admin(&caller)?;
            let SignRequest {
                key,
                message,
                context,
            } = request.into_inner();
            limit("message", &message)?;
            let (record, secret) = self.service_key(key).await?;
            let KeyAlgorithm::Signature(algorithm) = KeyAlgorithm::parse(&record.algorithm)? else {
                return Err(invalid(format!("{} is not a signature key", record.key_id)));
            };
            let signed = compute(move || {
                signature(algorithm)?
                    .sign_random(secret.as_bytes(), &message, &context)
                    .map_err(pqc_status)
            })
            .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "sign")]);
            self.state.audit(
                "key.sign",
                &caller,
                &format!("{} v{}", record.key_id, record.version),
            );
            Ok(Response::new(SignResponse {
                signature: signed,
                version: record.version,
            }))
        }
        .await;
        self.state.observe("Keys/Sign", result)
    }

    async fn verify(
        &self,
        request: Request<VerifyRequest>,
    ) -> Result<Response<VerifyResponse>, Status> {
        let result = async {
            self.state.authenticate(&request).await?;
            let VerifyRequest {
                key,
                message,
                context,
                signature: sig,
            } = request.into_inner();
            limit("message", &message)?;
            let (algorithm, public_key) = self.public_key(key).await?;
            let KeyAlgorithm::Signature(algorithm) = algorithm else {
                return Err(invalid(format!(
                    "{} is not a signature algorithm",
                    algorithm.name()
                )));
            };
            let valid = compute(move || {
                match signature(algorithm)?.verify(
                    &public_key,
                    SignedMessage::Pure {
                        message: &message,
                        context: &context,
                    },
                    &sig,
                ) {
                    Ok(()) => Ok(true),
                    Err(PqcError::InvalidSignature) => Ok(false),
                    Err(other) => Err(pqc_status(other)),
                }
            })
            .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "verify")]);
            Ok(Response::new(VerifyResponse { valid }))
        }
        .await;
        self.state.observe("Keys/Verify", result)
    }

    async fn encapsulate(
        &self,
        request: Request<EncapsulateRequest>,
    ) -> Result<Response<EncapsulateResponse>, Status> {
        let result = async {
            self.state.authenticate(&request).await?;
            let (algorithm, public_key) = self.public_key(request.into_inner().key).await?;
            let KeyAlgorithm::Kem(algorithm) = algorithm else {
                return Err(invalid(format!("{} is not a KEM", algorithm.name())));
            };
            let encapsulation =
                compute(move || kem(algorithm)?.encapsulate(&public_key).map_err(pqc_status))
                    .await?;
            self.state.metrics.inc(
                "sonet_key_operations_total",
                &[("operation", "encapsulate")],
            );
            Ok(Response::new(EncapsulateResponse {
                ciphertext: encapsulation.ciphertext,
                shared_secret: encapsulation.shared_secret.as_bytes().to_vec(),
            }))
        }
        .await;
        self.state.observe("Keys/Encapsulate", result)
    }

    async fn decapsulate(
        &self,
        request: Request<DecapsulateRequest>,
    ) -> Result<Response<DecapsulateResponse>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            self.state.require_admin(&caller)?;
            let DecapsulateRequest { key, ciphertext } = request.into_inner();
            let (record, secret) = self.service_key(key).await?;
            let KeyAlgorithm::Kem(algorithm) = KeyAlgorithm::parse(&record.algorithm)? else {
                return Err(invalid(format!("{} is not a KEM key", record.key_id)));
            };
            let shared = compute(move || {
                kem(algorithm)?
                    .decapsulate(secret.as_bytes(), &ciphertext)
                    .map_err(pqc_status)
            })
            .await?;
            self.state.metrics.inc(
                "sonet_key_operations_total",
                &[("operation", "decapsulate")],
            );
            self.state.audit(
                "key.decapsulate",
                &caller,
                &format!("{} v{}", record.key_id, record.version),
            );
            Ok(Response::new(DecapsulateResponse {
                shared_secret: shared.as_bytes().to_vec(),
            }))
        }
        .await;
        self.state.observe("Keys/Decapsulate", result)
    }

    async fn seal(&self, request: Request<SealRequest>) -> Result<Response<SealResponse>, Status> {
        let result = async {
            self.state.authenticate(&request).await?;
            let SealRequest {
                recipient,
                plaintext,
                aad,
            } = request.into_inner();
            limit("plaintext", &plaintext)?;
            let (algorithm, public_key) = self.public_key(recipient).await?;
            let KeyAlgorithm::Envelope(suite) = algorithm else {
                return Err(invalid(format!(
                    "{} is not an envelope suite; allowed: {}",
                    algorithm.name(),
                    EnvelopeSuite::ALL.map(EnvelopeSuite::name).join(", ")
                )));
            };
            let sealed = compute(move || {
                envelope::seal(suite, &public_key, &plaintext, &aad, None)
                    .and_then(|e| e.to_bytes())
                    .map_err(|e| invalid(e.to_string()))
            })
            .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "seal")]);
            Ok(Response::new(SealResponse { envelope: sealed }))
        }
        .await;
        self.state.observe("Keys/Seal", result)
    }

    async fn open(&self, request: Request<OpenRequest>) -> Result<Response<OpenResponse>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            self.state.require_admin(&caller)?;
            let OpenRequest {
                key,
                envelope: sealed,
                aad,
            } = request.into_inner();
            limit("envelope", &sealed)?;
            let (record, secret) = self.service_key(key).await?;
            let KeyAlgorithm::Envelope(_) = KeyAlgorithm::parse(&record.algorithm)? else {
                return Err(invalid(format!("{} is not an envelope key", record.key_id)));
            };
            let plaintext = compute(move || {
                envelope::open_bytes(secret.as_bytes(), &sealed, &aad, None)
                    .map_err(|e| invalid(e.to_string()))
            })
            .await?;
            self.state
                .metrics
                .inc("sonet_key_operations_total", &[("operation", "open")]);
            self.state.audit(
                "key.open",
                &caller,
                &format!("{} v{}", record.key_id, record.version),
            );
            Ok(Response::new(OpenResponse { plaintext }))
        }
        .await;
        self.state.observe("Keys/Open", result)
    }
}
