//! The pieces of the decoders written by hand, with the rules of serde's
//! derive, for what the officer app reads most: records ([`Tagged`], from
//! `records!` in `record.rs`), revisions and changes (`revision.rs`), and
//! (through [`crate::decode_struct!`]) the plain structs of core and the
//! app. A leaf of generic helpers: the types they decode use them, not the
//! other way round.
//!
//! `#[derive(Deserialize)]` on a struct writes two visitors (a JSON object
//! and a JSON array) that keep every field in its own local until the end,
//! so each early error return drops all the fields read so far; on the
//! record types that was the largest single function of the app's download,
//! and an internally tagged enum (`Change`) pulled in serde's buffering
//! decoder. Here one map visitor serves every record kind: it starts from
//! the kind's empty record and fills each field in place as it comes, and
//! the key lookup and the duplicate check are shared by all.
//!
//! Same as the derive (with `#[serde(default)]` on the record structs): a
//! missing field keeps its default or is an error if required, an unknown
//! field is skipped, a repeated field is an error (`duplicate field`), a
//! value of the wrong type is an error. Not kept: reading a struct from a
//! JSON array, which nothing writes. Records are written through
//! [`put_field`], to the bytes serde's derive writes (they are what the
//! server compares: `tests/golden.rs`); everything else is written derived. `core/tests/decoders.rs` holds these decoders
//! against a serde-derived twin on random revisions and on JSON made from
//! them with fields missing, repeated, unknown, retyped and null.
/// For [`crate::decode_struct!`], which the app uses too.
pub use serde::de;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, VariantAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Reads one map key as the index of a known field (`None`: unknown).
struct FieldKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|field| *field == key))
    }
}

/// Reads every entry of a map: `set(index, map)` reads the value of the
/// known field `fields[index]`; unknown fields are skipped; a field given
/// twice is an error. At most 64 fields.
pub fn read_fields<'de, A: MapAccess<'de>>(
    map: &mut A,
    fields: &'static [&'static str],
    mut set: impl FnMut(usize, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut seen = 0u64;
    while let Some(key) = map.next_key_seed(FieldKey(fields))? {
        let Some(index) = key else {
            map.next_value::<IgnoredAny>()?;
            continue;
        };
        let bit = 1u64 << (index % 64);
        if seen & bit != 0 {
            let name = fields.get(index).copied().unwrap_or_default();
            return Err(de::Error::duplicate_field(name));
        }
        seen |= bit;
        set(index, map)?;
    }
    Ok(())
}

/// Writes one field of a struct, for the record types' hand-written
/// `Serialize` (`records!` in `record.rs`). Not inlined: one call per
/// field where serde's derive wrote the key, the separators and the value
/// out in full for every field.
#[inline(never)]
pub fn put_field<S: serde::ser::SerializeStruct, T: serde::Serialize + ?Sized>(
    out: &mut S,
    key: &'static str,
    value: &T,
) -> Result<(), S::Error> {
    out.serialize_field(key, value)
}

/// A value a `skip_empty` record field leaves out of the bytes.
pub trait Empty {
    fn is_empty_value(&self) -> bool;
}

impl<T> Empty for Option<T> {
    fn is_empty_value(&self) -> bool {
        self.is_none()
    }
}

