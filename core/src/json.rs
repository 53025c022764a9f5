//! The JSON reader of the WebAssembly apps: a serde `Deserializer` over a
//! `&str`, for everything the officer app and the API client read (the
//! phone's log, the server's answers, the form's own records).
//!
//! Why not serde_json's: its reader, its positioned and worded errors and
//! its number parsing were the largest part of the download left after our
//! own code. This one keeps its verdicts: the same inputs are read to the
//! same values and the same inputs are refused (the same grammar, escapes,
//! surrogate pairs, duplicate and unknown field rules of the types
//! themselves, a nesting limit of 127, trailing characters refused, values
//! that are skipped checked for grammar only), and numbers are read exactly
//! as the server reads them (serde_json with `float_roundtrip`, see
//! `float.rs`). What it drops is the message: an error says only that the
//! text could not be read, which is all the apps do with one (the server,
//! which explains refusals to people, keeps serde_json).
//! `core/tests/json_reader.rs` holds it to serde_json on random and mangled
//! JSON.
use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};
use std::fmt;

mod float;

/// Text that is not JSON of the type asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unreadable JSON")]
pub struct JsonError;

type Result<T> = std::result::Result<T, JsonError>;

// Every constructor overridden: serde's defaults format a message, and the
// formatting code would come along into the download.
impl de::Error for JsonError {
    fn custom<T: fmt::Display>(_: T) -> Self {
        JsonError
    }
    fn invalid_type(_: Unexpected, _: &dyn Expected) -> Self {
        JsonError
    }
    fn invalid_value(_: Unexpected, _: &dyn Expected) -> Self {
        JsonError
    }
    fn invalid_length(_: usize, _: &dyn Expected) -> Self {
        JsonError
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        JsonError
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        JsonError
    }
    fn missing_field(_: &'static str) -> Self {
        JsonError
    }
    fn duplicate_field(_: &'static str) -> Self {
        JsonError
    }
}

/// Reads `text` as one JSON value of type `T` (whitespace around it only).
pub fn from_str<'a, T: de::Deserialize<'a>>(text: &'a str) -> Result<T> {
    let mut reader = Reader {
        text,
        pos: 0,
        depth: MAX_DEPTH,
        scratch: String::new(),
    };
    let value = T::deserialize(&mut reader)?;
    match reader.skip_space() {
        None => Ok(value),
        Some(_) => Err(JsonError),
    }
}

/// Arrays and objects nested deeper than this are refused (serde_json's
/// limit: 128 counted down, refused at 0), so hostile text cannot exhaust
/// the stack.
const MAX_DEPTH: u8 = 128;

struct Reader<'de> {
    text: &'de str,
    /// A byte index; always at a character boundary between tokens.
    pos: usize,
    depth: u8,
    /// A string with escapes, unescaped.
    scratch: String,
}

/// A number as JSON's grammar and serde_json's types have it.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

