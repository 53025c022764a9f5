//! The apps' JSON reader (`beatbook_core::json`) against serde_json (with
//! `float_roundtrip`, as the server reads): on the same text, both read the
//! same value or both refuse. Through serde's derive for every shape the
//! reader has a path for (strings borrowed and unescaped, options, every
//! kind of enum variant, maps keyed by strings, numbers and bools, tuples,
//! newtypes, chars, unknown fields skipped), through `serde_json::Value`
//! (`deserialize_any`), on hand-picked edges and on valid JSON mangled at
//! random. The records themselves are held to it in `decoders.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use beatbook_core::json;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Deserialize)]
struct Sample {
    text: String,
    maybe: Option<String>,
    small: u8,
    signed: i64,
    big: u64,
    real: f64,
    single: f32,
    flag: bool,
    list: Vec<i32>,
    any: BTreeMap<String, Value>,
    by_number: BTreeMap<i32, String>,
    by_bool: BTreeMap<bool, u8>,
    kind: Kind,
    kinds: Vec<Kind>,
    letter: char,
    nothing: (),
    pair: (u8, String),
    wrapped: Wrapper,
    #[serde(default)]
    absent: Option<u8>,
}

#[derive(Debug, PartialEq, Deserialize)]
enum Kind {
    Plain,
    Newtype(u16),
    Tuple(u8, bool),
    Struct { a: bool },
}

#[derive(Debug, PartialEq, Deserialize)]
struct Wrapper(String);

#[derive(Debug, PartialEq, Deserialize)]
struct Borrowed<'a> {
    #[serde(borrow)]
    s: &'a str,
    #[serde(borrow)]
    bytes: &'a [u8],
}

/// One verdict: the value (as text, so -0.0 and 0.0 differ) or a refusal.
fn verdicts<T>(text: &str, show: impl Fn(&T) -> String) -> (Option<String>, Option<String>)
where
    T: for<'a> Deserialize<'a>,
{
    let ours = json::from_str::<T>(text).ok().as_ref().map(&show);
    let theirs = serde_json::from_str::<T>(text).ok().as_ref().map(&show);
    (ours, theirs)
}

fn same(text: &str) -> Result<(), TestCaseError> {
    let (ours, theirs) = verdicts::<Sample>(text, |v| format!("{v:?}"));
    prop_assert_eq!(ours, theirs, "Sample from {:?}", text);
    let (ours, theirs) = verdicts::<Value>(text, |v| serde_json::to_string(v).unwrap());
    prop_assert_eq!(ours, theirs, "Value from {:?}", text);
    let ours = json::from_str::<Borrowed>(text).ok();
    let theirs = serde_json::from_str::<Borrowed>(text).ok();
    prop_assert_eq!(ours, theirs, "Borrowed from {:?}", text);
    Ok(())
}

fn valid_sample() -> String {
    r#"{"text":"a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\udc6e","maybe":null,"small":255,
"signed":-9223372036854775808,"big":18446744073709551615,"real":-1.5e-7,
"single":3.4028235e38,"flag":true,"list":[1,-2,0],
"any":{"x":[null,true,false,{},[],0.1,-0,1e2]},"by_number":{"-7":"a","12":"b"},
"by_bool":{"true":1,"false":0},"kind":"Plain","kinds":[{"Newtype":7},
{"Tuple":[1,false]},{"Struct":{"a":true}},{"Plain":null}],"letter":"x",
"nothing":null,"pair":[3,"p"],"wrapped":"w","unknown":{"deep":[[1e999,"\ud800"]]},
"s":"plain","bytes":"raw"}"#
        .replace('\n', " ")
}

#[test]
fn the_valid_sample_reads_alike() {
    let text = valid_sample();
    assert!(json::from_str::<Sample>(&text).is_ok());
    assert!(json::from_str::<Borrowed>(&text).is_ok());
    // Out of range and a lone surrogate where a value is read, not skipped.
    assert!(json::from_str::<Value>(&text).is_err());
    same(&text).unwrap();
}

