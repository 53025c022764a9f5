//! Typed requests that travel in a URL (the query of a GET, a shift ID in a
//! path), written as the server reads them. Plain Rust: tested natively.
//! Never a token: that goes only in the `Authorization` header.
use beatbook_core::EntryId;

/// `GET /api/v1/shifts`: the shift list's filters. An empty string is no
/// filter (left out of the query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShiftQuery {
    /// First and last day (`YYYY-MM-DD`, the force's local days).
    pub from: String,
    pub to: String,
    pub officer_id: String,
    pub team: String,
    pub area: String,
    /// A record kind code the shift must contain.
    pub kind: String,
    /// `pending`, `approved`, `has_issues` or `rejected`.
    pub review: String,
    /// `start_desc` (the server's default) or `start_asc`.
    pub sort: String,
    /// The `next_cursor` of the previous page.
    pub cursor: String,
    pub page_size: Option<u32>,
}

impl ShiftQuery {
    pub(crate) fn path(&self) -> String {
        let size = self.page_size.map(|n| n.to_string()).unwrap_or_default();
        with_query(
            "/api/v1/shifts",
            &[
                ("from", &self.from),
                ("to", &self.to),
                ("officer_id", &self.officer_id),
                ("team", &self.team),
                ("area", &self.area),
                ("kind", &self.kind),
                ("review", &self.review),
                ("sort", &self.sort),
                ("cursor", &self.cursor),
                ("page_size", &size),
            ],
        )
    }
}

/// `GET /api/v1/revisions` for one shift: every revision of the shift and of
/// what was recorded in it, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftRevisionsQuery {
    pub shift_id: EntryId,
    pub limit: u32,
}

impl ShiftRevisionsQuery {
    pub(crate) fn path(&self) -> String {
        format!(
            "/api/v1/revisions?shift_id={}&limit={}",
            self.shift_id, self.limit
        )
    }
}

/// `GET /api/v1/return` and its CSV: a period and, optionally, one team.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnQuery {
    pub from: String,
    pub to: String,
    /// Empty: every team the supervisor supervises.
    pub team: String,
}

impl ReturnQuery {
    fn pairs(&self) -> [(&'static str, &str); 3] {
        [("from", &self.from), ("to", &self.to), ("team", &self.team)]
    }

    pub(crate) fn path(&self) -> String {
        with_query("/api/v1/return", &self.pairs())
    }

    /// `GET /api/v1/returns/submitted` or `/changes` of this period: the
    /// latest revision.
    pub(crate) fn submitted_path(&self, what: &str) -> String {
        with_query(&format!("/api/v1/returns/{what}"), &self.pairs())
    }

    /// The body of `POST /api/v1/returns`.
    pub(crate) fn submission(&self) -> beatbook_core::returns::SubmitReturn {
        beatbook_core::returns::SubmitReturn {
            from: self.from.clone(),
            to: self.to.clone(),
            team: (!self.team.is_empty()).then(|| self.team.clone()),
        }
    }
}

/// A CSV export. The server records each one with who, when and why
/// (DPA 2018 s62), so every export carries a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    /// `GET /api/v1/export/entries.csv`: one row per entry.
    Entries {
        from: String,
        to: String,
        officer_id: String,
        team: String,
        kind: String,
    },
    /// `GET /api/v1/export/return.csv`: the programme return's rows.
    Return(ReturnQuery),
}

impl Export {
    pub(crate) fn path(&self, reason: &str) -> String {
        match self {
            Self::Entries {
                from,
                to,
                officer_id,
                team,
                kind,
            } => with_query(
                "/api/v1/export/entries.csv",
                &[
                    ("from", from),
                    ("to", to),
                    ("officer_id", officer_id),
                    ("team", team),
                    ("kind", kind),
                    ("reason", reason),
                ],
            ),
            Self::Return(ask) => {
                let [from, to, team] = ask.pairs();
                with_query(
                    "/api/v1/export/return.csv",
                    &[from, to, team, ("reason", reason)],
                )
            }
        }
    }
}

/// `/api/v1/shifts/{id}` (and `suffix` after it, e.g. `/review`).
pub(crate) fn shift_path(shift_id: &str, suffix: &str) -> String {
    let mut path = String::from("/api/v1/shifts/");
    encode_into(&mut path, shift_id);
    path.push_str(suffix);
    path
}

/// `path` with a query from `(name, value)` pairs, leaving out empty values.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::from(path);
    let mut first = true;
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(name);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// Percent-encodes `value` as JavaScript's `encodeURIComponent` does
/// (UTF-8 bytes; letters, digits and `-_.!~*'()` kept).
fn encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_as_encode_uri_component_does() {
        let mut out = String::new();
        encode_into(&mut out, "PC 1/2&x=é?#+'()*~");
        assert_eq!(out, "PC%201%2F2%26x%3D%C3%A9%3F%23%2B'()*~");
    }

    #[test]
    fn the_shift_list_query_leaves_out_empty_filters() {
        assert_eq!(ShiftQuery::default().path(), "/api/v1/shifts");
        let officer = ShiftQuery {
            officer_id: "PC 1".into(),
            review: "has_issues".into(),
            page_size: Some(20),
            ..ShiftQuery::default()
        };
        assert_eq!(
            officer.path(),
            "/api/v1/shifts?officer_id=PC%201&review=has_issues&page_size=20"
        );
        let review = ShiftQuery {
            from: "2026-01-01".into(),
            sort: "start_asc".into(),
            cursor: "abc=".into(),
            ..ShiftQuery::default()
        };
        assert_eq!(
            review.path(),
            "/api/v1/shifts?from=2026-01-01&sort=start_asc&cursor=abc%3D"
        );
    }

    #[test]
    fn the_other_paths() {
        let shift = EntryId::parse("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d").unwrap();
        assert_eq!(
            ShiftRevisionsQuery {
                shift_id: shift,
                limit: 500
            }
            .path(),
            "/api/v1/revisions?shift_id=1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&limit=500"
        );
        assert_eq!(shift_path("a/b", "/review"), "/api/v1/shifts/a%2Fb/review");
        let ask = ReturnQuery {
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            team: String::new(),
        };
        assert_eq!(ask.path(), "/api/v1/return?from=2026-01-01&to=2026-01-31");
        assert_eq!(
            Export::Return(ask).path("monthly return"),
            "/api/v1/export/return.csv?from=2026-01-01&to=2026-01-31&reason=monthly%20return"
        );
        let entries = Export::Entries {
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            officer_id: String::new(),
            team: "North".into(),
            kind: "arrest".into(),
        };
        assert_eq!(
            entries.path("audit"),
            "/api/v1/export/entries.csv?from=2026-01-01&to=2026-01-31&team=North&kind=arrest&reason=audit"
        );
    }
}
