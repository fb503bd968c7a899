//! Falcon round 3, public-key side: signature verification, the NIST "signed message" layout of
//! the round-3 KAT files, and recomputation of the public key from a secret key.
//!
//! Written independently from the Falcon specification v1.2 (falcon-sign.info, round 3) so that
//! Sonet can check the official round-3 KAT files, which the FN-DSA crate used elsewhere (a draft
//! of FIPS 206, with a different message hash and signature header) cannot verify. Section
//! and algorithm numbers below refer to that specification (v1.2, 2020-10-01); every rule is
//! also pinned by the KAT-driven tests at the end of this file.
//!
//! Arithmetic is in Z_q\[x\]/(φ) with q = 12289 and φ = xⁿ + 1. Because 2n divides q − 1, φ
//! splits into linear factors modulo q and products and inverses are computed with a plain
//! negacyclic number-theoretic transform (evaluation at the 2n-th roots of unity ψ^(2j+1)).
//! Nothing here is constant-time: it only handles public data, plus secret keys in
//! [`public_key_from_secret_key`], which is a conformance check rather than a signing path.
//!
//! Every function returns an error on malformed input; none panics on any input.

use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;
use zeroize::Zeroizing;

use super::{expect_len, PqcError, SignatureAlgorithm};

/// Length of the random salt r (the "nonce") hashed in front of the message (§3.9, §3.11.3).
pub const NONCE_LEN: usize = 40;

/// The modulus q (§3.2).
const Q: u32 = 12289;

/// A generator of the multiplicative group Z_q^* (of order q − 1 = 2¹²·3); the unit test
/// `generator_has_full_order` checks it.
const GENERATOR: u32 = 11;

/// Header bytes (§3.11.1): public key 0x00 + logn, signature 0x20 + logn (compressed format),
/// secret key 0x50 + logn.
const PUBLIC_KEY_HEADER: u8 = 0x00;
const SIGNATURE_HEADER: u8 = 0x20;
const SECRET_KEY_HEADER: u8 = 0x50;

/// Bits per public-key coefficient: ⌈log₂ q⌉ = 14 (§3.11.4).
const PUBLIC_KEY_BITS: u32 = 14;

/// Bits per coefficient of F in the secret key (§3.11.5).
const BIG_F_BITS: u32 = 8;

/// Hash-to-point draws 16-bit big-endian values and keeps those below 5q = 61445 (§3.7,
/// Algorithm 3 HashToPoint), so that t mod q is uniform.
const HASH_TO_POINT_LIMIT: u32 = 5 * Q;

/// Largest |s2ᵢ| the compressed format represents: 7 explicit low bits plus a unary high part of
/// at most 15 (§3.11.2). Signers never emit larger values (the reference encoder refuses them), so
/// a longer unary run is treated as a non-canonical encoding.
const MAX_COMPRESSED_ABS: u32 = 2047;

/// The two Falcon round-3 parameter sets (§3.13, parameter table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FalconParams {
    /// n = 512 (logn = 9), NIST security level I.
    Falcon512,
    /// n = 1024 (logn = 10), NIST security level V.
    Falcon1024,
}

impl FalconParams {
    /// Both parameter sets, Falcon-512 first.
    pub const ALL: [FalconParams; 2] = [Self::Falcon512, Self::Falcon1024];

    /// log₂ n.
    pub const fn logn(self) -> u32 {
        match self {
            Self::Falcon512 => 9,
            Self::Falcon1024 => 10,
        }
    }

    /// The ring degree n.
    pub const fn n(self) -> usize {
        1 << self.logn()
    }

    /// Encoded public key length: 1 + 14n/8 bytes (897 / 1793).
    pub const fn public_key_len(self) -> usize {
        1 + self.n() * PUBLIC_KEY_BITS as usize / 8
    }

    /// Encoded secret key length: 1 + 2·n·bits(f, g)/8 + n bytes (1281 / 2305).
    pub const fn secret_key_len(self) -> usize {
        1 + 2 * self.n() * self.fg_bits() as usize / 8 + self.n() * BIG_F_BITS as usize / 8
    }

    /// The acceptance bound ⌊β²⌋ on ‖(s1, s2)‖² (§3.13, parameter table).
    pub const fn norm_bound(self) -> u64 {
        match self {
            Self::Falcon512 => 34_034_726,
            Self::Falcon1024 => 70_265_242,
        }
    }

    /// Bits per coefficient of f and g in the secret key (§3.11.5): 6 for n = 512, 5 for 1024.
    const fn fg_bits(self) -> u32 {
        match self {
            Self::Falcon512 => 6,
            Self::Falcon1024 => 5,
        }
    }

    /// The registry entry whose key sizes these are.
    pub const fn algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::Falcon512 => SignatureAlgorithm::FnDsa512,
            Self::Falcon1024 => SignatureAlgorithm::FnDsa1024,
        }
    }

    /// The parameter set for an FN-DSA registry entry, `None` for other algorithms.
    pub const fn for_algorithm(algorithm: SignatureAlgorithm) -> Option<Self> {
        match algorithm {
            SignatureAlgorithm::FnDsa512 => Some(Self::Falcon512),
            SignatureAlgorithm::FnDsa1024 => Some(Self::Falcon1024),
            _ => None,
        }
    }

    fn header(self, base: u8) -> u8 {
        // logn is 9 or 10, so this never overflows.
        base + self.logn() as u8
    }
}

