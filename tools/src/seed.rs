//! `seed`: a demo force, deterministic from `--seed`: teams, officers
//! (police, PCSOs, wardens, specials) and one supervisor per team, hotspots,
//! and months of shifts with patrols, stop and searches, arrests, ASB
//! interventions of every power, Immediate Justice referrals, notes and
//! corrections. Every revision passes `Revision::check` and is inserted
//! through the same database path as a push (`WriteTx::insert_revisions`),
//! with `received_at` a few seconds to hours after `captured_at`.
//!
//! Accounts get one-time passwords, printed once (like `user add`).
use beatbook_core::auth::Role;
use beatbook_core::codes::*;
use beatbook_core::force::{Centre, ForceSettings, Hotspot};
use beatbook_core::record::*;
use beatbook_core::sync::canonical_bytes;
use beatbook_core::{Change, EntryId, Location, Record, Revision, RevisionId};
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;
use thiserror::Error;

use beatbook_server::accounts::admin::UNUSABLE_PASSWORD;
use beatbook_server::accounts::password::{self, SecretError};
use beatbook_server::db::accounts::{NewEvent, NewUser};
use beatbook_server::db::{self, AccountError, DbError, NewRevision, Writer};

use crate::cli::SeedArgs;
use crate::sample::Rng;

/// Revisions per transaction.
const FLUSH_EVERY: usize = 20_000;
const TEAM_NAMES: [&str; 6] = ["North", "South", "East", "West", "Central", "Harbour"];
const PLACES: [&str; 12] = [
    "Market Square",
    "Bus Station",
    "Riverside Park",
    "High Street",
    "Leisure Centre",
    "Retail Park",
    "Canal Towpath",
    "Station Approach",
    "Library Gardens",
    "Shopping Precinct",
    "Skate Park",
    "Seafront",
];
const HOTSPOTS_PER_TEAM: usize = 3;
/// Where a team also patrols, outside its hotspots.
const OTHER_PLACE: &str = "Town centre";

/// A place a seeded patrol is at: a listed hotspot, or not.
#[derive(Debug, Clone)]
struct Spot {
    hotspot: Option<String>,
    name: String,
}

#[derive(Debug, Error)]
pub enum SeedError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Ops(#[from] db::ops::OpsError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
    #[error("encoding a revision: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What was made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeedReport {
    pub teams: usize,
    pub officers: usize,
    pub supervisors: usize,
    pub revisions: u64,
    pub corrections: u64,
    /// Entries by kind.
    pub entries: BTreeMap<&'static str, u64>,
    pub seconds: f64,
}

struct Officer {
    id: String,
    team: usize,
    role: PatrollerRole,
}

