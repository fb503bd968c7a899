//! The TLS presentation language as RFC 9420 §2.1 uses it: big-endian integers, and
//! variable-length vectors (`<V>`) whose length is a QUIC-style variable-length integer that must
//! use its shortest encoding (§2.1.2).
//!
//! Written for the oracle alone, so that it reads and writes MLS structures without openmls' or
//! any other MLS library's codec.

use super::{OracleError, Result};

/// The largest length a `<V>` prefix can carry (30 bits).
const MAX_VARINT: u64 = (1 << 30) - 1;

/// Appends TLS-encoded values to a byte vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends a `uint8`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes.push(v);
        self
    }

    /// Appends a `uint16`, big-endian.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a `uint32`, big-endian.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a `uint64`, big-endian.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Bytes with no length prefix (a fixed-size field, or an already encoded structure).
    pub fn raw(&mut self, v: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(v);
        self
    }

    /// A variable-length integer in its shortest form.
    ///
    /// Lengths above 2^30 − 1 cannot be expressed; no MLS structure the oracle builds comes
    /// near that, so exceeding it is a programming error.
    pub fn varint(&mut self, v: u64) -> &mut Self {
        assert!(v <= MAX_VARINT, "MLS varint out of range: {v}");
        if v < 1 << 6 {
            self.u8(v as u8)
        } else if v < 1 << 14 {
            self.u16(0x4000 | v as u16)
        } else {
            self.u32(0x8000_0000 | v as u32)
        }
    }

    /// `opaque data<V>`.
    pub fn opaque(&mut self, v: &[u8]) -> &mut Self {
        self.varint(v.len() as u64);
        self.raw(v)
    }

    /// `T items<V>`, each item written by `item`.
    pub fn vector<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Writer, &T)) -> &mut Self {
        let mut inner = Writer::new();
        for i in items {
            item(&mut inner, i);
        }
        self.opaque(&inner.bytes)
    }

    /// `optional<T>`: a presence byte, then the value.
    pub fn optional<T>(&mut self, v: Option<&T>, item: impl FnOnce(&mut Writer, &T)) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                item(self, v);
                self
            }
        }
    }
}

