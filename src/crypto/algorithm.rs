//! The parameter-set registry: every algorithm Sonet knows, with its encoded sizes as constants
//! taken from the FIPS 203 / 204 / 205 tables and the Falcon round-3 specification.

use std::fmt;
use std::str::FromStr;

use super::PqcError;

/// Encoded sizes of an ML-KEM parameter set (FIPS 203, Table 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KemSizes {
    /// Encapsulation key ek, bytes (384k + 32).
    pub encapsulation_key: usize,
    /// Decapsulation key dk in the expanded form dkₚₖₑ ‖ ek ‖ H(ek) ‖ z, bytes (768k + 96).
    pub decapsulation_key: usize,
    /// Ciphertext c, bytes (32(dᵤk + dᵥ)).
    pub ciphertext: usize,
    /// Shared secret K, bytes (always 32).
    pub shared_secret: usize,
}

/// A key-encapsulation parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KemAlgorithm {
    /// ML-KEM-512 (k = 2, NIST security category 1).
    MlKem512,
    /// ML-KEM-768 (k = 3, category 3).
    MlKem768,
    /// ML-KEM-1024 (k = 4, category 5).
    MlKem1024,
}

impl KemAlgorithm {
    /// Every ML-KEM parameter set, smallest first.
    pub const ALL: [KemAlgorithm; 3] = [Self::MlKem512, Self::MlKem768, Self::MlKem1024];

    /// The name FIPS 203 and ACVP use ("ML-KEM-768").
    pub const fn name(self) -> &'static str {
        match self {
            Self::MlKem512 => "ML-KEM-512",
            Self::MlKem768 => "ML-KEM-768",
            Self::MlKem1024 => "ML-KEM-1024",
        }
    }

    /// The encoded sizes of this parameter set (FIPS 203, Table 3).
    pub const fn sizes(self) -> KemSizes {
        match self {
            Self::MlKem512 => KemSizes {
                encapsulation_key: 800,
                decapsulation_key: 1632,
                ciphertext: 768,
                shared_secret: 32,
            },
            Self::MlKem768 => KemSizes {
                encapsulation_key: 1184,
                decapsulation_key: 2400,
                ciphertext: 1088,
                shared_secret: 32,
            },
            Self::MlKem1024 => KemSizes {
                encapsulation_key: 1568,
                decapsulation_key: 3168,
                ciphertext: 1568,
                shared_secret: 32,
            },
        }
    }

    /// The module rank k (FIPS 203, Table 2).
    pub const fn rank(self) -> usize {
        match self {
            Self::MlKem512 => 2,
            Self::MlKem768 => 3,
            Self::MlKem1024 => 4,
        }
    }
}

impl fmt::Display for KemAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KemAlgorithm {
    type Err = PqcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| PqcError::UnknownAlgorithm(s.to_owned()))
    }
}

/// The signature families, each standardised in its own document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureFamily {
    /// FIPS 204.
    MlDsa,
    /// FIPS 205.
    SlhDsa,
    /// FN-DSA (draft FIPS 206); Falcon round 3 for the KAT files.
    FnDsa,
}

/// Encoded sizes of a signature parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureSizes {
    /// Public key, bytes.
    pub public_key: usize,
    /// Secret key, bytes: FIPS 204 skEncode for ML-DSA, SK.seed ‖ SK.prf ‖ PK.seed ‖ PK.root for
    /// SLH-DSA, the round-3 Falcon encoding of f, g, F for FN-DSA.
    pub secret_key: usize,
    /// The exact signature length, or for FN-DSA the padded (maximum) length.
    pub signature: usize,
    /// Length of the key-generation seed: ξ for ML-DSA, SK.seed‖SK.prf‖PK.seed for SLH-DSA.
    /// FN-DSA seeds an RNG and accepts any length; 48 is the length of the KAT seeds.
    pub keygen_seed: usize,
}

macro_rules! signature_algorithms {
    ($( $variant:ident => $name:literal, $family:ident, pk $pk:literal, sk $sk:literal, sig $sig:literal, seed $seed:literal; )+) => {
        /// A signature parameter set.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SignatureAlgorithm {
            $(
                #[doc = concat!("`", $name, "`: public key ", $pk, " bytes, secret key ", $sk,
                                " bytes (all sizes in [`SignatureSizes`]).")]
                $variant,
            )+
        }

        impl SignatureAlgorithm {
            /// Every signature parameter set: ML-DSA, then SLH-DSA (SHA2, then SHAKE), then FN-DSA.
            pub const ALL: &'static [SignatureAlgorithm] = &[ $( Self::$variant, )+ ];

            /// The name the standard and ACVP use ("ML-DSA-65", "SLH-DSA-SHA2-128s", "FN-DSA-512").
            pub const fn name(self) -> &'static str {
                match self { $( Self::$variant => $name, )+ }
            }

            /// The standard that defines this parameter set.
            pub const fn family(self) -> SignatureFamily {
                match self { $( Self::$variant => SignatureFamily::$family, )+ }
            }

            /// The encoded sizes (FIPS 204 Table 2, FIPS 205 Table 2, Falcon round-3 specification
            /// §3.13).
            pub const fn sizes(self) -> SignatureSizes {
                match self {
                    $( Self::$variant => SignatureSizes {
                        public_key: $pk, secret_key: $sk, signature: $sig, keygen_seed: $seed,
                    }, )+
                }
            }
        }
    };
}