pub async fn run(args: &SeedArgs, out: &mut dyn Write) -> Result<SeedReport, SeedError> {
    if args.officers == 0 || args.teams == 0 || args.months == 0 {
        return Err(SeedError::Invalid(
            "--officers, --teams and --months must be at least 1".into(),
        ));
    }
    let end = match &args.end {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| SeedError::Invalid(format!("--end {text:?}: use YYYY-MM-DD")))?,
        None => Utc::now().date_naive(),
    };
    let start = end
        .checked_sub_months(Months::new(args.months))
        .ok_or_else(|| SeedError::Invalid("--months reaches too far back".into()))?;
    let opened = db::open(&args.db).await?;
    let accounts = opened.accounts;
    if accounts.user_count().await? > 0 {
        return Err(SeedError::Invalid(
            "the database already has accounts; seed a fresh database".into(),
        ));
    }
    let began = Instant::now();
    let now = Utc::now();
    let teams: Vec<String> = (0..args.teams)
        .map(|t| match TEAM_NAMES.get(t) {
            Some(n) => format!("{n} Hotspot"),
            None => format!("Hotspot team {}", t + 1),
        })
        .collect();
    // Each team's hotspots, and one place outside them (not hotspot time).
    let listed: Vec<Vec<Hotspot>> = (0..args.teams)
        .map(|t| {
            (0..HOTSPOTS_PER_TEAM)
                .map(|h| {
                    let i = t * HOTSPOTS_PER_TEAM + h;
                    let name = match PLACES.get(i) {
                        Some(p) => (*p).to_owned(),
                        None => format!("Hotspot {}", i + 1),
                    };
                    // A made-up town: hotspots some 400 m apart.
                    let step = i as f64 * 0.004;
                    Hotspot {
                        id: format!("hs-{}", i + 1),
                        name,
                        area: teams.get(t).cloned().unwrap_or_default(),
                        centre: Some(Centre {
                            lat: 52.63 + step,
                            lon: -1.13 - step,
                        }),
                        radius_m: Some(250),
                        retired: false,
                    }
                })
                .collect()
        })
        .collect();
    let hotspots: Vec<Vec<Spot>> = listed
        .iter()
        .map(|team| {
            team.iter()
                .map(|h| Spot {
                    hotspot: Some(h.id.clone()),
                    name: h.name.clone(),
                })
                .chain([Spot {
                    hotspot: None,
                    name: OTHER_PLACE.into(),
                }])
                .collect()
        })
        .collect();
    for t in &teams {
        accounts.ensure_team(t, now).await?;
    }
    let settings = ForceSettings {
        hotspots: listed.into_iter().flatten().collect(),
        ..ForceSettings::default()
    };
    let event =
        beatbook_server::http::force::cli_event("seed", &ForceSettings::default(), &settings);
    accounts.set_force_settings(&settings, &event.row()).await?;
    let officers: Vec<Officer> = (0..args.officers)
        .map(|i| {
            // Half police officers, a quarter PCSOs, then wardens and specials.
            let (role, prefix) = match i % 20 {
                0..=9 => (PatrollerRole::Police, "PC"),
                10..=14 => (PatrollerRole::Pcso, "PCSO"),
                15..=17 => (PatrollerRole::Warden, "WDN"),
                _ => (PatrollerRole::Special, "SC"),
            };
            Officer {
                id: format!("{prefix}{}", 1001 + i),
                team: i % args.teams,
                role,
            }
        })
        .collect();
    let actor = format!("cli:seed:{}", args.seed);
    let mut people: Vec<(String, String, Role, usize)> = (0..args.teams)
        .map(|t| {
            (
                format!("SGT{}", 101 + t),
                format!("Sgt {}", TEAM_NAMES.get(t).copied().unwrap_or("Team")),
                Role::Supervisor,
                t,
            )
        })
        .collect();
    people.extend(officers.iter().map(|o| {
        (
            o.id.clone(),
            format!("{} {}", o.role.label(), o.id),
            Role::Officer,
            o.team,
        )
    }));
    // All hashes on one blocking thread: Argon2 takes 19 MiB a time, and
    // spread over many threads the allocator keeps each thread's share.
    let count = people.len();
    let no_passwords = args.no_passwords;
    let secrets = tokio::task::spawn_blocking(move || {
        (0..count)
            .map(|_| {
                if no_passwords {
                    return Ok((None, UNUSABLE_PASSWORD.to_owned()));
                }
                let secret = password::one_time_password()?;
                let phc = password::hash_password(&secret)?;
                Ok((Some(secret), phc))
            })
            .collect::<Result<Vec<_>, SecretError>>()
    })
    .await
    .map_err(|e| SecretError::Hash(e.to_string()))??;
    for ((id, name, role, team), (secret, phc)) in people.iter().zip(secrets) {
        let team_list = vec![teams.get(*team).cloned().unwrap_or_default()];
        let detail = format!("seeded {role}; team {}", team_list.join(""));
        accounts
            .create_user(
                &NewUser {
                    officer_id: id,
                    display_name: name,
                    role: *role,
                    teams: &team_list,
                    password_hash: &phc,
                },
                &NewEvent {
                    at: now,
                    kind: "user_created",
                    officer_id: Some(id),
                    actor: Some(&actor),
                    client_ip: None,
                    device_id: None,
                    detail: &detail,
                },
            )
            .await?;
        match secret {
            Some(s) => writeln!(
                out,
                "{id}\t{role}\t{}\tone-time password (shown only now): {s}",
                team_list.join("")
            )?,
            None => writeln!(out, "{id}\t{role}\t{}\t(no password)", team_list.join(""))?,
        }
    }
    accounts.close().await;
    opened.db.close().await;

    let mut writer = opened.writer;
    let mut report = SeedReport {
        teams: args.teams,
        officers: args.officers,
        supervisors: args.teams,
        ..SeedReport::default()
    };
    let mut buffer: Vec<Seeded> = Vec::new();
    for (i, officer) in officers.iter().enumerate() {
        let mut gen = Gen {
            rng: Rng::new(args.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (i as u64 + 1)),
            officer: &officer.id,
            now,
            out: Vec::new(),
        };
        let spots = hotspots.get(officer.team).map(Vec::as_slice).unwrap_or(&[]);
        let team = teams.get(officer.team).map(String::as_str).unwrap_or("");
        let mut day = start;
        while day < end {
            if gen.rng.unit() < 0.65 {
                gen.shift(day, i, officer.role, team, spots);
            }
            day = day.succ_opt().unwrap_or(end);
        }
        let device = format!("seed-device-{}", officer.id);
        // The officer's phone linked its saves (the device chain) in the
        // order it made them: by capture time, as the app does.
        let mut order: Vec<&mut Revision> = gen.out.iter_mut().collect();
        order.sort_by_key(|r| r.captured_at);
        beatbook_server::sync::chain::link(&mut order, None);
        // An officer's entries are all made here, so these are all of them.
        let moves = db::moves_entries(&gen.out);
        for (rev, moves_entry) in gen.out.into_iter().zip(moves) {
            if let Err(errors) = rev.check(now) {
                return Err(SeedError::Invalid(format!(
                    "seed made an invalid {} revision: {errors:?}",
                    rev.kind().code()
                )));
            }
            report.revisions += 1;
            if rev.seq == 1 {
                *report.entries.entry(rev.kind().code()).or_default() += 1;
            }
            if matches!(rev.change, Change::Corrected { .. }) {
                report.corrections += 1;
            }
            let body = String::from_utf8(canonical_bytes(&rev)?)
                .map_err(|e| SeedError::Invalid(e.to_string()))?;
            let received = received_at(&mut gen.rng, rev.captured_at, now);
            buffer.push(Seeded {
                rev,
                body,
                received,
                device: device.clone(),
                moves_entry,
            });
        }
        if buffer.len() >= FLUSH_EVERY {
            flush(&mut writer, &mut buffer).await?;
        }
    }
    flush(&mut writer, &mut buffer).await?;
    writer.close().await?;
    // A year loaded in a minute: plans made before autovacuum has looked at
    // the tables would be a full scan's (see `refresh_statistics`).
    db::ops::refresh_statistics(&args.db).await?;
    report.seconds = began.elapsed().as_secs_f64();
    let entries: Vec<String> = report
        .entries
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    writeln!(
        out,
        "seeded {} teams, {} officers, {} supervisors, {start} to {end} (seed {}): \
         {} revisions ({} corrections) in {:.1} s ({:.0} revisions/s); entries: {}",
        report.teams,
        report.officers,
        report.supervisors,
        args.seed,
        report.revisions,
        report.corrections,
        report.seconds,
        report.revisions as f64 / report.seconds.max(1e-9),
        entries.join(", ")
    )?;
    Ok(report)
}

