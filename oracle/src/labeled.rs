//! Labeled cryptography (RFC 9420 §5.1.3, §5.2, §8): every derivation and signature in MLS binds
//! a label, prefixed with "MLS 1.0 " except in RefHash, whose callers pass the full label.

use super::codec::Writer;
use super::Result;
use sonet::mls::primitives::SuiteAlgorithms;
use sonet::secret::SecretBytes;

/// The prefix of every MLS label (§5.1.3, §5.2, §8).
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

fn full_label(label: &[u8]) -> Vec<u8> {
    [LABEL_PREFIX, label].concat()
}

/// RefHash(label, value) = Hash(RefHashInput) (§5.2).
pub fn ref_hash(suite: &SuiteAlgorithms, label: &[u8], value: &[u8]) -> Vec<u8> {
    let mut input = Writer::new();
    input.opaque(label).opaque(value);
    suite.hash(input.as_bytes())
}

/// MakeKeyPackageRef (§5.2).
pub fn key_package_ref(suite: &SuiteAlgorithms, key_package: &[u8]) -> Vec<u8> {
    ref_hash(suite, b"MLS 1.0 KeyPackage Reference", key_package)
}

/// MakeProposalRef (§5.2), over the encoded AuthenticatedContent.
pub fn proposal_ref(suite: &SuiteAlgorithms, authenticated_content: &[u8]) -> Vec<u8> {
    ref_hash(suite, b"MLS 1.0 Proposal Reference", authenticated_content)
}

/// ExpandWithLabel(secret, label, context, length) (§8).
pub fn expand_with_label(
    suite: &SuiteAlgorithms,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    length: u16,
) -> Result<SecretBytes> {
    let mut kdf_label = Writer::new();
    kdf_label
        .u16(length)
        .opaque(&full_label(label))
        .opaque(context);
    Ok(suite.expand(secret, kdf_label.as_bytes(), usize::from(length))?)
}

/// DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh) (§8).
pub fn derive_secret(suite: &SuiteAlgorithms, secret: &[u8], label: &[u8]) -> Result<SecretBytes> {
    expand_with_label(suite, secret, label, b"", nh(suite))
}

/// DeriveTreeSecret(secret, label, generation, length) (§9.1).
pub fn derive_tree_secret(
    suite: &SuiteAlgorithms,
    secret: &[u8],
    label: &[u8],
    generation: u32,
    length: u16,
) -> Result<SecretBytes> {
    expand_with_label(suite, secret, label, &generation.to_be_bytes(), length)
}

/// Nh as the u16 ExpandWithLabel takes (hash outputs are at most 64 bytes).
pub fn nh(suite: &SuiteAlgorithms) -> u16 {
    suite.hash_len() as u16
}

fn sign_content(label: &[u8], content: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.opaque(&full_label(label)).opaque(content);
    w.into_bytes()
}

/// SignWithLabel(SignatureKey, Label, Content) (§5.1.2).
pub fn sign_with_label(
    suite: &SuiteAlgorithms,
    private_key: &[u8],
    label: &[u8],
    content: &[u8],
) -> Result<Vec<u8>> {
    Ok(suite.sign(private_key, &sign_content(label, content))?)
}

/// VerifyWithLabel(VerificationKey, Label, Content, SignatureValue) (§5.1.2).
pub fn verify_with_label(
    suite: &SuiteAlgorithms,
    public_key: &[u8],
    label: &[u8],
    content: &[u8],
    signature: &[u8],
) -> Result<()> {
    Ok(suite.verify(public_key, &sign_content(label, content), signature)?)
}

fn encrypt_context(label: &[u8], context: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.opaque(&full_label(label)).opaque(context);
    w.into_bytes()
}

/// EncryptWithLabel(PublicKey, Label, Context, Plaintext) = SealBase(PublicKey, EncryptContext,
/// "", Plaintext) (§5.1.3): `(kem_output, ciphertext)`.
pub fn encrypt_with_label(
    suite: &SuiteAlgorithms,
    public_key: &[u8],
    label: &[u8],
    context: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    Ok(suite.hpke_seal(public_key, &encrypt_context(label, context), b"", plaintext)?)
}

/// DecryptWithLabel(PrivateKey, Label, Context, KEMOutput, Ciphertext) (§5.1.3).
pub fn decrypt_with_label(
    suite: &SuiteAlgorithms,
    private_key: &[u8],
    label: &[u8],
    context: &[u8],
    kem_output: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    Ok(suite.hpke_open(
        private_key,
        kem_output,
        &encrypt_context(label, context),
        b"",
        ciphertext,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OracleError;
    use sonet::mls::primitives::{suite, PrimitiveError};

    #[test]
    fn labels_bind_signatures_and_ciphertexts() {
        let s = suite(1).unwrap();
        let (sk, pk) = s.generate_signature_key().unwrap();
        let sig = sign_with_label(s, sk.as_bytes(), b"LeafNodeTBS", b"content").unwrap();
        verify_with_label(s, &pk, b"LeafNodeTBS", b"content", &sig).unwrap();
        assert_eq!(
            verify_with_label(s, &pk, b"GroupInfoTBS", b"content", &sig),
            Err(OracleError::Primitive(PrimitiveError::InvalidSignature))
        );
        let (hsk, hpk) = s.derive_hpke_key_pair(&[1; 32]);
        let (kem, ct) = encrypt_with_label(s, &hpk, b"UpdatePathNode", b"ctx", b"pt").unwrap();
        assert_eq!(
            decrypt_with_label(s, hsk.as_bytes(), b"UpdatePathNode", b"ctx", &kem, &ct).unwrap(),
            b"pt"
        );
        assert!(decrypt_with_label(s, hsk.as_bytes(), b"Welcome", b"ctx", &kem, &ct).is_err());
    }

    #[test]
    fn derive_secret_is_expand_with_an_empty_context_of_hash_length() {
        let s = suite(7).unwrap();
        let secret = [9u8; 48];
        let derived = derive_secret(s, &secret, b"epoch").unwrap();
        assert_eq!(derived.len(), 48);
        assert_eq!(
            derived,
            expand_with_label(s, &secret, b"epoch", b"", 48).unwrap()
        );
        assert_ne!(
            derived,
            expand_with_label(s, &secret, b"epoch", b"x", 48).unwrap()
        );
    }
}
