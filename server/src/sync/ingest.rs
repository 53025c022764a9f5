//! Reading a push: the request as a whole, then each change on its own.
//!
//! Problems with the request as a whole (not JSON, wrong shape, wrong
//! protocol, too many changes) are an [`ApiError`]; problems with one change
//! are that change's `Rejected` result and never touch the others. This is
//! pure (no I/O), so it is property-tested directly.
use beatbook_core::sync::{
    canonical_bytes, ChangeResult, Outcome, PushRequest, Rejection, MAX_CHANGES_PER_PUSH,
    PROTOCOL_VERSION,
};
use beatbook_core::validate::MAX_SHORT_TEXT;
use beatbook_core::{Revision, RevisionId};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::http::error::ApiError;

/// Longest error detail sent back; serde messages can quote the input.
const MAX_DETAIL: usize = 300;

/// A push whose envelope was acceptable.
#[derive(Debug)]
pub struct DecodedPush {
    pub device_id: String,
    /// One per change, in request order.
    pub slots: Vec<Slot>,
}

// `Ready` is the common case and is moved on to the writer whole; boxing it
// would only add an allocation per change.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Slot {
    /// Readable and valid on its own: the writer decides against what is held.
    Ready(Accepted),
    /// Already answered here (unreadable or invalid).
    Answered(ChangeResult),
}

/// A valid revision with its canonical JSON, ready for the writer.
#[derive(Debug)]
pub struct Accepted {
    pub index: usize,
    pub rev: Revision,
    pub body: String,
}

#[derive(Deserialize)]
struct ProtocolOnly {
    protocol: u32,
}

#[derive(Deserialize)]
struct IdOnly {
    id: RevisionId,
}

/// Decodes a push body. `now` is the server clock the revisions' times are
/// checked against.
pub fn decode_push(bytes: &[u8], now: DateTime<Utc>) -> Result<DecodedPush, ApiError> {
    let request: PushRequest<&RawValue> = match serde_json::from_slice(bytes) {
        Ok(request) => request,
        Err(e) => {
            // A request from another protocol version may be shaped
            // differently: say that, rather than what its shape breaks.
            if let Ok(p) = serde_json::from_slice::<ProtocolOnly>(bytes) {
                if p.protocol != PROTOCOL_VERSION {
                    return Err(ApiError::unsupported_protocol(p.protocol));
                }
            }
            return Err(envelope_error(bytes, &e));
        }
    };
    if request.protocol != PROTOCOL_VERSION {
        return Err(ApiError::unsupported_protocol(request.protocol));
    }
    if request.changes.len() > MAX_CHANGES_PER_PUSH {
        return Err(ApiError::TooManyChanges {
            count: request.changes.len(),
        });
    }
    if request.device_id.chars().count() > MAX_SHORT_TEXT
        || request.device_id.chars().any(char::is_control)
    {
        return Err(ApiError::BadPush(format!(
            "device_id must be at most {MAX_SHORT_TEXT} characters with no control characters"
        )));
    }
    let device_now = beatbook_core::sync::check_clock(now, request.device_time);
    let slots = request
        .changes
        .iter()
        .enumerate()
        .map(|(index, raw)| decode_change(index, raw, now, device_now))
        .collect();
    Ok(DecodedPush {
        device_id: request.device_id,
        slots,
    })
}

fn envelope_error(bytes: &[u8], e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::MalformedJson(clip(&e.to_string()))
        }
        Category::Data => {
            // Parse again with path tracking, only on this (rare) path.
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let detail =
                match serde_path_to_error::deserialize::<_, PushRequest<&RawValue>>(&mut de) {
                    Err(e) => with_path(&e.path().to_string(), e.inner()),
                    Ok(_) => e.to_string(),
                };
            ApiError::BadPush(clip(&detail))
        }
    }
}

/// One change: readable? valid? Then its canonical bytes. Its times are
/// checked against the later of `device_now` (the push's clock, if the phone
/// runs ahead) and the clock it carried when saved (`Revision::check_clock`):
/// a phone whose clock ran ahead is judged by that clock, up to a day.
pub fn decode_change(
    index: usize,
    raw: &RawValue,
    now: DateTime<Utc>,
    device_now: DateTime<Utc>,
) -> Slot {
    let rev: Revision = match serde_json::from_str(raw.get()) {
        Ok(rev) => rev,
        Err(_) => {
            let mut de = serde_json::Deserializer::from_str(raw.get());
            let detail = match serde_path_to_error::deserialize::<_, Revision>(&mut de) {
                Err(e) => with_path(&e.path().to_string(), e.inner()),
                Ok(_) => "unreadable change".to_owned(),
            };
            let id = serde_json::from_str::<IdOnly>(raw.get()).ok().map(|p| p.id);
            return rejected(
                index,
                id,
                Rejection::Malformed {
                    detail: clip(&detail),
                },
            );
        }
    };
    if let Err(errors) = rev.check(rev.check_clock(now).max(device_now)) {
        return rejected(index, Some(rev.id), Rejection::Invalid { errors });
    }
    let body = match canonical_bytes(&rev).map(String::from_utf8) {
        Ok(Ok(body)) => body,
        // serde_json writes UTF-8 and cannot fail on these types; answer
        // rather than panic if that ever changes.
        _ => {
            let detail = "could not re-encode the change".to_owned();
            return rejected(index, Some(rev.id), Rejection::Malformed { detail });
        }
    };
    Slot::Ready(Accepted { index, rev, body })
}