/// A few seconds usually; now and then hours (no signal in a basement).
fn received_at(rng: &mut Rng, captured: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let lag = if rng.unit() < 0.9 {
        1 + rng.below(120) as i64
    } else {
        600 + rng.below(6 * 3600) as i64
    };
    (captured + Duration::seconds(lag)).min(now)
}

/// A revision made, waiting to be inserted.
struct Seeded {
    rev: Revision,
    body: String,
    received: DateTime<Utc>,
    device: String,
    moves_entry: bool,
}

async fn flush(writer: &mut Writer, buffer: &mut Vec<Seeded>) -> Result<(), SeedError> {
    if buffer.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewRevision<'_>> = buffer
        .iter()
        .map(|s| NewRevision {
            rev: &s.rev,
            body: &s.body,
            device_id: &s.device,
            received_at: s.received,
            moves_entry: s.moves_entry,
        })
        .collect();
    let mut tx = writer.begin().await?;
    tx.insert_revisions(&rows).await?;
    tx.commit().await?;
    drop(rows);
    buffer.clear();
    Ok(())
}

struct Gen<'a> {
    rng: Rng,
    officer: &'a str,
    now: DateTime<Utc>,
    out: Vec<Revision>,
}

impl Gen<'_> {
    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        items.get(self.rng.below(items.len())).copied()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.unit() < p
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(lo + self.rng.below((hi - lo + 1) as usize) as i64)
    }

    fn location(&mut self) -> Location {
        Location {
            lat: 53.4 + self.rng.unit() / 50.0,
            lon: -2.25 + self.rng.unit() / 50.0,
            accuracy_m: 4.0 + self.rng.below(40) as f64,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        entry: EntryId,
        seq: u32,
        change: Change,
        record: Record,
        occurred: DateTime<Utc>,
        captured: DateTime<Utc>,
        shift: Option<EntryId>,
        patrol: Option<EntryId>,
    ) {
        let location = Some(self.location());
        let id = RevisionId::from_random_bytes(self.rng.bytes16());
        self.out.push(Revision {
            clock_offset_ms: None,
            prev: None,
            id,
            entry_id: entry,
            seq,
            officer_id: self.officer.to_owned(),
            captured_at: captured.min(self.now),
            occurred_at: occurred,
            shift_id: shift,
            patrol_id: patrol,
            location,
            notes: String::new(),
            change,
            record,
        });
    }

    fn entry_id(&mut self) -> EntryId {
        EntryId::from_random_bytes(self.rng.bytes16())
    }

    fn shift(
        &mut self,
        day: NaiveDate,
        index: usize,
        role: PatrollerRole,
        team: &str,
        spots: &[Spot],
    ) {
        // Earlies, lates and nights (which cross midnight), by officer.
        let hour = [7, 15, 22][index % 3];
        let Some(start) = day.and_hms_opt(hour, 0, 0).map(|t| t.and_utc()) else {
            return;
        };
        let start = start + self.minutes(0, 10);
        let end = start + Duration::hours(8) + self.minutes(0, 30);
        if end > self.now {
            return;
        }
        let shift = self.entry_id();
        let record = Shift {
            role: Some(role),
            callsign: format!(
                "{} {}",
                ["Alpha", "Bravo", "Charlie", "Delta"][index % 4],
                10 + index % 90
            ),
            team: team.to_owned(),
            ended_at: None,
        };
        self.push(
            shift,
            1,
            Change::Created,
            Record::Shift(record.clone()),
            start,
            start + Duration::seconds(30),
            None,
            None,
        );
        let mut t = start + self.minutes(20, 40);
        while t + Duration::minutes(30) < end {
            // Visits of 5 to 25 minutes, most near 15.
            let visit =
                Duration::seconds(300 + ((self.rng.unit() + self.rng.unit()) * 600.0) as i64);
            let spot = spots
                .get(self.rng.below(spots.len()))
                .cloned()
                .unwrap_or(Spot {
                    hotspot: None,
                    name: OTHER_PLACE.into(),
                });
            self.patrol(shift, t, visit, spot);
            t = t + visit + self.minutes(15, 60);
        }
        if self.chance(0.005) {
            return; // never ended
        }
        let ended = Shift {
            ended_at: Some(end),
            ..record
        };
        self.push(
            shift,
            2,
            Change::Ended,
            Record::Shift(ended),
            start,
            end + Duration::seconds(20),
            None,
            None,
        );
    }

    fn patrol(&mut self, shift: EntryId, start: DateTime<Utc>, visit: Duration, spot: Spot) {
        let area = spot.name;
        let patrol = self.entry_id();
        let mode = match self.rng.below(20) {
            0..=11 => PatrolMode::Foot,
            12..=16 => PatrolMode::Vehicle,
            _ => PatrolMode::Cycle,
        };
        let record = Patrol {
            area: area.clone(),
            mode: Some(mode),
            ended_at: None,
            hotspot: spot.hotspot,
        };
        self.push(
            patrol,
            1,
            Change::Created,
            Record::Patrol(record.clone()),
            start,
            start + Duration::seconds(10),
            Some(shift),
            None,
        );
        let at = |g: &mut Self| {
            start + Duration::seconds((g.rng.unit() * visit.num_seconds() as f64) as i64)
        };
        if self.chance(0.12) {
            let t = at(self);
            let rec = self.note();
            self.entry(shift, patrol, t, rec);
        }
        if self.chance(0.02) {
            let t = at(self);
            let rec = Record::StopAccount(StopAccount {
                place: area.clone(),
                account_for: "Presence near parked cars late at night".into(),
                self_defined_ethnicity: self.pick(Ethnicity::ALL),
                outcome: "Gave a reasonable account".into(),
            });
            self.entry(shift, patrol, t, rec);
        }
        if self.chance(0.10) {
            let t = at(self);
            let rec = self.asb(&area, t);
            self.entry(shift, patrol, t, rec);
        }
        if self.chance(0.03) {
            let t = at(self);
            let (rec, arrest) = self.stop_search(&area, t);
            let stop = self.entry(shift, patrol, t, rec);
            if arrest {
                let t2 = t + Duration::minutes(2);
                let rec = self.arrest(&area, t2, Some(stop));
                self.entry(shift, patrol, t2, rec);
            }
        }
        if self.chance(0.004) {
            let t = at(self);
            let rec = self.arrest(&area, t, None);
            self.entry(shift, patrol, t, rec);
        }
        if self.chance(0.006) {
            let t = at(self);
            let rec = self.ij(t);
            self.entry(shift, patrol, t, rec);
        }
        if self.chance(0.005) {
            return; // never ended
        }
        let end = start + visit;
        let ended = Patrol {
            ended_at: Some(end),
            ..record
        };
        self.push(
            patrol,
            2,
            Change::Ended,
            Record::Patrol(ended),
            start,
            end + Duration::seconds(5),
            Some(shift),
            None,
        );
    }

    /// An entry made on a patrol; now and then corrected later, with a reason.
    fn entry(
        &mut self,
        shift: EntryId,
        patrol: EntryId,
        t: DateTime<Utc>,
        record: Record,
    ) -> EntryId {
        let id = self.entry_id();
        let captured = t + Duration::seconds(30 + self.rng.below(240) as i64);
        self.push(
            id,
            1,
            Change::Created,
            record.clone(),
            t,
            captured,
            Some(shift),
            Some(patrol),
        );
        if self.chance(0.05) {
            let later = captured + self.minutes(10, 48 * 60);
            if later < self.now {
                self.push(
                    id,
                    2,
                    Change::Corrected {
                        reason: "Detail added after checking body-worn video".into(),
                    },
                    corrected(record),
                    t,
                    later,
                    Some(shift),
                    Some(patrol),
                );
            }
        }
        id
    }

    fn note(&mut self) -> Record {
        let category = self.pick(NoteKind::ALL);
        Record::Note(Note {
            category,
            text: "Spoke with shop owners about evening disorder".into(),
        })
    }

    fn asb(&mut self, place: &str, t: DateTime<Utc>) -> Record {
        let power = self
            .pick(AsbPower::ALL)
            .unwrap_or(AsbPower::InformalWarning);
        let persons = 1 + self.rng.below(4) as u32;
        let mut a = AsbIntervention {
            power: Some(power),
            persons: Some(persons),
            place: place.to_owned(),
            behaviour: "Drinking and shouting at passers-by".into(),
            ..AsbIntervention::default()
        };
        match power {
            AsbPower::InformalWarning => {}
            AsbPower::WarningLetter => a.requirements = "Stop gathering by the shop doors".into(),
            AsbPower::Cpw => {
                a.requirements = "Stop gathering by the shop doors".into();
                a.deadline = Some(t.date_naive() + Duration::days(14));
                a.consequence = "A Community Protection Notice".into();
            }
            AsbPower::Cpn => {
                a.requirements = "Do not enter the precinct after 20:00".into();
                a.prior_warning_ref = "CPW-2026-0042".into();
                a.prior_warning_deadline = Some(t.date_naive() - Duration::days(7));
                a.person_aged_16_plus = true;
            }
            AsbPower::Dispersal => {
                a.dispersal_area = format!("{place} and 200 m around");
                a.dispersal_hours = Some(24 + self.rng.below(25) as u32);
                a.authorising_inspector = "Insp 4410".into();
                a.terms = "Leave the area and do not return for the period".into();
                a.directed_persons = format!("{persons} young people, group by the benches");
            }
            AsbPower::Pspo => {
                a.pspo_name = "Town centre alcohol PSPO".into();
                a.penalty_amount = Some(100);
            }
            AsbPower::FixedPenalty => {
                a.offence = "Littering".into();
                a.penalty_amount = Some(150);
            }
            AsbPower::Seizure => {
                let seized = self.pick(SeizureKind::ALL).unwrap_or(SeizureKind::Alcohol);
                a.seized = Some(seized);
                a.seized_description = match seized {
                    SeizureKind::Vehicle => "Off-road motorbike ridden on the footpath",
                    SeizureKind::Weapon => "Lock knife",
                    SeizureKind::Alcohol => "Six cans of lager",
                    SeizureKind::Other => "Nitrous oxide canisters",
                }
                .into();
                if seized == SeizureKind::Vehicle {
                    a.vehicle_registration = "AB12 CDE".into();
                }
            }
            AsbPower::S59Warning => {
                a.behaviour = "Off-road motorbike ridden across the playing field".into();
                a.vehicle_registration = "No plates, red frame".into();
            }
        }
        Record::AsbIntervention(a)
    }

    /// A stop and search with every PACE Code A field; true when it led to an arrest.
    fn stop_search(&mut self, place: &str, t: DateTime<Utc>) -> (Record, bool) {
        let outcome = match self.rng.below(100) {
            0..=59 => SearchOutcome::NoFurtherAction,
            60..=74 => SearchOutcome::Arrest,
            75..=82 => SearchOutcome::CommunityResolution,
            83..=89 => SearchOutcome::CannabisKhatWarning,
            90..=93 => SearchOutcome::PenaltyNotice,
            94..=96 => SearchOutcome::SummonsOrCharge,
            _ => SearchOutcome::Caution,
        };
        let power = self
            .pick(&[
                SearchPower::Pace1,
                SearchPower::MisuseOfDrugs23,
                SearchPower::MisuseOfDrugs23,
                SearchPower::Cjpoa60,
                SearchPower::Firearms47,
            ])
            .unwrap_or(SearchPower::Pace1);
        let object = match power {
            SearchPower::MisuseOfDrugs23 => SearchObject::Drugs,
            SearchPower::Firearms47 => SearchObject::Firearm,
            SearchPower::Cjpoa60 => SearchObject::OffensiveWeapon,
            _ => self
                .pick(&[SearchObject::StolenProperty, SearchObject::GoingEquipped])
                .unwrap_or(SearchObject::StolenProperty),
        };
        let self_defined = self.pick(Ethnicity::ALL).unwrap_or(Ethnicity::NotStated);
        // Not stated by the person: the officer records what they perceive.
        let perceived = if self_defined == Ethnicity::NotStated || self.chance(0.2) {
            self.pick(Ethnicity::ALL)
                .filter(|e| *e != self_defined && *e != Ethnicity::NotStated)
                .or((self_defined == Ethnicity::NotStated).then_some(Ethnicity::W1))
        } else {
            None
        };
        let authorised = power == SearchPower::Cjpoa60;
        let vehicle = self.chance(0.15);
        let injury = self.chance(0.03);
        let linked = outcome != SearchOutcome::NoFurtherAction && self.chance(0.7);
        let s = StopSearch {
            self_defined_ethnicity: Some(self_defined),
            officer_perceived_ethnicity: perceived,
            place_detained: place.to_owned(),
            place_searched: String::new(),
            object: Some(object),
            object_detail: String::new(),
            power: Some(power),
            grounds: if power == SearchPower::Cjpoa60 {
                String::new()
            } else {
                "Seen passing a small package, matched a description from the control room".into()
            },
            s60_authorisation: if power == SearchPower::Cjpoa60 {
                "S60-2026-007 Supt 1023".into()
            } else {
                String::new()
            },
            outcome: Some(outcome),
            outcome_linked_to_object: Some(linked),
            injury_or_damage: Some(injury),
            injury_details: if injury {
                "Graze to the wrist when detained".into()
            } else {
                String::new()
            },
            vehicle_searched: vehicle,
            vehicle_registration: if vehicle {
                "XY66 ZZT".into()
            } else {
                String::new()
            },
            person_name: String::new(),
            person_address: String::new(),
            authorised_from: authorised.then(|| t - Duration::hours(3)),
            authorised_until: authorised.then(|| t + Duration::hours(12)),
        };
        (Record::StopSearch(s), outcome == SearchOutcome::Arrest)
    }

    fn arrest(&mut self, place: &str, t: DateTime<Utc>, stop: Option<EntryId>) -> Record {
        let mut necessity = vec![NecessityCriterion::PromptInvestigation];
        if self.chance(0.4) {
            necessity.push(
                self.pick(NecessityCriterion::ALL)
                    .unwrap_or(NecessityCriterion::Name),
            );
            necessity.dedup();
        }
        let necessity_reasons = necessity
            .iter()
            .map(|c| (*c, necessity_reason(*c).to_owned()))
            .collect();
        Record::Arrest(Arrest {
            offence: self
                .pick(&[
                    "Possession of a controlled drug",
                    "Theft from a shop",
                    "Public order s4A",
                    "Possession of a bladed article",
                ])
                .unwrap_or("Theft from a shop")
                .into(),
            place: place.to_owned(),
            grounds: "Found in possession after a search; admitted ownership".into(),
            necessity,
            caution_at: Some(t + Duration::minutes(1)),
            said_on_arrest: String::new(),
            custody_suite: "Central custody".into(),
            linked_stop: stop,
            necessity_reasons,
            ..Arrest::default()
        })
    }

    fn ij(&mut self, t: DateTime<Utc>) -> Record {
        let referred = t.date_naive();
        let ordered = 2 + self.rng.below(19) as u32;
        // Started 1 to 60 hours after the referral (most within 48), or 3
        // to 8 days after, or not yet; never later than now.
        let after = match self.rng.below(10) {
            0..=5 => Some(Duration::hours(1 + self.rng.below(60) as i64)),
            6..=8 => Some(Duration::hours(72 + self.rng.below(120) as i64)),
            _ => None,
        };
        let started = after.map(|after| (t + after).min(self.now).max(t));
        let completed = started.map(|_| {
            if self.chance(0.6) {
                ordered
            } else {
                self.rng.below(ordered as usize) as u32
            }
        });
        Record::IjReferral(IjReferral {
            person: format!("IJ ref {:05}", self.rng.below(100_000)),
            disposal: self.pick(IjDisposal::ALL),
            referral_date: Some(referred),
            victim_consulted: Some(self.chance(0.8)),
            hours_ordered: Some(ordered),
            reparation_started: None,
            hours_completed: completed,
            outcome: String::new(),
            linked_entry: None,
            result: completed.map(|done| {
                if done == ordered {
                    IjOutcome::Completed
                } else {
                    IjOutcome::InProgress
                }
            }),
            // Finished a week after it started.
            completed_on: started
                .filter(|_| completed == Some(ordered))
                .map(|s| s.date_naive() + Duration::days(7)),
            reparation_started_at: started,
        })
    }
}

