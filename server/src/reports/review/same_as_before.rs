//! The return and the entries export read the new way ("latest" found
//! beside each revision unless a correction moved its entry, rows joined
//! into one text, the return's lean parse on several threads, the export
//! written while the next chunk is read) give exactly what the old way gave
//! (one row per revision, "latest" looked up by entry, whole `Revision`s),
//! on a seeded force with corrections that move entries in time (a patrol
//! into the next month, a shift out of its patrols' window, a stop and
//! search out of its month) and rejected shifts.
use super::{compute_return, Period};
use crate::db::review::NewReview;
use crate::db::{self, format_time, Database, NewRevision, StoredRow};
use crate::reports::export::{csv_line, entry_rows_in_chunks, ENTRY_COLUMNS};
use crate::reports::programme::{self, Item, Span, PATROL_LOOKBACK_HOURS};
use crate::zone::ForceZone;
use beatbook_core::auth::Role;
use beatbook_core::codes::Code;
use beatbook_core::review::ProgrammeReturn;
use beatbook_core::sync::canonical_bytes;
use beatbook_core::{Change, EntryId, Record, RecordKind, Revision, RevisionId};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// The seeded data stops the day before.
const END: &str = "2025-06-01";

struct Seeded {
    _dir: tempfile::TempDir,
    db: Database,
    officers: Vec<String>,
}

async fn seeded() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("force.db").to_str().unwrap().to_owned();
    // The tools' seed writes through this crate's database layer, built
    // once more for them (types never cross: the seed leaves a file).
    let args = beatbook_tools::cli::SeedArgs {
        db: path.clone(),
        officers: 10,
        teams: 2,
        months: 2,
        seed: 5,
        end: Some(END.into()),
        no_passwords: true,
    };
    beatbook_tools::seed::run(&args, &mut Vec::new())
        .await
        .unwrap();
    let mut opened = db::open(&path).await.unwrap();
    let officers: Vec<String> = opened
        .accounts
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.role == Role::Officer)
        .map(|u| u.officer_id)
        .collect();
    let mine = all_latest(&opened.db, &officers[0]).await;
    let pick = |kind: &str, from: &str, to: &str| {
        mine.iter()
            .find(|r| {
                r.kind == kind && r.occurred_at.as_str() >= from && r.occurred_at.as_str() < to
            })
            .unwrap()
            .clone()
    };
    let moves = [
        // A patrol from mid-April into May.
        (
            pick("patrol", "2025-04-10", "2025-04-20"),
            Duration::days(25),
        ),
        // A shift from early May to mid-April, away from its patrols.
        (
            pick("shift", "2025-05-02", "2025-05-10"),
            Duration::days(-20),
        ),
        // A stop and search from May to the start of April.
        (
            pick("stop_search", "2025-05-10", "2025-05-31"),
            Duration::days(-40),
        ),
    ];
    for (n, (row, by)) in moves.iter().enumerate() {
        let (rev, body) = moved(row, *by, n as u8);
        let mut tx = opened.writer.begin().await.unwrap();
        tx.insert_revisions(&[NewRevision {
            rev: &rev,
            body: &body,
            device_id: "test-device",
            received_at: Utc::now(),
            moves_entry: true,
        }])
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // Three of an officer's May shifts rejected; the third approved again
    // afterwards, so it counts.
    let shifts: Vec<String> = all_latest(&opened.db, &officers[1])
        .await
        .into_iter()
        .filter(|r| r.kind == "shift" && r.occurred_at.as_str() >= "2025-05")
        .map(|r| r.entry_id)
        .take(3)
        .collect();
    for (i, shift) in shifts.iter().enumerate() {
        for state in ["rejected", "approved"]
            .iter()
            .take(if i == 2 { 2 } else { 1 })
        {
            let review = NewReview {
                shift_id: shift,
                state,
                comment: "Checked",
                reviewer: "SGT101",
                at: &format_time(Utc::now()),
            };
            opened.accounts.insert_review(&review).await.unwrap();
        }
    }
    Seeded {
        _dir: dir,
        db: opened.db,
        officers,
    }
}

async fn all_latest(db: &Database, officer: &str) -> Vec<StoredRow> {
    db.sqlite_readers()
        .reference_export(officer, None, "", "9999")
        .await
        .unwrap()
}