#[test]
fn edges_read_alike() {
    let edges = [
        "0",
        "-0",
        "-0.0",
        "01",
        "1.",
        ".5",
        "1e",
        "1e+",
        "1E-2",
        "+1",
        "--1",
        "1e400",
        "-1e400",
        "1e-400",
        "0e999999999999",
        "1e999999999999",
        "1e-999999999999",
        "18446744073709551616",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "4.9e-324",
        "2e-324",
        "nul",
        "null ",
        " true",
        "truex",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud83d\\udc6e\"",
        "\"\\x\"",
        "\"\u{1}\"",
        "\"\u{7f}\"",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{\"a\":1,}",
        "{,}",
        "{\"a\" 1}",
        "{1:2}",
        "{\"a\":1}x",
        "[] []",
        "",
        " ",
        "\"unterminated",
        "[\"é\",\"\\u00e9\"]",
        "{\"a\":1,\"a\":2}",
    ];
    for text in edges {
        same(text).unwrap();
    }
}

#[test]
fn nesting_is_limited_as_serde_json_limits_it() {
    for depth in [126, 127, 128, 129, 5000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        same(&arrays).unwrap();
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        same(&objects).unwrap();
        // Inside a field nobody reads, any depth is skipped.
        let skipped =
            valid_sample().replacen("\"unknown\":", &format!("\"unknown\":{arrays},\"u2\":"), 1);
        same(&skipped).unwrap();
    }
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(json::from_str::<Value>(&deep).is_err());
}

/// Pieces that break JSON in the ways that matter to a reader.
const PIECES: &[&str] = &[
    ",",
    "]",
    "}",
    "[",
    "{",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00",
    "0",
    "-",
    ".",
    "e",
    "1e400",
    "null",
    " ",
    "\u{1}",
    "true",
    ":",
    "01",
    "1.",
    "-0",
    "\"x\":1",
    "{\"Plain\":1}",
    "\"Newtype\"",
    "é",
    "18446744073709551616",
    "1e-400",
];

proptest! {
    #[test]
    fn mangled_json_reads_alike(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..4, prop::sample::select(PIECES)),
            1..4,
        ),
    ) {
        let mut text = valid_sample();
        for (at, how, piece) in edits {
            let bounds: Vec<usize> = (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let i = *at.get(&bounds);
            let next = bounds.iter().copied().find(|j| *j > i).unwrap_or(i);
            match how {
                0 => text.insert_str(i, piece),
                1 => text.replace_range(i..next, ""),
                2 => text.replace_range(i..next, piece),
                _ => text.truncate(i),
            }
        }
        same(&text)?;
    }

    #[test]
    fn numbers_read_alike(
        minus in any::<bool>(),
        integer in "(0|[1-9][0-9]{0,25})",
        fraction in prop::option::of("[0-9]{1,25}"),
        exponent in prop::option::of(("[eE]", "[+-]?", "[0-9]{1,4}")),
    ) {
        let mut text = format!("{}{integer}", if minus { "-" } else { "" });
        if let Some(f) = fraction {
            text += &format!(".{f}");
        }
        if let Some((e, sign, digits)) = exponent {
            text += &format!("{e}{sign}{digits}");
        }
        let (ours, theirs) = verdicts::<Value>(&text, |v| serde_json::to_string(v).unwrap());
        prop_assert_eq!(ours, theirs, "{}", text);
        let (ours, theirs) = verdicts::<f64>(&text, |v| format!("{:?}", v.to_bits()));
        prop_assert_eq!(ours, theirs, "{}", text);
        let (ours, theirs) = verdicts::<i8>(&text, |v| v.to_string());
        prop_assert_eq!(ours, theirs, "{}", text);
    }

    #[test]
    fn any_f64_reads_back_exactly(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        prop_assume!(f.is_finite());
        let text = serde_json::to_string(&f).unwrap();
        prop_assert_eq!(json::from_str::<f64>(&text).unwrap().to_bits(), bits, "{}", text);
    }

    #[test]
    fn any_text_reads_alike(text in "[\\[\\]{}\",:0-9a-z\\\\. \u{1}é-]{0,24}") {
        let (ours, theirs) = verdicts::<Value>(&text, |v| serde_json::to_string(v).unwrap());
        prop_assert_eq!(ours, theirs, "{:?}", text);
    }
}
