//! `sonet.v1.Directory`: identities and KeyPackages.

use tonic::{Request, Response, Status};

use super::auth::{self, Caller};
use super::proto::directory_server::Directory;
use super::proto::{
    FetchKeyPackageRequest, FetchKeyPackageResponse, KeyPackageCount, KeyPackageStatusRequest,
    KeyPackageStatusResponse, PublishKeyPackagesRequest, PublishKeyPackagesResponse,
    RegisterRequest, RegisterResponse,
};
use super::state::{invalid, now_ms, SharedState};
use crate::mls::CipherSuite;

/// Identities longer than this are refused (they are stored and sent with every call).
pub const MAX_IDENTITY_LEN: usize = 255;
const MAX_KEY_PACKAGES_PER_CALL: usize = 1000;

pub struct DirectoryService {
    pub(crate) state: SharedState,
}

pub(crate) fn check_identity(identity: &[u8]) -> Result<(), Status> {
    if identity.is_empty() || identity.len() > MAX_IDENTITY_LEN {
        return Err(invalid(format!(
            "identity must be 1 to {MAX_IDENTITY_LEN} bytes, got {}",
            identity.len()
        )));
    }
    Ok(())
}

pub(crate) fn cipher_suite(state: &SharedState, id: u32) -> Result<CipherSuite, Status> {
    let suite = u16::try_from(id)
        .ok()
        .and_then(|id| CipherSuite::from_id(id).ok())
        .ok_or_else(|| invalid(format!("unknown cipher suite {id}")))?;
    if !state.settings.allowed_cipher_suites.contains(&suite) {
        return Err(invalid(format!(
            "cipher suite {} is not allowed on this service",
            suite.name()
        )));
    }
    Ok(suite)
}