/// A correction of a stored latest revision moving it (and its end) in time.
fn moved(row: &StoredRow, by: Duration, n: u8) -> (Revision, String) {
    let mut rev: Revision = serde_json::from_str(&row.body).unwrap();
    rev.id = RevisionId::from_random_bytes([n + 1; 16]);
    rev.seq += 1;
    rev.change = Change::Corrected {
        reason: "Wrong day".into(),
    };
    rev.occurred_at += by;
    match &mut rev.record {
        Record::Patrol(p) => p.ended_at = p.ended_at.map(|t| t + by),
        Record::Shift(s) => s.ended_at = s.ended_at.map(|t| t + by),
        _ => {}
    }
    let body = String::from_utf8(canonical_bytes(&rev).unwrap()).unwrap();
    (rev, body)
}

/// The return as it was computed: one row per revision, whole revisions.
async fn reference_return(db: &Database, officers: &[String], period: &Period) -> ProgrammeReturn {
    let (_, end) = period.bounds();
    let lookback = format_time(period.start - Duration::hours(PATROL_LOOKBACK_HOURS));
    let kinds = [
        RecordKind::Patrol.code(),
        RecordKind::StopSearch.code(),
        RecordKind::Arrest.code(),
        RecordKind::AsbIntervention.code(),
        RecordKind::IjReferral.code(),
    ];
    let mut entries: Vec<Revision> = db
        .sqlite_readers()
        .reference_latest_in_window(&kinds, officers, &lookback, &end)
        .await
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    // Referrals from before the window completed in the period, and the
    // patrols they were made on: every referral read, the days compared.
    let completed: Vec<Revision> = db
        .sqlite_readers()
        .reference_latest_in_window(&[RecordKind::IjReferral.code()], officers, "", &lookback)
        .await
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str::<Revision>(b).unwrap())
        .filter(|r| match &r.record {
            Record::IjReferral(ij) => ij
                .completed_on
                .is_some_and(|d| period.from <= d && d <= period.to),
            _ => false,
        })
        .collect();
    let patrol_ids: Vec<String> = completed
        .iter()
        .filter_map(|r| r.patrol_id.map(|p| p.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    entries.extend(completed);
    entries.extend(
        db.sqlite_readers()
            .reference_latest_of_entries(&patrol_ids)
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str::<Revision>(&r.body).unwrap()),
    );
    let shift_ids: Vec<String> = entries
        .iter()
        .filter_map(|e| e.shift_id)
        .collect::<BTreeSet<_>>()
        .iter()
        .map(ToString::to_string)
        .collect();
    let shifts: Vec<Revision> = db
        .sqlite_readers()
        .reference_latest_of_entries(&shift_ids)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let rejected: HashSet<EntryId> = db
        .rejected_among(&shift_ids)
        .await
        .unwrap()
        .iter()
        .filter_map(|s| EntryId::parse(s))
        .collect();
    let entries: Vec<Item<'_>> = entries.iter().map(Item::from_revision).collect();
    let shifts: Vec<Item<'_>> = shifts.iter().map(Item::from_revision).collect();
    let span = Span {
        start: period.start,
        end: period.end,
        zone: period.zone,
    };
    let mut ret = programme::compute(
        period.from.to_string(),
        period.to.to_string(),
        span,
        &shifts,
        &entries,
        &rejected,
    );
    programme::name_hotspots(&mut ret, &[]);
    ret
}

fn period(from: &str, to: &str) -> Period {
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    Period::new(day(from), day(to), ForceZone::default()).unwrap()
}