signature_algorithms! {
    MlDsa44 => "ML-DSA-44", MlDsa, pk 1312, sk 2560, sig 2420, seed 32;
    MlDsa65 => "ML-DSA-65", MlDsa, pk 1952, sk 4032, sig 3309, seed 32;
    MlDsa87 => "ML-DSA-87", MlDsa, pk 2592, sk 4896, sig 4627, seed 32;
    SlhDsaSha2_128s => "SLH-DSA-SHA2-128s", SlhDsa, pk 32, sk 64, sig 7856, seed 48;
    SlhDsaSha2_128f => "SLH-DSA-SHA2-128f", SlhDsa, pk 32, sk 64, sig 17088, seed 48;
    SlhDsaSha2_192s => "SLH-DSA-SHA2-192s", SlhDsa, pk 48, sk 96, sig 16224, seed 72;
    SlhDsaSha2_192f => "SLH-DSA-SHA2-192f", SlhDsa, pk 48, sk 96, sig 35664, seed 72;
    SlhDsaSha2_256s => "SLH-DSA-SHA2-256s", SlhDsa, pk 64, sk 128, sig 29792, seed 96;
    SlhDsaSha2_256f => "SLH-DSA-SHA2-256f", SlhDsa, pk 64, sk 128, sig 49856, seed 96;
    SlhDsaShake128s => "SLH-DSA-SHAKE-128s", SlhDsa, pk 32, sk 64, sig 7856, seed 48;
    SlhDsaShake128f => "SLH-DSA-SHAKE-128f", SlhDsa, pk 32, sk 64, sig 17088, seed 48;
    SlhDsaShake192s => "SLH-DSA-SHAKE-192s", SlhDsa, pk 48, sk 96, sig 16224, seed 72;
    SlhDsaShake192f => "SLH-DSA-SHAKE-192f", SlhDsa, pk 48, sk 96, sig 35664, seed 72;
    SlhDsaShake256s => "SLH-DSA-SHAKE-256s", SlhDsa, pk 64, sk 128, sig 29792, seed 96;
    SlhDsaShake256f => "SLH-DSA-SHAKE-256f", SlhDsa, pk 64, sk 128, sig 49856, seed 96;
    FnDsa512 => "FN-DSA-512", FnDsa, pk 897, sk 1281, sig 666, seed 48;
    FnDsa1024 => "FN-DSA-1024", FnDsa, pk 1793, sk 2305, sig 1280, seed 48;
}

impl SignatureAlgorithm {
    /// SLH-DSA security parameter n (bytes); `None` for the lattice schemes.
    pub const fn slh_dsa_n(self) -> Option<usize> {
        match self.family() {
            SignatureFamily::SlhDsa => Some(self.sizes().public_key / 2),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = PqcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| PqcError::UnknownAlgorithm(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str() {
        for alg in KemAlgorithm::ALL {
            assert_eq!(alg.name().parse::<KemAlgorithm>().unwrap(), alg);
        }
        for &alg in SignatureAlgorithm::ALL {
            assert_eq!(alg.name().parse::<SignatureAlgorithm>().unwrap(), alg);
        }
        assert!("ML-KEM-999".parse::<KemAlgorithm>().is_err());
    }

    #[test]
    fn registry_holds_every_standard_parameter_set() {
        let count = |fam| {
            SignatureAlgorithm::ALL
                .iter()
                .filter(|a| a.family() == fam)
                .count()
        };
        assert_eq!(count(SignatureFamily::MlDsa), 3);
        assert_eq!(count(SignatureFamily::SlhDsa), 12);
        assert_eq!(count(SignatureFamily::FnDsa), 2);
    }

    #[test]
    fn slh_dsa_key_sizes_follow_n() {
        // FIPS 205 §9.1: PK = PK.seed‖PK.root (2n), SK = SK.seed‖SK.prf‖PK (4n).
        for &alg in SignatureAlgorithm::ALL {
            if let Some(n) = alg.slh_dsa_n() {
                let s = alg.sizes();
                assert_eq!(s.secret_key, 4 * n, "{alg}");
                assert_eq!(s.keygen_seed, 3 * n, "{alg}");
            }
        }
    }
}