fn is_digit(b: Option<u8>) -> bool {
    matches!(b, Some(b'0'..=b'9'))
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.pos += usize::from(b.is_some());
        b
    }

    fn eat(&mut self, b: u8) -> Result<()> {
        if self.next() == Some(b) {
            Ok(())
        } else {
            Err(JsonError)
        }
    }

    /// Skips whitespace; the byte after it.
    fn skip_space(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
        self.peek()
    }

    fn word(&mut self, word: &[u8]) -> Result<()> {
        word.iter().try_for_each(|b| self.eat(*b))
    }

    fn slice(&self, from: usize) -> Result<&'de str> {
        self.text.get(from..self.pos).ok_or(JsonError)
    }

    /// A string's body, after its opening quote, to its closing quote:
    /// `Some` when it had no escape (a slice of the text), else `None` and
    /// the string is in `scratch`. With `keep` false (a skipped value) the
    /// escapes are checked but not decoded, and lone surrogates are let
    /// through (as serde_json does).
    fn string(&mut self, keep: bool) -> Result<Option<&'de str>> {
        self.scratch.clear();
        let mut escaped = false;
        let mut from = self.pos;
        loop {
            match self.peek().ok_or(JsonError)? {
                b'"' => {
                    let tail = self.slice(from)?;
                    self.pos += 1;
                    if !escaped {
                        return Ok(Some(tail));
                    }
                    self.scratch.push_str(tail);
                    return Ok(None);
                }
                b'\\' => {
                    let before = self.slice(from)?;
                    if keep {
                        self.scratch.push_str(before);
                    }
                    self.pos += 1;
                    self.escape(keep)?;
                    escaped = true;
                    from = self.pos;
                }
                0..=0x1f => return Err(JsonError),
                _ => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, keep: bool) -> Result<()> {
        let plain = match self.next().ok_or(JsonError)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                if keep {
                    let c = self.code_point(unit)?;
                    self.scratch.push(c);
                }
                return Ok(());
            }
            _ => return Err(JsonError),
        };
        if keep {
            self.scratch.push(plain);
        }
        Ok(())
    }

    /// The character of a `\u` escape: a pair of surrogates must be two
    /// escapes, lead then trail.
    fn code_point(&mut self, unit: u16) -> Result<char> {
        let code = match unit {
            0xD800..=0xDBFF => {
                self.word(b"\\u")?;
                let trail = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&trail) {
                    return Err(JsonError);
                }
                0x1_0000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(trail) - 0xDC00)
            }
            _ => u32::from(unit),
        };
        char::from_u32(code).ok_or(JsonError)
    }

    fn hex4(&mut self) -> Result<u16> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let digit = char::from(self.next().ok_or(JsonError)?)
                .to_digit(16)
                .ok_or(JsonError)?;
            unit = (unit << 4) | digit as u16;
        }
        Ok(unit)
    }

    /// Reads a string after its opening quote and hands it to `visitor`.
    fn visit_string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.string(true)? {
            Some(text) => visitor.visit_borrowed_str(text),
            None => visitor.visit_str(&self.scratch),
        }
    }

    /// Digits from here; at least one.
    fn digits(&mut self) -> Result<&'de [u8]> {
        let from = self.pos;
        while is_digit(self.peek()) {
            self.pos += 1;
        }
        match self.slice(from)?.as_bytes() {
            [] => Err(JsonError),
            digits => Ok(digits),
        }
    }

    /// A number, at its `-` or first digit.
    fn number(&mut self) -> Result<Number> {
        let negative = self.peek() == Some(b'-');
        self.pos += usize::from(negative);
        let integer = self.digits()?;
        // One leading zero at most.
        if integer.len() > 1 && integer.first() == Some(&b'0') {
            return Err(JsonError);
        }
        let mut fraction: &[u8] = &[];
        if self.peek() == Some(b'.') {
            self.pos += 1;
            fraction = self.digits()?;
        }
        let mut exponent = 0i32;
        let mut huge_exponent = None;
        let has_exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if has_exponent {
            self.pos += 1;
            let minus = self.peek() == Some(b'-');
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let digits = self.digits()?;
            let magnitude = digits.iter().try_fold(0i32, |e, d| {
                e.checked_mul(10)?.checked_add(i32::from(d - b'0'))
            });
            match magnitude {
                Some(e) if minus => exponent = -e,
                Some(e) => exponent = e,
                None => huge_exponent = Some(minus),
            }
        }
        let zero = || integer.iter().chain(fraction).all(|d| *d == b'0');
        if let Some(minus) = huge_exponent {
            // serde_json's rule for an exponent past i32: zero when the
            // digits are zero or the exponent negative, else out of range.
            if !zero() && !minus {
                return Err(JsonError);
            }
            return Ok(Number::F64(if negative { -0.0 } else { 0.0 }));
        }
        if fraction.is_empty() && !has_exponent {
            if let Some(n) = integer.iter().try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            }) {
                return Ok(if !negative {
                    Number::U64(n)
                } else {
                    match (n as i64).wrapping_neg() {
                        // -0 and below i64::MIN are floats.
                        i if i >= 0 => Number::F64(-(n as f64)),
                        i => Number::I64(i),
                    }
                });
            }
        }
        let parts = float::Parts {
            negative,
            integer,
            fraction,
            exponent,
        };
        float::to_f64(&parts)
            .map(Number::F64)
            .map_err(|_| JsonError)
    }

    fn visit_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.number()? {
            Number::U64(n) => visitor.visit_u64(n),
            Number::I64(n) => visitor.visit_i64(n),
            Number::F64(n) => visitor.visit_f64(n),
        }
    }

    /// One nesting level deeper for `read`.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err(JsonError);
        }
        let value = read(self);
        self.depth += 1;
        value
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.nested(|r| {
            r.pos += 1;
            let value = visitor.visit_seq(Seq {
                r: &mut *r,
                first: true,
            })?;
            (r.skip_space() == Some(b']'))
                .then_some(())
                .ok_or(JsonError)?;
            r.pos += 1;
            Ok(value)
        })
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.nested(|r| {
            r.pos += 1;
            let value = visitor.visit_map(Map {
                r: &mut *r,
                first: true,
            })?;
            r.close_map()?;
            Ok(value)
        })
    }

    fn close_map(&mut self) -> Result<()> {
        if self.skip_space() != Some(b'}') {
            return Err(JsonError);
        }
        self.pos += 1;
        Ok(())
    }

    fn colon(&mut self) -> Result<()> {
        match self.skip_space() {
            Some(b':') => self.eat(b':'),
            _ => Err(JsonError),
        }
    }

    /// Skips one value, checking only its grammar (numbers of any size,
    /// any nesting: serde_json's rules for a field nobody reads), without
    /// recursion.
    fn skip_value(&mut self) -> Result<()> {
        let mut open = Vec::new();
        loop {
            match self.skip_space().ok_or(JsonError)? {
                b'n' => self.word(b"null")?,
                b't' => self.word(b"true")?,
                b'f' => self.word(b"false")?,
                b'"' => {
                    self.pos += 1;
                    self.string(false)?;
                }
                b'-' | b'0'..=b'9' => self.skip_number()?,
                bracket @ (b'[' | b'{') => {
                    self.pos += 1;
                    let close = bracket + 2;
                    if self.skip_space() == Some(close) {
                        self.pos += 1;
                    } else {
                        open.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(JsonError),
            }
            // A value ended: close what it ends, or go on after a comma.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                match self.skip_space() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        open.pop();
                    }
                    _ => return Err(JsonError),
                }
            }
        }
    }

    fn skip_key(&mut self) -> Result<()> {
        if self.skip_space() != Some(b'"') {
            return Err(JsonError);
        }
        self.pos += 1;
        self.string(false)?;
        self.colon()
    }

    fn skip_number(&mut self) -> Result<()> {
        self.pos += usize::from(self.peek() == Some(b'-'));
        let integer = self.digits()?;
        if integer.len() > 1 && integer.first() == Some(&b'0') {
            return Err(JsonError);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digits()?;
        }
        Ok(())
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.skip_space().ok_or(JsonError)? {
            b'n' => {
                self.word(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.word(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.word(b"false")?;
                visitor.visit_bool(false)
            }
            b'-' | b'0'..=b'9' => self.visit_number(visitor),
            b'"' => {
                self.pos += 1;
                self.visit_string(visitor)
            }
            b'[' => self.seq(visitor),
            b'{' => self.map(visitor),
            _ => Err(JsonError),
        }
    }

    /// Strings only: a number is no field or variant name (serde's derive
    /// would take it as an index).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.skip_space() != Some(b'"') {
            return Err(JsonError);
        }
        self.pos += 1;
        self.visit_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.skip_space() {
            Some(b'"') => {
                self.pos += 1;
                match self.string(true)? {
                    Some(text) => visitor.visit_borrowed_bytes(text.as_bytes()),
                    None => visitor.visit_bytes(self.scratch.as_bytes()),
                }
            }
            Some(b'[') => self.seq(visitor),
            _ => Err(JsonError),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.skip_space() == Some(b'n') {
            self.word(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// `"Variant"` (a unit variant) or `{"Variant": value}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.skip_space() {
            Some(b'"') => visitor.visit_enum(UnitVariant { r: self }),
            Some(b'{') => self.nested(|r| {
                r.pos += 1;
                let value = visitor.visit_enum(Variant { r: &mut *r })?;
                r.close_map()?;
                Ok(value)
            }),
            _ => Err(JsonError),
        }
    }

    /// Out of an `f32`'s range is refused, as the server refuses it (read
    /// through an `f64`, so a value within half an f32 ulp of a tie could
    /// round apart from serde_json's direct parse; nothing stores `f32`).
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !matches!(self.skip_space(), Some(b'-' | b'0'..=b'9')) {
            return de::Deserializer::deserialize_any(self, visitor);
        }
        let single = match self.number()? {
            Number::U64(n) => n as f32,
            Number::I64(n) => n as f32,
            Number::F64(n) => n as f32,
        };
        if single.is_infinite() {
            return Err(JsonError);
        }
        visitor.visit_f32(single)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    // The visitors of these refuse whatever is not theirs, so reading any
    // value and handing it over gives the same verdicts as serde_json.
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f64 unit unit_struct
        seq tuple tuple_struct map struct
    }
}