impl DirectoryService {
    async fn register_inner(
        &self,
        request: Request<RegisterRequest>,
    ) -> Result<Response<RegisterResponse>, Status> {
        // Registration proves possession of the key itself; with mutual TLS the certificate
        // must name the same identity.
        let certificate_identity = match request.peer_certs().as_deref().and_then(|c| c.first()) {
            Some(leaf) => Some(auth::certificate_identity(leaf)?),
            None => None,
        };
        let RegisterRequest {
            identity,
            signature_scheme,
            signature_public_key,
            proof,
        } = request.into_inner();
        check_identity(&identity)?;
        if certificate_identity.is_some_and(|c| c != identity) {
            return Err(Status::permission_denied(
                "the identity differs from the client certificate's",
            ));
        }
        let scheme = u16::try_from(signature_scheme)
            .map_err(|_| invalid(format!("unknown signature scheme {signature_scheme}")))?;
        if signature_public_key.is_empty() || proof.is_empty() {
            return Err(invalid("signature_public_key and proof are required"));
        }
        let (key, id) = (signature_public_key.clone(), identity.clone());
        tokio::task::spawn_blocking(move || {
            crate::mls::verify_service_signature(scheme, &key, auth::REGISTER_LABEL, &id, &proof)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| match e {
            crate::mls::MlsError::InvalidArgument(reason) => invalid(reason),
            _ => Status::unauthenticated("registration proof does not verify with the given key"),
        })?;
        let (id, key) = (identity.clone(), signature_public_key);
        let created = self
            .state
            .db(move |store| store.register(&id, scheme, &key, now_ms()))
            .await?;
        let caller = Caller { identity };
        self.state.audit(
            "identity.register",
            &caller,
            if created {
                "created"
            } else {
                "already registered"
            },
        );
        Ok(Response::new(RegisterResponse { created }))
    }

    async fn publish_inner(
        &self,
        request: Request<PublishKeyPackagesRequest>,
    ) -> Result<Response<PublishKeyPackagesResponse>, Status> {
        let caller = self.state.authenticate(&request).await?;
        let PublishKeyPackagesRequest {
            key_packages,
            last_resort,
        } = request.into_inner();
        if key_packages.is_empty() || key_packages.len() > MAX_KEY_PACKAGES_PER_CALL {
            return Err(invalid(format!(
                "publish 1 to {MAX_KEY_PACKAGES_PER_CALL} KeyPackages per call, got {}",
                key_packages.len()
            )));
        }
        if let Some(index) = last_resort {
            if index as usize >= key_packages.len() {
                return Err(invalid(format!(
                    "last_resort index {index} is out of range"
                )));
            }
        }
        let lookup = caller.identity.clone();
        let registered = self
            .state
            .db(move |store| store.identity(&lookup))
            .await?
            .ok_or_else(|| {
                Status::failed_precondition("register the identity before publishing KeyPackages")
            })?;
        let state = self.state.clone();
        let identity = caller.identity.clone();
        let packages = tokio::task::spawn_blocking(move || {
            key_packages
                .into_iter()
                .enumerate()
                .map(|(index, bytes)| {
                    let credential = crate::mls::key_package_credential(&bytes)
                        .map_err(|e| invalid(format!("key_packages[{index}]: {e}")))?;
                    if credential.identity != identity {
                        return Err(Status::permission_denied(format!(
                            "key_packages[{index}] is for another identity"
                        )));
                    }
                    if credential.signature_scheme != registered.signature_scheme
                        || credential.signature_key != registered.public_key
                    {
                        return Err(Status::permission_denied(format!(
                            "key_packages[{index}] is not signed with the registered credential key"
                        )));
                    }
                    cipher_suite(&state, u32::from(credential.suite.id()))?;
                    Ok((
                        credential.suite.id(),
                        bytes,
                        last_resort == Some(index as u32),
                    ))
                })
                .collect::<Result<Vec<_>, Status>>()
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
        let stored = packages.len() as u32;
        let identity = caller.identity.clone();
        self.state
            .db(move |store| store.add_key_packages(&identity, &packages))
            .await?;
        self.state.audit(
            "keypackages.publish",
            &caller,
            &format!("{stored} KeyPackages"),
        );
        Ok(Response::new(PublishKeyPackagesResponse { stored }))
    }

    async fn fetch_inner(
        &self,
        request: Request<FetchKeyPackageRequest>,
    ) -> Result<Response<FetchKeyPackageResponse>, Status> {
        let caller = self.state.authenticate(&request).await?;
        let FetchKeyPackageRequest {
            identity,
            cipher_suite: suite,
        } = request.into_inner();
        check_identity(&identity)?;
        let suite = cipher_suite(&self.state, suite)?.id();
        let owner = identity.clone();
        let (key_package, last_resort) = self
            .state
            .db(move |store| store.take_key_package(&owner, suite))
            .await?
            .ok_or_else(|| {
                Status::not_found("no KeyPackage available for that identity and cipher suite")
            })?;
        self.state.audit(
            "keypackage.fetch",
            &caller,
            &format!(
                "of {}{}",
                String::from_utf8_lossy(&identity),
                if last_resort { " (last resort)" } else { "" }
            ),
        );
        Ok(Response::new(FetchKeyPackageResponse {
            key_package,
            last_resort,
        }))
    }

    async fn status_inner(
        &self,
        request: Request<KeyPackageStatusRequest>,
    ) -> Result<Response<KeyPackageStatusResponse>, Status> {
        let caller = self.state.authenticate(&request).await?;
        let counts = self
            .state
            .db(move |store| store.key_package_counts(&caller.identity))
            .await?
            .into_iter()
            .map(|(suite, available, has_last_resort)| KeyPackageCount {
                cipher_suite: u32::from(suite),
                available,
                has_last_resort,
            })
            .collect();
        Ok(Response::new(KeyPackageStatusResponse { counts }))
    }
}

#[tonic::async_trait]
impl Directory for DirectoryService {
    async fn register(
        &self,
        request: Request<RegisterRequest>,
    ) -> Result<Response<RegisterResponse>, Status> {
        self.state
            .observe("Directory/Register", self.register_inner(request).await)
    }

    async fn publish_key_packages(
        &self,
        request: Request<PublishKeyPackagesRequest>,
    ) -> Result<Response<PublishKeyPackagesResponse>, Status> {
        self.state.observe(
            "Directory/PublishKeyPackages",
            self.publish_inner(request).await,
        )
    }

    async fn fetch_key_package(
        &self,
        request: Request<FetchKeyPackageRequest>,
    ) -> Result<Response<FetchKeyPackageResponse>, Status> {
        self.state
            .observe("Directory/FetchKeyPackage", self.fetch_inner(request).await)
    }

    async fn key_package_status(
        &self,
        request: Request<KeyPackageStatusRequest>,
    ) -> Result<Response<KeyPackageStatusResponse>, Status> {
        self.state.observe(
            "Directory/KeyPackageStatus",
            self.status_inner(request).await,
        )
    }
}