fn rejected(index: usize, id: Option<RevisionId>, reason: Rejection) -> Slot {
    Slot::Answered(ChangeResult::new(index, id, Outcome::Rejected { reason }))
}

fn with_path(path: &str, inner: &serde_json::Error) -> String {
    if path == "." {
        inner.to_string()
    } else {
        format!("{path}: {inner}")
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_DETAIL {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(MAX_DETAIL).collect();
        clipped.push('…');
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_tools::sample::Device;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn push_json(changes: &[serde_json::Value]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "protocol": PROTOCOL_VERSION,
            "device_id": "dev-1",
            "changes": changes,
        }))
        .unwrap()
    }

    fn one_change(change: serde_json::Value) -> Slot {
        let mut push = decode_push(&push_json(&[change]), now()).unwrap();
        push.slots.remove(0)
    }

    fn valid_change() -> serde_json::Value {
        let rev = Device::new(1, "officer-1", now()).revisions(3).remove(2);
        serde_json::to_value(rev).unwrap()
    }

    fn rejection(slot: Slot) -> Rejection {
        match slot {
            Slot::Answered(ChangeResult {
                outcome: Outcome::Rejected { reason },
                ..
            }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_change_is_ready_with_canonical_body() {
        let change = valid_change();
        match one_change(change.clone()) {
            Slot::Ready(a) => {
                let rev: Revision = serde_json::from_value(change).unwrap();
                assert_eq!(a.body.as_bytes(), canonical_bytes(&rev).unwrap());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_record_kind_is_malformed_and_names_the_field() {
        let mut change = valid_change();
        change["record"] = serde_json::json!({"pizza": {}});
        let Rejection::Malformed { detail } = rejection(one_change(change)) else {
            panic!("expected malformed");
        };
        assert!(detail.contains("record"), "{detail}");
        assert!(detail.contains("pizza"), "{detail}");
    }

    #[test]
    fn missing_field_is_named_and_the_id_still_reported() {
        let mut change = valid_change();
        let id = change["id"].clone();
        change.as_object_mut().unwrap().remove("officer_id");
        let slot = one_change(change);
        let Slot::Answered(result) = &slot else {
            panic!()
        };
        assert_eq!(serde_json::to_value(result.id).unwrap(), id);
        let Rejection::Malformed { detail } = rejection(slot) else {
            panic!()
        };
        assert!(detail.contains("officer_id"), "{detail}");
    }

    #[test]
    fn wrong_type_names_the_path() {
        let mut change = valid_change();
        change["seq"] = "one".into();
        let Rejection::Malformed { detail } = rejection(one_change(change)) else {
            panic!()
        };
        assert!(detail.starts_with("seq:"), "{detail}");
    }

    #[test]
    fn absurd_dates_are_invalid() {
        for year in ["2999", "1970"] {
            let mut change = valid_change();
            change["occurred_at"] = format!("{year}-01-01T00:00:00Z").into();
            let Rejection::Invalid { errors } = rejection(one_change(change)) else {
                panic!()
            };
            assert_eq!(errors[0].field, "occurred_at");
        }
    }

    #[test]
    fn envelope_problems_are_request_errors() {
        let cases: &[(&[u8], &str)] = &[
            (b"{", "malformed_json"),
            (b"[]", "bad_request"),
            (
                b"{\"protocol\":1,\"device_id\":\"d\",\"changes\":\"no\"}",
                "bad_request",
            ),
            (
                b"{\"protocol\":\"1\",\"device_id\":\"d\",\"changes\":[]}",
                "bad_request",
            ),
            (
                b"{\"protocol\":99,\"device_id\":\"d\",\"changes\":[]}",
                "unsupported_protocol",
            ),
            (b"{\"protocol\":99,\"changes\":{}}", "unsupported_protocol"),
            (
                b"{\"protocol\":1,\"device_id\":\"d\",\"changes\":[]} x",
                "malformed_json",
            ),
        ];
        for (body, code) in cases {
            let err = decode_push(body, now()).unwrap_err();
            assert_eq!(
                err.code().as_str(),
                *code,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let err = decode_push(
            b"{\"protocol\":1,\"device_id\":\"d\",\"changes\":\"no\"}",
            now(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("changes"), "{err}");
    }

    #[test]
    fn too_many_changes_is_refused_whole() {
        let changes = vec![serde_json::Value::Null; MAX_CHANGES_PER_PUSH + 1];
        let err = decode_push(&push_json(&changes), now()).unwrap_err();
        assert_eq!(err.code().as_str(), "too_many_changes");
    }

    #[test]
    fn long_details_are_clipped() {
        let long = "x".repeat(5000);
        assert!(clip(&long).chars().count() <= MAX_DETAIL + 1);
    }
}
