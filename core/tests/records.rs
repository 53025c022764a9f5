//! Every field of every record is where its declaration (`records!` in
//! `record.rs`) says: in the record's form unless it says `no_form`, and in
//! the decoder's list (`decoders.rs` checks that list against the bytes
//! written). Its `entries.csv` column and what the return reads are held
//! by the server's tests (`export.rs`, `programme.rs`).
use beatbook_core::form::record_fields;
use beatbook_core::wire::Tagged;
use beatbook_core::{Record, RecordKind};

#[test]
fn every_field_has_a_form_field_unless_it_says_not() {
    for kind in RecordKind::ALL {
        // A key `field.entry` is an entry of the map `field`.
        let specs: Vec<&str> = record_fields(kind)
            .iter()
            .map(|s| s.key.split('.').next().unwrap_or(s.key))
            .collect();
        for field in kind.fields() {
            assert_eq!(
                specs.contains(&field.name),
                field.in_form,
                "{kind:?}.{}: in the form {}, declared {}",
                field.name,
                specs.contains(&field.name),
                if field.in_form { "in" } else { "not in" },
            );
        }
        for key in specs {
            assert!(
                kind.fields().iter().any(|f| f.name == key),
                "the {kind:?} form's {key} is no field of the record"
            );
        }
    }
}

#[test]
fn every_field_has_a_decoder_entry() {
    for kind in RecordKind::ALL {
        let declared: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        assert_eq!(Record::empty(kind).fields(), declared, "{kind:?}");
    }
}

#[test]
fn kinds_and_fields_are_named_once() {
    let mut codes: Vec<&str> = RecordKind::ALL.iter().map(|k| k.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), RecordKind::ALL.len());
    assert_eq!(
        <Record as Tagged>::KINDS,
        &RecordKind::ALL.map(RecordKind::code)
    );
    for kind in RecordKind::ALL {
        assert_eq!(RecordKind::from_code(kind.code()), Some(kind));
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::json!(kind.code())
        );
        let mut names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), kind.fields().len(), "{kind:?}");
        // At most 64: the decoder's duplicate check keeps one bit a field.
        assert!(names.len() <= 64, "{kind:?}");
    }
}