struct Seq<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = JsonError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.r.skip_space().ok_or(JsonError)? {
            b']' => return Ok(None),
            _ if self.first => self.first = false,
            b',' => {
                self.r.pos += 1;
                if let None | Some(b']') = self.r.skip_space() {
                    return Err(JsonError);
                }
            }
            _ => return Err(JsonError),
        }
        seed.deserialize(&mut *self.r).map(Some)
    }
}

struct Map<'a, 'de> {
    r: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = JsonError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.r.skip_space().ok_or(JsonError)? {
            b'}' => return Ok(None),
            _ if self.first => self.first = false,
            b',' => {
                self.r.pos += 1;
                self.r.skip_space();
            }
            _ => return Err(JsonError),
        }
        if self.r.peek() != Some(b'"') {
            return Err(JsonError);
        }
        seed.deserialize(Key { r: &mut *self.r }).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.r.colon()?;
        seed.deserialize(&mut *self.r)
    }
}

/// An object's key, at its opening quote: a string, or a number or a bool
/// in quotes for a type that asks for one (a map keyed by numbers).
struct Key<'a, 'de> {
    r: &'a mut Reader<'de>,
}

impl<'de> Key<'_, 'de> {
    fn quoted<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.r.pos += 1;
        if !matches!(self.r.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(JsonError);
        }
        let value = self.r.visit_number(visitor)?;
        self.r.eat(b'"')?;
        Ok(value)
    }
}