/// A seeded arrest's reason for a necessity criterion.
fn necessity_reason(criterion: NecessityCriterion) -> &'static str {
    match criterion {
        NecessityCriterion::Name | NecessityCriterion::Address => {
            "Refused to give details; none could be verified"
        }
        NecessityCriterion::PromptInvestigation => {
            "Property to be recovered and CCTV seized before it is overwritten"
        }
        NecessityCriterion::PreventDisappearance => "No fixed address; said they were leaving",
        _ => "Behaviour continued after a warning; likely to go on if left",
    }
}

/// The same record with a detail put right (what a correction typically does).
fn corrected(record: Record) -> Record {
    match record {
        Record::Note(mut n) => {
            n.text.push_str(" (names of the shops added)");
            Record::Note(n)
        }
        Record::AsbIntervention(mut a) => {
            a.persons = a.persons.map(|p| p + 1);
            Record::AsbIntervention(a)
        }
        Record::StopSearch(mut s) => {
            s.place_searched = format!("{} (side alley)", s.place_detained);
            Record::StopSearch(s)
        }
        Record::Arrest(mut a) => {
            a.said_on_arrest = "\"It's not mine\"".into();
            Record::Arrest(a)
        }
        Record::IjReferral(mut r) => {
            r.outcome = "Reparation supervised by the council".into();
            Record::IjReferral(r)
        }
        other => other,
    }
}
