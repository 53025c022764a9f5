//! Client-generated identifiers. Devices mint them offline, so they are random
//! UUIDs (v4): two devices never collide and a retry always carries the same ID.
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Builds a version 4 UUID from 16 random bytes (the caller supplies
            /// the randomness: `crypto.getRandomValues` in the app).
            pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
                Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
            }

            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text).ok().map(Self)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

uuid_id! {
    /// Identifies an entry (a shift, a patrol, a stop...) across all its revisions.
    EntryId
}
uuid_id! {
    /// Identifies one immutable revision of an entry: the unit of storage and sync.
    RevisionId
}

impl EntryId {
    /// A short reference an officer can read out or write on a receipt
    /// (PACE Code A 4.10: the person may ask for a copy of the record).
    pub fn reference(&self) -> String {
        let hex = self.0.simple().to_string().to_ascii_uppercase();
        format!("BB-{}-{}", &hex[..4], &hex[4..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_make_a_v4_uuid() {
        let id = EntryId::from_random_bytes([7; 16]);
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_eq!(EntryId::parse(&id.to_string()), Some(id));
    }

    #[test]
    fn reference_is_short_and_stable() {
        let id = EntryId::parse("1a2b3c4d-0000-4000-8000-000000000000").unwrap();
        assert_eq!(id.reference(), "BB-1A2B-3C4D");
    }
}