macro_rules! quoted_numbers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.quoted(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = JsonError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.r.pos += 1;
        self.r.visit_string(visitor)
    }

    quoted_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.r.pos += 1;
        let value = match self.r.peek() {
            Some(b't') => {
                self.r.word(b"true\"")?;
                true
            }
            Some(b'f') => {
                self.r.word(b"false\"")?;
                false
            }
            _ => return Err(JsonError),
        };
        visitor.visit_bool(value)
    }

    /// Keys are never null.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_enum(self.r, name, variants, visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_bytes(self.r, visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_bytes(self.r, visitor)
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// `{"Variant": value}`, after the `{`.
struct Variant<'a, 'de> {
    r: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'_, 'de> {
    type Error = JsonError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        if self.r.skip_space() != Some(b'"') {
            return Err(JsonError);
        }
        let variant = seed.deserialize(Key { r: &mut *self.r })?;
        self.r.colon()?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = JsonError;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(self.r)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self.r)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(self.r, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(self.r, "", fields, visitor)
    }
}

/// `"Variant"`, at its opening quote: a unit variant only.
struct UnitVariant<'a, 'de> {
    r: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_, 'de> {
    type Error = JsonError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let variant = seed.deserialize(&mut *self.r)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_, 'de> {
    type Error = JsonError;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(JsonError)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(JsonError)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(JsonError)
    }
}
