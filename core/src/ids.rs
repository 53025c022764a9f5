//! Client-generated identifiers. Devices mint them offline, so they are random
//! UUIDs (version 4): two devices never collide and a retry always carries the
//! same ID. Written out by hand (16 bytes, the standard text form) rather than
//! with the `uuid` crate, to keep the app's download small.
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u128);

        impl $name {
            /// Builds a version 4 UUID from 16 random bytes (the caller supplies
            /// the randomness: `crypto.getRandomValues` in the app).
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(set_version_4(u128::from_be_bytes(bytes)))
            }

            /// Reads the hyphenated form (`8-4-4-4-12` hex digits) or the 32
            /// hex digits without hyphens.
            pub fn parse(text: &str) -> Option<Self> {
                parse_uuid(text).map(Self)
            }

            /// The 128 bits, for ordering and storage.
            pub fn as_u128(&self) -> u128 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hyphenated(self.0))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hyphenated(self.0))
            }
        }

        /// A UUID in its hyphenated text form (the decoder also reads the
        /// 32 digits without hyphens).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::uuid_schema()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).ok_or_else(|| {
                    de::Error::custom(format_args!("invalid ID \"{text}\": expected a UUID"))
                })
            }
        }
    };
}

/// Sets the version (4, random) and variant (RFC 4122) bits.
fn set_version_4(bits: u128) -> u128 {
    let bits = (bits & !(0xf << 76)) | (0x4 << 76);
    (bits & !(0b11 << 62)) | (0b10 << 62)
}

fn hyphenated(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn parse_uuid(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    let digits: String = match b.len() {
        36 if [8, 13, 18, 23].iter().all(|&i| b[i] == b'-') => text.split('-').collect(),
        32 => text.to_owned(),
        _ => return None,
    };
    if digits.len() != 32 || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&digits, 16).ok()
}

uuid_id! {
    /// Identifies an entry (a shift, a patrol, a stop...) across all its revisions.
    EntryId
}
uuid_id! {
    /// Identifies one immutable revision of an entry: the unit of storage and sync.
    RevisionId
}
uuid_id! {
    /// Identifies one Immediate Justice follow-up (`crate::ij`): made by the
    /// client before it sends, so a resend is known for what it is.
    FollowUpId
}

impl EntryId {
    /// A short reference an officer can read out or write on a receipt
    /// (PACE Code A 4.10: the person may ask for a copy of the record).
    pub fn reference(&self) -> String {
        let hex = format!("{:032X}", self.0);
        format!("BB-{}-{}", &hex[..4], &hex[4..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_make_a_v4_uuid() {
        let id = EntryId::from_random_bytes([7; 16]);
        let text = id.to_string();
        assert_eq!(&text[14..15], "4", "{text}");
        assert!(matches!(&text[19..20], "8" | "9" | "a" | "b"), "{text}");
        assert_eq!(EntryId::parse(&text), Some(id));
        assert_eq!(text, "07070707-0707-4707-8707-070707070707");
    }

    #[test]
    fn reference_is_short_and_stable() {
        let id = EntryId::parse("1a2b3c4d-0000-4000-8000-000000000000").unwrap();
        assert_eq!(id.reference(), "BB-1A2B-3C4D");
    }

    #[test]
    fn parses_both_spellings_and_rejects_the_rest() {
        let a = RevisionId::parse("6F1C2E1A-2B3C-4D5E-8F90-0A1B2C3D4E5F").unwrap();
        let b = RevisionId::parse("6f1c2e1a2b3c4d5e8f900a1b2c3d4e5f").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "6f1c2e1a-2b3c-4d5e-8f90-0a1b2c3d4e5f");
        for bad in [
            "",
            "not-a-uuid",
            "6f1c2e1a-2b3c-4d5e-8f90-0a1b2c3d4e5",
            "6f1c2e1a-2b3c-4d5e-8f90-0a1b2c3d4e5g",
            "6f1c2e1a+2b3c-4d5e-8f90-0a1b2c3d4e5f",
            "+f1c2e1a2b3c4d5e8f900a1b2c3d4e5f",
        ] {
            assert_eq!(RevisionId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn serde_uses_the_hyphenated_text() {
        let id = EntryId::parse("1a2b3c4d-0000-4000-8000-000000000000").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"1a2b3c4d-0000-4000-8000-000000000000\"");
        assert_eq!(serde_json::from_str::<EntryId>(&json).unwrap(), id);
        let err = serde_json::from_str::<EntryId>("\"nope\"").unwrap_err();
        assert!(err.to_string().contains("invalid ID \"nope\""), "{err}");
    }
}