/// Reads TLS-encoded values from a byte slice, refusing anything RFC 9420 does not allow.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    /// How many bytes have been read.
    pub fn position(&self) -> usize {
        self.offset
    }

    /// The bytes read so far since `start` (a [`Reader::position`]), e.g. to hash an encoded
    /// structure exactly as it arrived.
    pub fn consumed_since(&self, start: usize) -> &'a [u8] {
        &self.bytes[start.min(self.offset)..self.offset]
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Errors unless every byte was consumed.
    pub fn finish(&self, what: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(OracleError::Decode {
                what,
                reason: format!("{} trailing bytes", self.remaining()),
            })
        }
    }

    /// The next `len` bytes as they are; [`OracleError::Decode`] for `what` if fewer remain.
    pub fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8]> {
        if self.remaining() < len {
            return Err(OracleError::Decode {
                what,
                reason: format!("needs {len} bytes, {} left", self.remaining()),
            });
        }
        let out = &self.bytes[self.offset..self.offset + len];
        self.offset += len;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// A `uint8`; [`OracleError::Decode`] for `what` if the input ends first.
    pub fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A big-endian `uint16`; [`OracleError::Decode`] for `what` if the input ends first.
    pub fn u16(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// A big-endian `uint32`; [`OracleError::Decode`] for `what` if the input ends first.
    pub fn u32(&mut self, what: &'static str) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// A big-endian `uint64`; [`OracleError::Decode`] for `what` if the input ends first.
    pub fn u64(&mut self, what: &'static str) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// A variable-length integer; a non-minimal encoding or the reserved `11` prefix is an error.
    pub fn varint(&mut self, what: &'static str) -> Result<u64> {
        let first = self.u8(what)?;
        let (len, mut value) = match first >> 6 {
            0 => (1, u64::from(first & 0x3f)),
            1 => (2, u64::from(first & 0x3f)),
            2 => (4, u64::from(first & 0x3f)),
            _ => {
                return Err(OracleError::Decode {
                    what,
                    reason: "variable-length integer with the reserved 0b11 prefix".into(),
                })
            }
        };
        for &b in self.take(len - 1, what)? {
            value = (value << 8) | u64::from(b);
        }
        let minimal = match len {
            1 => true,
            2 => value >= 1 << 6,
            _ => value >= 1 << 14,
        };
        if !minimal {
            return Err(OracleError::Decode {
                what,
                reason: format!("length {value} not in its shortest encoding"),
            });
        }
        Ok(value)
    }

    /// `opaque data<V>`.
    pub fn opaque(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let len = self.varint(what)?;
        let len = usize::try_from(len).map_err(|_| OracleError::Decode {
            what,
            reason: "length does not fit in memory".into(),
        })?;
        self.take(len, what)
    }

    /// `T items<V>`: reads the vector's bytes, then items until they are used up exactly.
    pub fn vector<T>(
        &mut self,
        what: &'static str,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut inner = Reader::new(self.opaque(what)?);
        let mut items = Vec::new();
        while !inner.is_empty() {
            items.push(item(&mut inner)?);
        }
        Ok(items)
    }

    /// `optional<T>`: 0 = absent, 1 = present; any other byte is an error.
    pub fn optional<T>(
        &mut self,
        what: &'static str,
        item: impl FnOnce(&mut Reader<'a>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => item(self).map(Some),
            other => Err(OracleError::Decode {
                what,
                reason: format!("optional presence byte {other}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_in_their_shortest_form() {
        for (value, encoded) in [
            (0u64, &[0x00][..]),
            (37, &[0x25]),
            (63, &[0x3f]),
            (64, &[0x40, 0x40]),
            (15293, &[0x7b, 0xbd]),
            (16384, &[0x80, 0x00, 0x40, 0x00]),
            (494878333, &[0x9d, 0x7f, 0x3e, 0x7d]),
        ] {
            let mut w = Writer::new();
            w.varint(value);
            assert_eq!(w.as_bytes(), encoded, "{value}");
            let mut r = Reader::new(encoded);
            assert_eq!(r.varint("v").unwrap(), value);
            r.finish("v").unwrap();
        }
    }

    #[test]
    fn non_minimal_and_reserved_varints_are_refused() {
        // 37 in two bytes (RFC 9000's example of a valid but non-minimal QUIC encoding).
        assert!(Reader::new(&[0x40, 0x25]).varint("v").is_err());
        assert!(Reader::new(&[0x80, 0x00, 0x00, 0x25]).varint("v").is_err());
        assert!(Reader::new(&[0xc0, 0, 0, 0, 0, 0, 0, 0])
            .varint("v")
            .is_err());
        assert!(Reader::new(&[0x40]).varint("v").is_err());
    }

    #[test]
    fn vectors_and_optionals_consume_exactly_their_bytes() {
        let mut w = Writer::new();
        w.vector(&[1u16, 2, 3], |w, v| {
            w.u16(*v);
        });
        w.optional(Some(&7u8), |w, v| {
            w.u8(*v);
        });
        w.optional(None::<&u8>, |w, v| {
            w.u8(*v);
        });
        let bytes = w.into_bytes();
        assert_eq!(bytes, [6, 0, 1, 0, 2, 0, 3, 1, 7, 0]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.vector("v", |r| r.u16("i")).unwrap(), vec![1, 2, 3]);
        assert_eq!(r.optional("o", |r| r.u8("i")).unwrap(), Some(7));
        assert_eq!(r.optional("o", |r| r.u8("i")).unwrap(), None);
        r.finish("all").unwrap();
        // A vector whose items overrun its length is an error, not a misparse.
        assert!(Reader::new(&[3, 0, 1, 0])
            .vector("v", |r| r.u16("i"))
            .is_err());
        assert!(Reader::new(&[2]).optional("o", |r| r.u8("i")).is_err());
    }
}