#[tokio::test]
async fn the_return_is_what_it_was() {
    let s = seeded().await;
    let half = s.officers[..s.officers.len() / 2].to_vec();
    let one = s.officers[1..2].to_vec();
    let mut rejected = 0;
    for officers in [&s.officers, &half, &one] {
        for (from, to) in [
            ("2025-04-01", "2025-04-30"),
            ("2025-05-01", "2025-05-31"),
            ("2025-03-01", "2025-05-31"),
            ("2025-05-04", "2025-05-05"),
        ] {
            let p = period(from, to);
            let new = compute_return(
                &s.db,
                &crate::reports::members::Members::always(officers),
                &p,
                &[],
            )
            .await
            .unwrap();
            let old = reference_return(&s.db, officers, &p).await;
            assert_eq!(new, old, "{from} to {to}, {} officers", officers.len());
            assert!(new.totals.patrols > 0, "{from} to {to}: {new:?}");
            // The seed patrols its hotspots and somewhere else.
            assert!(
                new.in_hotspots.patrols > 0 && new.outside_hotspots.patrols > 0,
                "{from} to {to}: {new:?}"
            );
            rejected += new.disputed_shifts;
        }
    }
    assert!(rejected > 0, "rejected shifts were read");
}

#[tokio::test]
async fn lean_items_are_whole_revisions_read_short() {
    let s = seeded().await;
    let mut kinds = BTreeMap::new();
    for officer in &s.officers {
        for row in all_latest(&s.db, officer).await {
            let rev: Revision = serde_json::from_str(&row.body).unwrap();
            assert_eq!(Item::parse(&row.body).unwrap(), Item::from_revision(&rev));
            *kinds.entry(row.kind).or_insert(0) += 1;
        }
    }
    assert_eq!(kinds.len(), RecordKind::ALL.len(), "{kinds:?}");
}

/// One `entries.csv` line as it was written (before `export::push_entry_line`),
/// with the columns added since (`reviews`: each shift's latest review).
fn old_entry_line(
    row: &StoredRow,
    reviews: &BTreeMap<String, String>,
) -> Result<String, serde_json::Error> {
    let rev: Revision = serde_json::from_str(&row.body)?;
    let opt = |v: Option<String>| v.unwrap_or_default();
    let code = |c: Option<&'static str>| c.unwrap_or("").to_owned();
    let mut f: BTreeMap<&str, String> = BTreeMap::new();
    match &rev.record {
        Record::Shift(s) => {
            f.insert("role", code(s.role.map(Code::code)));
        }
        Record::Patrol(p) => {
            f.insert("area", p.area.clone());
            f.insert("hotspot_id", p.hotspot.clone().unwrap_or_default());
        }
        Record::StopSearch(s) => {
            f.insert(
                "self_defined_ethnicity",
                code(s.self_defined_ethnicity.map(Code::code)),
            );
            f.insert(
                "officer_perceived_ethnicity",
                code(s.officer_perceived_ethnicity.map(Code::code)),
            );
            f.insert("power", code(s.power.map(Code::code)));
            f.insert("object", code(s.object.map(Code::code)));
            f.insert("outcome", code(s.outcome.map(Code::code)));
            f.insert(
                "outcome_linked_to_object",
                opt(s.outcome_linked_to_object.map(|b| b.to_string())),
            );
        }
        Record::Arrest(a) => {
            f.insert("offence", a.offence.clone());
        }
        Record::AsbIntervention(a) => {
            f.insert("asb_power", code(a.power.map(Code::code)));
            f.insert("persons", opt(a.persons.map(|n| n.to_string())));
            f.insert("seized", code(a.seized.map(Code::code)));
            f.insert("offence", a.offence.clone());
        }
        Record::IjReferral(r) => {
            f.insert(
                "ij_hours_ordered",
                opt(r.hours_ordered.map(|n| n.to_string())),
            );
            f.insert(
                "ij_hours_completed",
                opt(r.hours_completed.map(|n| n.to_string())),
            );
            let day = |d: Option<NaiveDate>| opt(d.map(|d| d.format("%Y-%m-%d").to_string()));
            f.insert("ij_referral_date", day(r.referral_date));
            f.insert("ij_reparation_started", day(r.reparation_started));
            f.insert("ij_completed_on", day(r.completed_on));
            f.insert("ij_result", code(r.result.map(Code::code)));
        }
        _ => {}
    }
    let reason = match &rev.change {
        beatbook_core::Change::Corrected { reason } => reason.clone(),
        _ => String::new(),
    };
    // Local to Europe/London, with the offset (GMT in winter, BST in summer).
    let local = |text: &str| {
        let t = DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        let london = t.with_timezone(&chrono_tz::Europe::London);
        london
            .fixed_offset()
            .to_rfc3339_opts(SecondsFormat::Micros, false)
    };
    let shift = match rev.record {
        Record::Shift(_) => Some(rev.entry_id),
        _ => rev.shift_id,
    }
    .map(|s| s.to_string());
    let patrol = match rev.record {
        Record::Patrol(_) => Some(rev.entry_id),
        _ => rev.patrol_id,
    };
    let review = shift.as_ref().map(|s| {
        reviews
            .get(s)
            .cloned()
            .unwrap_or_else(|| "pending".to_owned())
    });
    let mut line = String::with_capacity(row.body.len() / 2);
    for (i, col) in ENTRY_COLUMNS.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let text: std::borrow::Cow<'_, str> = match *col {
            "entry_id" => row.entry_id.as_str().into(),
            "reference" => rev.entry_id.reference().into(),
            "revision_id" => row.revision_id.as_str().into(),
            "revisions" => row.seq.to_string().into(),
            "officer_id" => row.officer_id.as_str().into(),
            "kind" => row.kind.as_str().into(),
            "occurred_at" => local(&row.occurred_at).into(),
            "captured_at" => local(&row.captured_at).into(),
            "received_at" => local(&row.received_at).into(),
            "ended_at" => rev
                .record
                .ended_at()
                .map(|t| local(&format_time(t)))
                .unwrap_or_default()
                .into(),
            "ij_reparation_started_at" => match &rev.record {
                Record::IjReferral(r) => r
                    .reparation_started_at
                    .map(|t| local(&format_time(t)))
                    .unwrap_or_default()
                    .into(),
                _ => "".into(),
            },
            "shift_id" => opt(shift.clone()).into(),
            "patrol_id" => opt(patrol.map(|p| p.to_string())).into(),
            "shift_review" => opt(review.clone()).into(),
            "time_zone" => "Europe/London".into(),
            "summary" => rev.record.summary().into(),
            "correction_reason" => reason.as_str().into(),
            "notes" => rev.notes.as_str().into(),
            other => f.remove(other).unwrap_or_default().into(),
        };
        crate::reports::export::push_cell(&mut line, &text);
    }
    line.push_str("\r\n");
    Ok(line)
}