/// The parts of a NIST-API signed message (the KAT files' `sm`):
/// `len(sig) as u16 big-endian ‖ nonce (40 bytes) ‖ message ‖ sig`, where `sig` is the header
/// byte 0x20 + logn followed by the compressed s2, and its length includes the header byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedMessage<'a> {
    /// The 40-byte salt r hashed in front of the message.
    pub nonce: &'a [u8; NONCE_LEN],
    /// The message that was signed.
    pub message: &'a [u8],
    /// Header byte ‖ compressed s2, as [`verify`] takes it.
    pub signature: &'a [u8],
}

/// Splits a NIST-API signed message into nonce, message and signature, checking that the declared
/// signature length fits and that the signature starts with this parameter set's header.
/// Does not verify the signature (see [`open`]).
pub fn parse_signed_message(
    params: FalconParams,
    sm: &[u8],
) -> Result<SignedMessage<'_>, PqcError> {
    let (len_bytes, rest) = sm.split_first_chunk::<2>().ok_or(PqcError::Malformed(
        "Falcon signed message: no length prefix",
    ))?;
    let (nonce, rest) = rest
        .split_first_chunk::<NONCE_LEN>()
        .ok_or(PqcError::Malformed("Falcon signed message: no nonce"))?;
    let sig_len = usize::from(u16::from_be_bytes(*len_bytes));
    let message_len = rest.len().checked_sub(sig_len).ok_or(PqcError::Malformed(
        "Falcon signed message: declared signature length exceeds the data",
    ))?;
    let (message, signature) = rest.split_at(message_len);
    match signature.first() {
        None => Err(PqcError::Malformed(
            "Falcon signed message: empty signature",
        )),
        Some(&h) if h != params.header(SIGNATURE_HEADER) => {
            Err(PqcError::Malformed("Falcon signature header"))
        }
        Some(_) => Ok(SignedMessage {
            nonce,
            message,
            signature,
        }),
    }
}

/// NIST `crypto_sign_open`: parses a signed message, verifies it, and returns the message.
pub fn open<'a>(
    params: FalconParams,
    public_key: &[u8],
    sm: &'a [u8],
) -> Result<&'a [u8], PqcError> {
    let parsed = parse_signed_message(params, sm)?;
    verify(
        params,
        public_key,
        parsed.message,
        parsed.nonce,
        parsed.signature,
    )?;
    Ok(parsed.message)
}

/// Falcon round-3 verification (§3.10, Algorithm 16 Verify).
///
/// `signature` is the header byte 0x20 + logn followed by the compressed encoding of s2
/// (§3.11.2, §3.11.3), exactly as it ends a NIST-API signed message; `nonce` is the salt r.
///
/// Returns [`PqcError::InvalidSignature`] when the signature decodes but ‖(s1, s2)‖² exceeds
/// ⌊β²⌋; [`PqcError::InvalidLength`] / [`PqcError::Malformed`] when the public key or signature
/// is not a canonical encoding.
pub fn verify(
    params: FalconParams,
    public_key: &[u8],
    message: &[u8],
    nonce: &[u8; NONCE_LEN],
    signature: &[u8],
) -> Result<(), PqcError> {
    let h = decode_public_key(params, public_key)?;
    let s2 = decode_signature(params, signature)?;

    // c = HashToPoint(r ‖ m); s1 = c − s2·h mod q.
    let c = hash_to_point(params, nonce, message);
    let s2_mod_q: Vec<u32> = s2.iter().map(|&v| reduce_signed(v)).collect();
    let s2h = multiply(&s2_mod_q, &h);

    // ‖(s1, s2)‖² with s1 centred in (−q/2, q/2]. Each term is below 2²⁶ and there are at most
    // 2048 of them, so the sum fits in u64 comfortably.
    let s1_norm: u64 = c
        .iter()
        .zip(&s2h)
        .map(|(&ci, &pi)| square(centre(sub_mod(ci, pi))))
        .sum();
    let s2_norm: u64 = s2.iter().map(|&v| square(v)).sum();
    if s1_norm + s2_norm <= params.norm_bound() {
        Ok(())
    } else {
        Err(PqcError::InvalidSignature)
    }
}

/// Decodes a round-3 secret key (§3.11.5: header 0x50 + logn, then f and g with 6 bits per
/// coefficient for n = 512 and 5 for n = 1024, then F with 8 bits, all two's complement; G is
/// not stored) and returns the encoded public key h = g·f⁻¹ mod q (§3.8, Algorithm 4 Keygen).
///
/// The key is also checked for internal consistency: f must be invertible modulo q, and the
/// G = g·F/f mod q recomputed from it (as the signer does, §3.11.5) must have coefficients in
/// [−127, 127] and satisfy the NTRU equation f·G − g·F = q over Z\[x\]/(φ) (§3.8).
/// Any failure is [`PqcError::Malformed`]; a wrong length is [`PqcError::InvalidLength`].
pub fn public_key_from_secret_key(
    params: FalconParams,
    secret_key: &[u8],
) -> Result<Vec<u8>, PqcError> {
    expect_len("Falcon secret key", secret_key, params.secret_key_len())?;
    let (&header, body) = secret_key
        .split_first()
        .ok_or(PqcError::Malformed("Falcon secret key"))?;
    if header != params.header(SECRET_KEY_HEADER) {
        return Err(PqcError::Malformed("Falcon secret key header"));
    }
    let n = params.n();
    let mut reader = BitReader::new(body);
    let f = decode_small(&mut reader, n, params.fg_bits())?;
    let g = decode_small(&mut reader, n, params.fg_bits())?;
    let big_f = decode_small(&mut reader, n, BIG_F_BITS)?;
    // The length was checked above, so every bit has been consumed; keep the check explicit.
    if !reader.at_end() {
        return Err(PqcError::Malformed("Falcon secret key: trailing data"));
    }

    // h = g / f mod q, pointwise in the NTT domain.
    let f_inv = invert(&reduce_all(&f)).ok_or(PqcError::Malformed(
        "Falcon secret key: f is not invertible mod q",
    ))?;
    let h = multiply(&reduce_all(&g), &f_inv);

    // G = h·F mod q, centred; it must be small and complete the NTRU basis exactly.
    let big_g: Zeroizing<Vec<i32>> = Zeroizing::new(
        multiply(&h, &reduce_all(&big_f))
            .into_iter()
            .map(centre)
            .collect(),
    );
    let max_big_g = (1i32 << (BIG_F_BITS - 1)) - 1;
    if big_g.iter().any(|&v| v.abs() > max_big_g) {
        return Err(PqcError::Malformed(
            "Falcon secret key: recomputed G out of range (F does not match f, g)",
        ));
    }
    let f_big_g = Zeroizing::new(negacyclic_product(&f, &big_g));
    let g_big_f = Zeroizing::new(negacyclic_product(&g, &big_f));
    let ntru_holds = f_big_g
        .iter()
        .zip(g_big_f.iter())
        .enumerate()
        .all(|(i, (&a, &b))| a - b == if i == 0 { i64::from(Q) } else { 0 });
    if !ntru_holds {
        return Err(PqcError::Malformed(
            "Falcon secret key: f·G − g·F ≠ q (NTRU equation fails)",
        ));
    }
    Ok(encode_public_key(params, &h))
}

