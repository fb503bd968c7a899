//! Secret material: zeroized on drop, never printed.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret bytes: zeroized on drop, and `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `bytes`; they are zeroized when the value is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    /// The secret bytes; a copy the caller makes is not zeroized by this type.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// The length in bytes (the only thing `Debug` shows).
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether the secret has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(b: &[u8]) -> Self {
        Self(b.to_vec())
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let secret = SecretBytes::new(vec![0xAB; 4]);
        let shown = format!("{secret:?}");
        assert_eq!(shown, "SecretBytes(4 bytes)");
        assert!(!shown.to_lowercase().contains("ab"));
    }
}