impl Empty for String {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> Empty for std::collections::BTreeMap<K, V> {
    fn is_empty_value(&self) -> bool {
        self.is_empty()
    }
}

/// Reads a map value. Not inlined, so each type's decoding is written once
/// and every field of that type calls it (most record fields are strings).
#[inline(never)]
pub fn next_value<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<T, A::Error> {
    map.next_value()
}

/// `impl Deserialize` for a plain struct, as `#[derive(Deserialize)]` reads
/// it from a JSON object, at a fraction of the derive's size (see above):
///
/// ```ignore
/// beatbook_core::decode_struct!(Session {
///     token,                       // required: missing is an error
///     expires_at as Time,          // read through a `Deserialize` newtype
///     user = default,              // missing: `Default::default()`
///     limit = default_limit,       // missing: `default_limit()`
/// });
/// ```
///
/// Every field must be listed (the struct literal it builds does not compile
/// otherwise). Unlike the derive, an `Option` field is required unless it
/// says `= default`. Unknown fields are skipped; a repeated one is an error.
#[macro_export]
macro_rules! decode_struct {
    ($ty:ident { $($field:ident $(as $via:ty)? $(= $default:ident)?),+ $(,)? }) => {
        impl<'de> $crate::wire::de::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::wire::de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$(stringify!($field)),+];
                struct StructVisitor;
                impl<'de> $crate::wire::de::Visitor<'de> for StructVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($ty)))
                    }

                    fn visit_map<A: $crate::wire::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        $(let mut $field = None;)+
                        $crate::wire::read_fields(&mut map, FIELDS, |index, map| {
                            // Each field's position in FIELDS; the compiler
                            // folds these tests into one jump table.
                            let mut position = 0usize;
                            $(
                                if index == position {
                                    $field = Some($crate::decode_struct!(@value map $(, $via)?));
                                }
                                position += 1;
                            )+
                            let _ = position;
                            Ok(())
                        })?;
                        Ok($ty {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::decode_struct!(@missing $field $($default)?),
                            },)+
                        })
                    }
                }
                d.deserialize_struct(stringify!($ty), FIELDS, StructVisitor)
            }
        }
    };
    (@value $map:ident) => {
        $crate::wire::next_value($map)?
    };
    (@value $map:ident, $via:ty) => {
        $crate::wire::next_value::<$via, A>($map)?.0
    };
    (@missing $field:ident default) => {
        Default::default()
    };
    (@missing $field:ident $make:ident) => {
        $make()
    };
    (@missing $field:ident) => {
        return Err($crate::wire::de::Error::missing_field(stringify!($field)))
    };
}

/// Reads a map value into `place`, dropping what was there. Not inlined, so
/// the read, the drop and the store are written once per type, and each
/// record field costs one call.
#[inline(never)]
pub fn read_into<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    place: &mut T,
) -> Result<(), A::Error> {
    *place = map.next_value()?;
    Ok(())
}

/// An enum written as `{"<kind>": {fields}}` (serde's external tagging)
/// whose every kind is a struct, read by [`read_tagged`] from the kind's
/// empty value, one field at a time ([`crate::record::Record`]).
pub trait Tagged: Sized {
    /// The enum's name (for serde's messages).
    const NAME: &'static str;
    /// Each kind's tag on the wire.
    const KINDS: &'static [&'static str];
    /// The empty value of the kind tagged `KINDS[kind]`.
    fn empty(kind: usize) -> Option<Self>;
    /// Its kind's field names, as on the wire (at most 64).
    fn fields(&self) -> &'static [&'static str];
    /// Reads the value of the field `self.fields()[index]` into `self`.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// Reads a [`Tagged`] enum. One visitor for every kind, so the JSON
/// reader's struct handling is written once, not once per kind.
pub fn read_tagged<'de, T: Tagged, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_enum(T::NAME, T::KINDS, TaggedVisitor(PhantomData))
}

struct TaggedVisitor<T>(PhantomData<T>);

impl<'de, T: Tagged> Visitor<'de> for TaggedVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "enum {}", T::NAME)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<T, A::Error> {
        let (kind, fields) = data.variant_seed(KindKey(T::KINDS))?;
        let empty = T::empty(kind).ok_or_else(|| de::Error::custom("no such kind"))?;
        let code = T::KINDS.get(kind).copied().unwrap_or_default();
        fields.newtype_variant_seed(TaggedFields { value: empty, code })
    }
}

/// Reads the tag of a [`Tagged`] enum as the index of its kind.
struct KindKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KindKey {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KindKey {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|kind| *kind == key)
            .ok_or_else(|| E::unknown_variant(key, self.0))
    }
}

/// The object of one kind's fields.
struct TaggedFields<T> {
    value: T,
    code: &'static str,
}

impl<'de, T: Tagged> DeserializeSeed<'de> for TaggedFields<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_struct(self.code, self.value.fields(), self)
    }
}

impl<'de, T: Tagged> Visitor<'de> for TaggedFields<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the fields of a {} record", self.code)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = self.value;
        let fields = value.fields();
        read_fields(&mut map, fields, |index, map| value.read_field(index, map))?;
        Ok(value)
    }
}