// ---------------------------------------------------------------------------------------------
// Encodings (§3.11)

/// Public key (§3.11.4): header 0x00 + logn, then each hᵢ ∈ [0, q) over 14 bits, most
/// significant bit first, packed without padding (14n is a multiple of 8).
fn decode_public_key(params: FalconParams, public_key: &[u8]) -> Result<Vec<u32>, PqcError> {
    expect_len("Falcon public key", public_key, params.public_key_len())?;
    let (&header, body) = public_key
        .split_first()
        .ok_or(PqcError::Malformed("Falcon public key"))?;
    if header != params.header(PUBLIC_KEY_HEADER) {
        return Err(PqcError::Malformed("Falcon public key header"));
    }
    let mut reader = BitReader::new(body);
    let mut h = Vec::with_capacity(params.n());
    for _ in 0..params.n() {
        let v = reader
            .bits(PUBLIC_KEY_BITS)
            .ok_or(PqcError::Malformed("Falcon public key: truncated"))?;
        if v >= Q {
            return Err(PqcError::Malformed("Falcon public key: coefficient ≥ q"));
        }
        h.push(v);
    }
    if !reader.at_end() {
        return Err(PqcError::Malformed("Falcon public key: trailing data"));
    }
    Ok(h)
}

fn encode_public_key(params: FalconParams, h: &[u32]) -> Vec<u8> {
    let mut writer = BitWriter::with_header(params.header(PUBLIC_KEY_HEADER));
    for &v in h {
        writer.push(v, PUBLIC_KEY_BITS);
    }
    writer.finish()
}

/// Signature (§3.11.3): header 0x20 + logn, then Decompress(s2) (§3.11.2, Algorithm 18).
fn decode_signature(params: FalconParams, signature: &[u8]) -> Result<Vec<i32>, PqcError> {
    let (&header, body) = signature
        .split_first()
        .ok_or(PqcError::Malformed("Falcon signature: empty"))?;
    if header != params.header(SIGNATURE_HEADER) {
        return Err(PqcError::Malformed("Falcon signature header"));
    }
    decompress(body, params.n())
}

/// Decompress (§3.11.2, Algorithm 18). Each coefficient is a sign bit, the 7 low bits of |s|,
/// then |s| >> 7 in unary (that many 0 bits, then a 1). Only the canonical encoding is accepted:
/// no "−0", |s| ≤ 2047 (at most 15 zeros in the unary part), the bits after the last coefficient
/// up to the byte boundary are zero, and no bytes follow.
fn decompress(bytes: &[u8], n: usize) -> Result<Vec<i32>, PqcError> {
    const TRUNCATED: PqcError = PqcError::Malformed("Falcon signature: truncated");
    let mut reader = BitReader::new(bytes);
    let mut s = Vec::with_capacity(n);
    for _ in 0..n {
        let negative = reader.bit().ok_or(TRUNCATED)? == 1;
        let low = reader.bits(7).ok_or(TRUNCATED)?;
        let mut high = 0u32;
        while reader.bit().ok_or(TRUNCATED)? == 0 {
            high += 1;
            if (high << 7) > MAX_COMPRESSED_ABS {
                return Err(PqcError::Malformed(
                    "Falcon signature: coefficient out of range (unary part too long)",
                ));
            }
        }
        let magnitude = ((high << 7) | low) as i32;
        if negative && magnitude == 0 {
            return Err(PqcError::Malformed("Falcon signature: negative zero"));
        }
        s.push(if negative { -magnitude } else { magnitude });
    }
    if !reader.at_end() {
        return Err(PqcError::Malformed(
            "Falcon signature: non-zero padding or trailing data",
        ));
    }
    Ok(s)
}

/// n coefficients of `bits` bits each in two's complement (§3.11.5). The pattern for −2^(bits−1)
/// is never produced by key generation (coefficients lie in [−(2^(bits−1) − 1), 2^(bits−1) − 1])
/// and is rejected as non-canonical.
fn decode_small(
    reader: &mut BitReader<'_>,
    n: usize,
    bits: u32,
) -> Result<Zeroizing<Vec<i32>>, PqcError> {
    let mut out = Zeroizing::new(Vec::with_capacity(n));
    let half = 1i32 << (bits - 1);
    for _ in 0..n {
        let raw = reader
            .bits(bits)
            .ok_or(PqcError::Malformed("Falcon secret key: truncated"))? as i32;
        let v = if raw >= half { raw - 2 * half } else { raw };
        if v == -half {
            return Err(PqcError::Malformed(
                "Falcon secret key: coefficient −2^(bits−1) is not canonical",
            ));
        }
        out.push(v);
    }
    Ok(out)
}

