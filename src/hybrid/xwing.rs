//! The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem): X25519 + ML-KEM-768.