async fn export_text(
    s: &Seeded,
    officers: &[String],
    kind: Option<&'static str>,
    chunk: u32,
) -> String {
    let (start, end) = ("2025-04-01T00:00:00.000000Z", "2025-06-01T00:00:00.000000Z");
    let mut rows = entry_rows_in_chunks(
        s.db.clone(),
        officers.iter().map(|o| (o.clone(), None)).collect(),
        kind,
        start.into(),
        end.into(),
        ForceZone::default(),
        chunk,
    );
    let mut text = String::new();
    while let Some(bytes) = rows.next().await {
        text.push_str(std::str::from_utf8(&bytes.unwrap()).unwrap());
    }
    let mut old = csv_line(&ENTRY_COLUMNS);
    for officer in officers {
        let rows =
            s.db.sqlite_readers()
                .reference_export(officer, kind, start, end)
                .await
                .unwrap();
        // Each shift's latest review, read a shift at a time.
        let mut reviews = BTreeMap::new();
        for row in &rows {
            let rev: Revision = serde_json::from_str(&row.body).unwrap();
            let shift = match rev.record {
                Record::Shift(_) => Some(rev.entry_id),
                _ => rev.shift_id,
            };
            let Some(shift) = shift.map(|s| s.to_string()) else {
                continue;
            };
            if let Some(last) = s.db.review_history(&shift).await.unwrap().pop() {
                reviews.insert(shift, last.state);
            }
        }
        for row in rows {
            old.push_str(&old_entry_line(&row, &reviews).unwrap());
        }
    }
    assert_eq!(text, old, "kind {kind:?}, chunks of {chunk}");
    text
}

#[tokio::test]
async fn the_export_is_what_it_was() {
    let s = seeded().await;
    // Chunks of 5,000 (an officer at a time), then small ones (keyset
    // paging inside an officer's rows), then one kind.
    let all = export_text(&s, &s.officers, None, 5000).await;
    assert!(all.lines().count() > 1000, "{}", all.lines().count());
    export_text(&s, &s.officers, None, 7).await;
    export_text(&s, &s.officers[..2], Some("patrol"), 3).await;
}