/// Reads bits most significant first.
struct BitReader<'a> {
    bytes: &'a [u8],
    /// Position in bits.
    pos: usize,
}

impl<'a> BitReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn bit(&mut self) -> Option<u32> {
        let byte = *self.bytes.get(self.pos / 8)?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Some(u32::from(bit))
    }

    fn bits(&mut self, count: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..count {
            v = (v << 1) | self.bit()?;
        }
        Some(v)
    }

    /// True when the rest of the current byte is zero and no further bytes follow.
    fn at_end(&self) -> bool {
        let used_bytes = self.pos.div_ceil(8);
        let padding_zero = match (self.pos % 8, self.bytes.get(self.pos / 8)) {
            (0, _) | (_, None) => true,
            (used, Some(&byte)) => byte & (0xff >> used) == 0,
        };
        used_bytes == self.bytes.len() && padding_zero
    }
}

/// Writes bits most significant first, zero-padding the last byte.
struct BitWriter {
    bytes: Vec<u8>,
    pos: usize,
}

impl BitWriter {
    fn with_header(header: u8) -> Self {
        Self {
            bytes: vec![header],
            pos: 8,
        }
    }

    fn push(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            if self.pos.is_multiple_of(8) {
                self.bytes.push(0);
            }
            let bit = ((value >> i) & 1) as u8;
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (7 - self.pos % 8);
            }
            self.pos += 1;
        }
    }

    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

// ---------------------------------------------------------------------------------------------
// Hashing (§3.7)

/// HashToPoint (§3.7, Algorithm 3): SHAKE256(r ‖ m), read as 16-bit big-endian values t; keep
/// t < 5q and output t mod q, until n coefficients are collected.
fn hash_to_point(params: FalconParams, nonce: &[u8; NONCE_LEN], message: &[u8]) -> Vec<u32> {
    let mut shake = Shake256::default();
    shake.update(nonce);
    shake.update(message);
    let mut xof = shake.finalize_xof();
    let n = params.n();
    let mut c = Vec::with_capacity(n);
    while c.len() < n {
        let mut pair = [0u8; 2];
        xof.read(&mut pair);
        let t = u32::from(u16::from_be_bytes(pair));
        if t < HASH_TO_POINT_LIMIT {
            c.push(t % Q);
        }
    }
    c
}

// ---------------------------------------------------------------------------------------------
// Arithmetic modulo q and φ = xⁿ + 1

fn add_mod(a: u32, b: u32) -> u32 {
    (a + b) % Q
}

fn sub_mod(a: u32, b: u32) -> u32 {
    (a + Q - b) % Q
}

fn mul_mod(a: u32, b: u32) -> u32 {
    // Both below q < 2¹⁴, so the product fits in u32.
    a * b % Q
}

fn pow_mod(mut base: u32, mut exp: u32) -> u32 {
    let mut acc = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul_mod(acc, base);
        }
        base = mul_mod(base, base);
        exp >>= 1;
    }
    acc
}

/// a⁻¹ mod q by Fermat's little theorem (a ≠ 0).
fn inv_mod(a: u32) -> u32 {
    pow_mod(a, Q - 2)
}

fn reduce_signed(v: i32) -> u32 {
    v.rem_euclid(Q as i32) as u32
}

fn reduce_all(values: &[i32]) -> Zeroizing<Vec<u32>> {
    Zeroizing::new(values.iter().map(|&v| reduce_signed(v)).collect())
}

/// The representative of v in (−q/2, q/2], i.e. [−6144, 6144].
fn centre(v: u32) -> i32 {
    if v > Q / 2 {
        v as i32 - Q as i32
    } else {
        v as i32
    }
}

fn square(v: i32) -> u64 {
    u64::from(v.unsigned_abs()).pow(2)
}

/// ψ, a primitive 2n-th root of unity mod q (exists since 2n | q − 1).
fn psi(n: usize) -> u32 {
    pow_mod(GENERATOR, (Q - 1) / (2 * n as u32))
}

/// In-place cyclic DFT over Z_q of length n (a power of two) with an n-th root of unity ω:
/// Âⱼ = Σᵢ aᵢ ωⁱʲ. Iterative radix-2 Cooley–Tukey after a bit-reversal permutation.
fn cyclic_dft(a: &mut [u32], omega: u32) {
    let n = a.len();
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if i < j {
            a.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let step = pow_mod(omega, (n / len) as u32);
        for block in a.chunks_exact_mut(len) {
            let (lo, hi) = block.split_at_mut(len / 2);
            let mut w = 1;
            for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                let u = *x;
                let v = mul_mod(*y, w);
                *x = add_mod(u, v);
                *y = sub_mod(u, v);
                w = mul_mod(w, step);
            }
        }
        len *= 2;
    }
}

/// Negacyclic NTT: Âⱼ = a(ψ^(2j+1)), the values of a at the n roots of φ mod q. Computed as
/// the cyclic DFT with ω = ψ² of (aᵢ ψⁱ).
fn ntt(a: &[u32]) -> Zeroizing<Vec<u32>> {
    let n = a.len();
    let psi = psi(n);
    let mut twist = 1;
    let mut out = Zeroizing::new(Vec::with_capacity(n));
    for &ai in a {
        out.push(mul_mod(ai, twist));
        twist = mul_mod(twist, psi);
    }
    cyclic_dft(&mut out, mul_mod(psi, psi));
    out
}

/// Inverse of [`ntt`]: aᵢ = n⁻¹ ψ⁻ⁱ Σⱼ Âⱼ ω⁻ⁱʲ.
fn inverse_ntt(a_hat: &[u32]) -> Vec<u32> {
    let n = a_hat.len();
    let psi_inv = inv_mod(psi(n));
    let mut out = a_hat.to_vec();
    cyclic_dft(&mut out, mul_mod(psi_inv, psi_inv));
    let mut factor = inv_mod(n as u32);
    for v in out.iter_mut() {
        *v = mul_mod(*v, factor);
        factor = mul_mod(factor, psi_inv);
    }
    out
}

/// a·b mod (q, φ) for equal-length coefficient vectors in [0, q).
fn multiply(a: &[u32], b: &[u32]) -> Vec<u32> {
    let a_hat = ntt(a);
    let b_hat = ntt(b);
    let product: Zeroizing<Vec<u32>> = Zeroizing::new(
        a_hat
            .iter()
            .zip(b_hat.iter())
            .map(|(&x, &y)| mul_mod(x, y))
            .collect(),
    );
    inverse_ntt(&product)
}

/// a⁻¹ mod (q, φ), or `None` if a vanishes at a root of φ (then a is not invertible).
fn invert(a: &[u32]) -> Option<Vec<u32>> {
    let a_hat = ntt(a);
    if a_hat.contains(&0) {
        return None;
    }
    let inv_hat: Zeroizing<Vec<u32>> = Zeroizing::new(a_hat.iter().map(|&x| inv_mod(x)).collect());
    Some(inverse_ntt(&inv_hat))
}

/// Exact product of two small integer polynomials in Z\[x\]/(xⁿ + 1) (schoolbook; the
/// coefficients are at most 127 in size, so the sums stay far inside i64).
fn negacyclic_product(a: &[i32], b: &[i32]) -> Vec<i64> {
    let n = a.len();
    let mut out = vec![0i64; n];
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            let term = i64::from(ai) * i64::from(bj);
            let k = i + j;
            if k < n {
                out[k] += term;
            } else {
                // x^k = x^(k−n)·xⁿ = −x^(k−n) mod φ.
                out[k - n] -= term;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonet_testkit::vectors::pinned_text;
    use std::time::Instant;

    // -- KAT file reading ---------------------------------------------------------------------

    struct Kat {
        count: usize,
        msg: Vec<u8>,
        pk: Vec<u8>,
        sk: Vec<u8>,
        sm: Vec<u8>,
    }

    /// Reads a NIST .rsp file: blank-line-separated records of `key = value` lines; `#` lines are
    /// comments. `None` when the vectors are absent (the test is skipped).
    fn read_rsp(params: FalconParams) -> Option<Vec<Kat>> {
        let name = match params {
            FalconParams::Falcon512 => "falcon512-KAT.rsp",
            FalconParams::Falcon1024 => "falcon1024-KAT.rsp",
        };
        let text = pinned_text(&format!("fndsa/{name}"))?;
        let mut kats = Vec::new();
        let mut fields = std::collections::HashMap::<String, String>::new();
        let mut flush = |fields: &mut std::collections::HashMap<String, String>| {
            if fields.is_empty() {
                return;
            }
            let hex_field = |k: &str| hex::decode(&fields[k]).expect("hex field");
            let num_field = |k: &str| fields[k].parse::<usize>().expect("numeric field");
            let kat = Kat {
                count: num_field("count"),
                msg: hex_field("msg"),
                pk: hex_field("pk"),
                sk: hex_field("sk"),
                sm: hex_field("sm"),
            };
            assert_eq!(
                kat.msg.len(),
                num_field("mlen"),
                "mlen of count {}",
                kat.count
            );
            assert_eq!(
                kat.sm.len(),
                num_field("smlen"),
                "smlen of count {}",
                kat.count
            );
            assert_eq!(fields["seed"].len(), 96, "seed of count {}", kat.count);
            kats.push(kat);
            fields.clear();
        };
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if line.is_empty() {
                flush(&mut fields);
                continue;
            }
            let (k, v) = line.split_once('=').expect("key = value line");
            fields.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        flush(&mut fields);
        assert_eq!(kats.len(), 100, "{name} should hold 100 vectors");
        for (i, kat) in kats.iter().enumerate() {
            assert_eq!(kat.count, i, "{name}: counts in order");
        }
        Some(kats)
    }

    /// The first vector of a KAT file.
    fn first_kat(params: FalconParams) -> Option<Kat> {
        read_rsp(params).map(|mut kats| kats.swap_remove(0))
    }

    /// A vector's public key, nonce, message and signature.
    type VectorParts = (Vec<u8>, [u8; NONCE_LEN], Vec<u8>, Vec<u8>);

    /// The first vector's signed message, parsed into owned parts.
    fn first_vector(params: FalconParams) -> Option<VectorParts> {
        let kat = first_kat(params)?;
        let p = parse_signed_message(params, &kat.sm).unwrap();
        let parts = (*p.nonce, p.message.to_vec(), p.signature.to_vec());
        verify(params, &kat.pk, &parts.1, &parts.0, &parts.2).unwrap();
        Some((kat.pk, parts.0, parts.1, parts.2))
    }

    // -- test-only encoders -------------------------------------------------------------------

    /// Compress (§3.11.2, Algorithm 17), the inverse of `decompress`, for building test inputs.
    fn compress(s: &[i32]) -> Vec<u8> {
        let mut w = BitWriter {
            bytes: Vec::new(),
            pos: 0,
        };
        for &v in s {
            let m = v.unsigned_abs();
            w.push(u32::from(v < 0), 1);
            w.push(m & 0x7f, 7);
            w.push(1, (m >> 7) + 1); // (m >> 7) zeros, then a one
        }
        w.finish()
    }

    fn with_header(params: FalconParams, body: &[u8]) -> Vec<u8> {
        let mut sig = vec![params.header(SIGNATURE_HEADER)];
        sig.extend_from_slice(body);
        sig
    }

    /// Deterministic pseudo-random coefficients in [0, q).
    fn pseudo_random_poly(n: usize, seed: u64) -> Vec<u32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) % u64::from(Q)) as u32
            })
            .collect()
    }

    // -- parameters and arithmetic ------------------------------------------------------------

    #[test]
    fn params_match_registry_sizes() {
        for params in FalconParams::ALL {
            let sizes = params.algorithm().sizes();
            assert_eq!(params.public_key_len(), sizes.public_key, "{params:?}");
            assert_eq!(params.secret_key_len(), sizes.secret_key, "{params:?}");
            assert_eq!(
                FalconParams::for_algorithm(params.algorithm()),
                Some(params)
            );
        }
        assert_eq!(FalconParams::Falcon512.public_key_len(), 897);
        assert_eq!(FalconParams::Falcon1024.public_key_len(), 1793);
        assert_eq!(FalconParams::Falcon512.secret_key_len(), 1281);
        assert_eq!(FalconParams::Falcon1024.secret_key_len(), 2305);
        assert_eq!(
            FalconParams::for_algorithm(SignatureAlgorithm::MlDsa44),
            None
        );
    }

    #[test]
    fn generator_has_full_order() {
        // q − 1 = 2¹²·3: g generates Z_q^* iff g^((q−1)/2) ≠ 1 and g^((q−1)/3) ≠ 1.
        assert_ne!(pow_mod(GENERATOR, (Q - 1) / 2), 1);
        assert_ne!(pow_mod(GENERATOR, (Q - 1) / 3), 1);
        for params in FalconParams::ALL {
            let n = params.n();
            assert_eq!(pow_mod(psi(n), n as u32), Q - 1, "ψ^n = −1 for n = {n}");
        }
    }

    #[test]
    fn ntt_product_matches_schoolbook() {
        for params in FalconParams::ALL {
            let n = params.n();
            let a = pseudo_random_poly(n, 1);
            let b = pseudo_random_poly(n, 2);
            let a_i: Vec<i32> = a.iter().map(|&v| v as i32).collect();
            let b_i: Vec<i32> = b.iter().map(|&v| v as i32).collect();
            let expected: Vec<u32> = negacyclic_product(&a_i, &b_i)
                .into_iter()
                .map(|v| v.rem_euclid(i64::from(Q)) as u32)
                .collect();
            assert_eq!(multiply(&a, &b), expected, "n = {n}");
            assert_eq!(inverse_ntt(&ntt(&a)), a, "round trip n = {n}");
            let a_inv = invert(&a).expect("random polynomial invertible");
            let mut one = vec![0u32; n];
            one[0] = 1;
            assert_eq!(multiply(&a, &a_inv), one, "a·a⁻¹ = 1 for n = {n}");
        }
    }

    #[test]
    fn hash_to_point_is_reduced() {
        for params in FalconParams::ALL {
            let c = hash_to_point(params, &[7; NONCE_LEN], b"sonet");
            assert_eq!(c.len(), params.n());
            assert!(c.iter().all(|&v| v < Q));
            assert_ne!(c, hash_to_point(params, &[7; NONCE_LEN], b"sonex"));
        }
    }

    // -- KAT ----------------------------------------------------------------------------------

    #[test]
    fn kat_signed_messages_open() {
        let start = Instant::now();
        let mut verified = 0;
        for params in FalconParams::ALL {
            let Some(kats) = read_rsp(params) else {
                return;
            };
            for kat in kats {
                let parsed = parse_signed_message(params, &kat.sm)
                    .unwrap_or_else(|e| panic!("{params:?} count {}: {e}", kat.count));
                assert_eq!(parsed.message, kat.msg.as_slice(), "count {}", kat.count);
                verify(
                    params,
                    &kat.pk,
                    parsed.message,
                    parsed.nonce,
                    parsed.signature,
                )
                .unwrap_or_else(|e| panic!("{params:?} count {}: {e}", kat.count));
                assert_eq!(open(params, &kat.pk, &kat.sm), Ok(kat.msg.as_slice()));
                verified += 1;
            }
        }
        assert_eq!(verified, 200);
        eprintln!(
            "verified {verified} KAT signed messages in {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn kat_secret_keys_match_public_keys() {
        let start = Instant::now();
        let mut matched = 0;
        for params in FalconParams::ALL {
            let Some(kats) = read_rsp(params) else {
                return;
            };
            for kat in kats {
                let pk = public_key_from_secret_key(params, &kat.sk)
                    .unwrap_or_else(|e| panic!("{params:?} count {}: {e}", kat.count));
                assert_eq!(pk, kat.pk, "{params:?} count {}", kat.count);
                matched += 1;
            }
        }
        assert_eq!(matched, 200);
        eprintln!("matched {matched} KAT key pairs in {:?}", start.elapsed());
    }

    #[test]
    fn kat_signatures_are_canonical_compressed_encodings() {
        for params in FalconParams::ALL {
            let Some(kats) = read_rsp(params) else {
                return;
            };
            for kat in kats {
                let sig = parse_signed_message(params, &kat.sm).unwrap().signature;
                let s2 = decode_signature(params, sig).unwrap();
                assert_eq!(
                    with_header(params, &compress(&s2)),
                    sig,
                    "count {}",
                    kat.count
                );
                let h = decode_public_key(params, &kat.pk).unwrap();
                assert_eq!(encode_public_key(params, &h), kat.pk, "count {}", kat.count);
            }
        }
    }

    // -- negative tests -----------------------------------------------------------------------

    #[test]
    fn flipped_signature_bits_are_rejected() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            // Every bit after the header (the header is covered by `wrong_headers_are_malformed`).
            for bit in 8..sig.len() * 8 {
                let mut bad = sig.clone();
                bad[bit / 8] ^= 0x80 >> (bit % 8);
                let result = verify(params, &pk, &msg, &nonce, &bad);
                assert!(result.is_err(), "{params:?} bit {bit} accepted");
            }
        }
    }

    #[test]
    fn flipped_nonce_or_message_bits_are_invalid_signatures() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            for bit in 0..NONCE_LEN * 8 {
                let mut bad = nonce;
                bad[bit / 8] ^= 0x80 >> (bit % 8);
                assert_eq!(
                    verify(params, &pk, &msg, &bad, &sig),
                    Err(PqcError::InvalidSignature),
                    "{params:?} nonce bit {bit}"
                );
            }
            for bit in 0..msg.len() * 8 {
                let mut bad = msg.clone();
                bad[bit / 8] ^= 0x80 >> (bit % 8);
                assert_eq!(
                    verify(params, &pk, &bad, &nonce, &sig),
                    Err(PqcError::InvalidSignature),
                    "{params:?} message bit {bit}"
                );
            }
            let mut longer = msg.clone();
            longer.push(0);
            assert_eq!(
                verify(params, &pk, &longer, &nonce, &sig),
                Err(PqcError::InvalidSignature)
            );
        }
    }

    #[test]
    fn flipped_public_key_bits_are_rejected() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            let mut malformed = 0;
            for bit in 0..pk.len() * 8 {
                let mut bad = pk.clone();
                bad[bit / 8] ^= 0x80 >> (bit % 8);
                match verify(params, &bad, &msg, &nonce, &sig) {
                    Err(PqcError::InvalidSignature) => {}
                    Err(PqcError::Malformed(_)) => malformed += 1,
                    other => panic!("{params:?} public key bit {bit}: {other:?}"),
                }
            }
            // The header bits, and the top bits of coefficients that then reach q, are malformed.
            assert!(malformed >= 8, "{params:?}: {malformed}");
        }
    }

    #[test]
    fn truncated_or_extended_signed_messages_are_errors() {
        for params in FalconParams::ALL {
            let Some(kat) = first_kat(params) else {
                return;
            };
            for len in 0..kat.sm.len() {
                assert!(
                    open(params, &kat.pk, &kat.sm[..len]).is_err(),
                    "{params:?} sm truncated to {len} bytes accepted"
                );
            }
            let mut extended = kat.sm.clone();
            extended.push(0);
            assert!(open(params, &kat.pk, &extended).is_err());
            // A declared length larger than the data.
            let mut overlong = kat.sm.clone();
            overlong[0] = 0xff;
            assert!(matches!(
                parse_signed_message(params, &overlong),
                Err(PqcError::Malformed(_))
            ));
            // A signed message from the other parameter set.
            let other = FalconParams::ALL
                .into_iter()
                .find(|&p| p != params)
                .unwrap();
            assert!(matches!(
                parse_signed_message(other, &kat.sm),
                Err(PqcError::Malformed(_))
            ));
        }
    }

    #[test]
    fn wrong_headers_are_malformed() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            let Some(kat) = first_kat(params) else {
                return;
            };
            for header in 0..=u8::MAX {
                if header != sig[0] {
                    let mut bad = sig.clone();
                    bad[0] = header;
                    assert_eq!(
                        verify(params, &pk, &msg, &nonce, &bad),
                        Err(PqcError::Malformed("Falcon signature header"))
                    );
                }
                if header != pk[0] {
                    let mut bad = pk.clone();
                    bad[0] = header;
                    assert_eq!(
                        verify(params, &bad, &msg, &nonce, &sig),
                        Err(PqcError::Malformed("Falcon public key header"))
                    );
                }
                if header != kat.sk[0] {
                    let mut bad = kat.sk.clone();
                    bad[0] = header;
                    assert_eq!(
                        public_key_from_secret_key(params, &bad),
                        Err(PqcError::Malformed("Falcon secret key header"))
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            let Some(kat) = first_kat(params) else {
                return;
            };
            assert!(matches!(
                verify(params, &pk[..pk.len() - 1], &msg, &nonce, &sig),
                Err(PqcError::InvalidLength { .. })
            ));
            assert!(matches!(
                public_key_from_secret_key(params, &kat.sk[1..]),
                Err(PqcError::InvalidLength { .. })
            ));
            assert!(matches!(
                verify(params, &pk, &msg, &nonce, &[]),
                Err(PqcError::Malformed(_))
            ));
        }
    }

    #[test]
    fn non_canonical_compressed_encodings_are_malformed() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            let n = params.n();
            let run = |body: &[u8]| verify(params, &pk, &msg, &nonce, &with_header(params, body));
            let is_malformed = |r: Result<(), PqcError>| matches!(r, Err(PqcError::Malformed(_)));

            // A short valid encoding of s2 = 0 (which decodes, then fails the norm check).
            let zeros = compress(&vec![0; n]);
            assert_eq!(run(&zeros), Err(PqcError::InvalidSignature));

            // Trailing zero byte; truncation.
            let mut extra = sig[1..].to_vec();
            extra.push(0);
            assert!(is_malformed(run(&extra)));
            assert!(is_malformed(run(&sig[1..sig.len() - 1])));

            // A non-zero padding bit: s2 = (1, 0, ...) takes 9n + 1 bits... use a coefficient
            // layout whose length is not a multiple of 8 and set the first padding bit.
            let mut s = vec![0i32; n];
            s[0] = 1 << 7; // one extra unary zero: 9n + 1 bits, 7 padding bits
            let mut padded = compress(&s);
            assert_eq!(run(&padded), Err(PqcError::InvalidSignature));
            *padded.last_mut().unwrap() |= 1;
            assert_eq!(
                run(&padded),
                Err(PqcError::Malformed(
                    "Falcon signature: non-zero padding or trailing data"
                ))
            );

            // "−0": sign bit set, magnitude 0.
            let mut minus_zero = zeros.clone();
            minus_zero[0] |= 0x80;
            assert_eq!(
                run(&minus_zero),
                Err(PqcError::Malformed("Falcon signature: negative zero"))
            );

            // |s| = 2047 is the largest representable value; 2048 overflows the unary part.
            s[0] = 2047;
            assert_eq!(run(&compress(&s)), Err(PqcError::InvalidSignature));
            s[0] = -2047;
            assert_eq!(run(&compress(&s)), Err(PqcError::InvalidSignature));
            s[0] = 2048;
            assert_eq!(
                run(&compress(&s)),
                Err(PqcError::Malformed(
                    "Falcon signature: coefficient out of range (unary part too long)"
                ))
            );
            // All-zero bytes: the unary part never terminates.
            assert!(is_malformed(run(&[0; 16])));
        }
    }

    #[test]
    fn public_key_coefficient_at_least_q_is_malformed() {
        for params in FalconParams::ALL {
            let Some((pk, nonce, msg, sig)) = first_vector(params) else {
                return;
            };
            for value in [Q, (1 << PUBLIC_KEY_BITS) - 1] {
                let mut h = decode_public_key(params, &pk).unwrap();
                h[3] = value;
                let bad = encode_public_key(params, &h);
                assert_eq!(
                    verify(params, &bad, &msg, &nonce, &sig),
                    Err(PqcError::Malformed("Falcon public key: coefficient ≥ q"))
                );
            }
            let mut h = decode_public_key(params, &pk).unwrap();
            h[3] = Q - 1;
            assert_eq!(
                verify(params, &encode_public_key(params, &h), &msg, &nonce, &sig),
                Err(PqcError::InvalidSignature)
            );
        }
    }

    #[test]
    fn inconsistent_secret_keys_are_malformed() {
        for params in FalconParams::ALL {
            let Some(kat) = first_kat(params) else {
                return;
            };
            let fg_bytes = params.n() * params.fg_bits() as usize / 8;
            let is_malformed = |sk: &[u8]| {
                matches!(
                    public_key_from_secret_key(params, sk),
                    Err(PqcError::Malformed(_))
                )
            };

            // f = 0 is not invertible.
            let mut zero_f = kat.sk.clone();
            zero_f[1..1 + fg_bytes].fill(0);
            assert_eq!(
                public_key_from_secret_key(params, &zero_f),
                Err(PqcError::Malformed(
                    "Falcon secret key: f is not invertible mod q"
                ))
            );

            // Changing one coefficient of F (8-bit two's complement, not to −128).
            let f_start = 1 + 2 * fg_bytes;
            let mut bad_big_f = kat.sk.clone();
            bad_big_f[f_start + 5] = if bad_big_f[f_start + 5] == 0 { 1 } else { 0 };
            assert!(is_malformed(&bad_big_f));
            // −128 is non-canonical.
            let mut min_big_f = kat.sk.clone();
            min_big_f[f_start + 5] = 0x80;
            assert_eq!(
                public_key_from_secret_key(params, &min_big_f),
                Err(PqcError::Malformed(
                    "Falcon secret key: coefficient −2^(bits−1) is not canonical"
                ))
            );

            // Changing the last coefficient of g breaks h and the NTRU equation.
            let mut bad_g = kat.sk.clone();
            bad_g[f_start - 1] ^= 1;
            assert!(is_malformed(&bad_g), "{params:?}: altered g accepted");

            // A flipped bit in f, g or F never yields the KAT public key (the first 16 bytes of
            // each; the NTRU check is quadratic, so not every bit).
            for region_start in [1, 1 + fg_bytes, f_start] {
                for bit in region_start * 8..(region_start + 16) * 8 {
                    let mut bad = kat.sk.clone();
                    bad[bit / 8] ^= 0x80 >> (bit % 8);
                    assert!(
                        public_key_from_secret_key(params, &bad).as_ref() != Ok(&kat.pk),
                        "{params:?} secret key bit {bit}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_inputs_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2400),
            nonce in proptest::prelude::any::<[u8; NONCE_LEN]>(),
            big in proptest::prelude::any::<bool>(),
        ) {
            let params = if big { FalconParams::Falcon1024 } else { FalconParams::Falcon512 };
            let _ = parse_signed_message(params, &body);
            let _ = open(params, &body, &body);
            // Right-length keys with the right header reach the decoders proper.
            let mut pk = vec![params.header(PUBLIC_KEY_HEADER)];
            pk.extend(body.iter().cycle().take(params.public_key_len() - 1));
            let sig = with_header(params, &body);
            let _ = verify(params, &pk, &body, &nonce, &sig);
            let mut sk = vec![params.header(SECRET_KEY_HEADER)];
            sk.extend(body.iter().cycle().take(params.secret_key_len() - 1));
            let _ = public_key_from_secret_key(params, &sk);
        }
    }
}
