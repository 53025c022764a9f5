//! The force's settings: one typed document an admin sets (`beatbook-server
//! force set`, or `POST /api/v1/force`) and every signed-in app reads
//! (`GET /api/v1/force`) and keeps for offline use.
//!
//! Each setting has a default that is what the app did before settings
//! existed, so a force that never sets anything sees no change, and an app
//! that has not heard from the server yet behaves as it always has.
use crate::validate::{Checker, FieldError, Problem, Rule};
use serde::{Deserialize, Serialize};

/// Lock after this many idle minutes, unless the force says otherwise.
pub const DEFAULT_LOCK_MINUTES: u32 = 10;
/// Synced shifts stay on the phone this many days after they end.
pub const DEFAULT_RETENTION_DAYS: u32 = 7;
/// Bounds an admin may set. A lock shorter than a minute would lock an
/// officer mid-sentence; longer than an hour leaves a lost phone open. A
/// phone keeps synced shifts at least a day (the officer may need to
/// correct last night's) and at most 90 days (the server has them all).
pub const LOCK_MINUTES: (u32, u32) = (1, 60);
pub const RETENTION_DAYS: (u32, u32) = (1, 90);
/// A patrol longer than this is flagged for the supervisor: most likely
/// "End patrol" was forgotten, and its hours would count as hotspot time.
pub const DEFAULT_LONG_PATROL_MINUTES: u32 = 120;
/// From a quarter of an hour to a whole 12-hour shift.
pub const LONG_PATROL_MINUTES: (u32, u32) = (15, 720);

/// Most hotspots a force lists (a picker of more would not be a shortlist).
pub const MAX_HOTSPOTS: usize = 500;
/// Longest hotspot ID: short enough for a CSV column and a URL.
pub const MAX_HOTSPOT_ID: usize = 40;
/// A hotspot's radius, metres: from a street corner to a town centre.
pub const RADIUS_M: (u32, u32) = (10, 5_000);

fn default_long_patrol_minutes() -> u32 {
    DEFAULT_LONG_PATROL_MINUTES
}

/// One of the force's funded hotspots. Its ID never changes: patrols name
/// it and the return groups by it, so a renamed hotspot keeps its history.
/// A hotspot is retired (no longer offered), never removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hotspot {
    /// Lowercase letters, digits and hyphens, e.g. `market-square`.
    pub id: String,
    pub name: String,
    /// The programme area it belongs to (what the grant funds).
    pub area: String,
    /// Where it is, to offer the nearest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub centre: Option<Centre>,
    /// Metres around the centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub radius_m: Option<u32>,
    /// No longer offered to officers; still named by the patrols and the
    /// returns that had it.
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub retired: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A point in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Centre {
    pub lat: f64,
    pub lon: f64,
}

// Hand-written decoders (`decode_struct!`): the settings are the one
// document the app reads that the derive would otherwise be kept for
// (measured: the derive for these three cost the download some KB gzip).
crate::decode_struct!(Centre { lat, lon });
crate::decode_struct!(Hotspot {
    id,
    name,
    area,
    centre = default,
    radius_m = default,
    retired = default,
});
crate::decode_struct!(ForceSettings {
    lock_minutes,
    retention_days,
    stop_and_account,
    long_patrol_minutes = default_long_patrol_minutes,
    hotspots = default,
});

/// Whether `id` is a hotspot ID as a force may write one: 1 to 40
/// lowercase ASCII letters, digits and hyphens, not starting with a hyphen
/// (`other` is taken: the form's "Other location").
pub fn is_hotspot_id(id: &str) -> bool {
    (1..=MAX_HOTSPOT_ID).contains(&id.len())
        && !id.starts_with('-')
        && id != crate::form::OTHER_LOCATION
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Hotspot {
    /// Whether every word of `query` is in its name, area or ID (ASCII
    /// case folded: see the officer's download in ARCHITECTURE.md).
    pub fn matches(&self, query: &str) -> bool {
        let hay = format!("{} {} {}", self.name, self.area, self.id).to_ascii_lowercase();
        // By windows of bytes: `str::contains` brings the two-way string
        // searcher (1.7 KB of wasm) for names a few words long.
        query.to_ascii_lowercase().split_whitespace().all(|word| {
            hay.as_bytes()
                .windows(word.len())
                .any(|w| w == word.as_bytes())
        })
    }

    /// Metres from `lat`, `lon` to the centre, if it has one. An
    /// equirectangular distance: right to a metre or two over the few
    /// kilometres between one force's hotspots, and no trigonometry
    /// library in the download (see [`cos`]).
    pub fn distance_m(&self, lat: f64, lon: f64) -> Option<f64> {
        const EARTH_M: f64 = 6_371_000.0;
        let c = self.centre?;
        let to_rad = std::f64::consts::PI / 180.0;
        let dy = (c.lat - lat) * to_rad;
        let dx = (c.lon - lon) * to_rad * cos((c.lat + lat) / 2.0 * to_rad);
        Some(EARTH_M * (dx * dx + dy * dy).sqrt())
    }
}

/// The cosine of a latitude in radians (|x| <= pi/2), by its Taylor series
/// to x^10 (error under 3e-5): `f64::cos` would bring libm into the wasm.
fn cos(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=5 {
        let k = f64::from(2 * n);
        term *= -x2 / ((k - 1.0) * k);
        sum += term;
    }
    sum
}

/// A hotspot as the picker offers it: how far away, when the phone knows
/// where it is and the hotspot has a centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer<'a> {
    pub hotspot: &'a Hotspot,
    pub distance_m: Option<f64>,
    /// Inside its radius.
    pub here: bool,
}

impl Offer<'_> {
    /// How far, as the picker says it: "here" inside the radius, metres to
    /// the nearest 10, kilometres to one decimal (integer arithmetic: no
    /// float formatting in the download).
    pub fn distance_text(&self) -> Option<String> {
        if self.here {
            return Some("here".into());
        }
        let m = self.distance_m? as u64;
        Some(if m < 1_000 {
            format!("{} m", (m + 5) / 10 * 10)
        } else {
            let tenths = (m + 50) / 100;
            format!("{}.{} km", tenths / 10, tenths % 10)
        })
    }
}

/// The hotspots an officer may pick, matching `query` (and `chosen`
/// whatever the query, so what is picked stays in sight): with a position,
/// the nearest first (those without a centre after them); otherwise, and
/// among equals, by name. Retired ones are not offered.
pub fn offers<'a>(
    hotspots: &'a [Hotspot],
    query: &str,
    chosen: &str,
    at: Option<(f64, f64)>,
) -> Vec<Offer<'a>> {
    let mut found: Vec<Offer<'a>> = hotspots
        .iter()
        .filter(|h| !h.retired && (h.id == chosen || h.matches(query)))
        .map(|hotspot| {
            let distance_m = at.and_then(|(lat, lon)| hotspot.distance_m(lat, lon));
            let here = match (distance_m, hotspot.radius_m) {
                (Some(d), Some(r)) => d <= f64::from(r),
                _ => false,
            };
            Offer {
                hotspot,
                distance_m,
                here,
            }
        })
        .collect();
    crate::order::sort_by(&mut found, |a, b| {
        let far = |o: &Offer| o.distance_m.unwrap_or(f64::INFINITY);
        far(a)
            .total_cmp(&far(b))
            .then_with(|| a.hotspot.name.cmp(&b.hotspot.name))
            .is_lt()
    });
    found
}

/// At most this many offers are drawn at once; typing finds the rest.
pub const PICKER_SHOWN: usize = 30;

/// The first [`PICKER_SHOWN`] of `offers` (and the chosen one wherever it
/// falls), and how many more there are.
pub fn first_offers<'a>(offers: Vec<Offer<'a>>, chosen: &str) -> (Vec<Offer<'a>>, usize) {
    let total = offers.len();
    let shown: Vec<Offer<'a>> = offers
        .into_iter()
        .enumerate()
        .filter(|(i, o)| *i < PICKER_SHOWN || o.hotspot.id == chosen)
        .map(|(_, o)| o)
        .collect();
    let more = total - shown.len();
    (shown, more)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForceSettings {
    /// Minutes without a touch before the app locks.
    pub lock_minutes: u32,
    /// Days a fully synced shift stays on the phone after it ends.
    pub retention_days: u32,
    /// Whether officers record stop and account (PACE Code A leaves it to
    /// the force). Off: the app does not offer it; entries already made
    /// stay, and still sync.
    pub stop_and_account: bool,
    /// Patrols longer than this many minutes are flagged on the shift
    /// record. Defaulted when absent: settings stored before it existed
    /// still read.
    #[serde(default = "default_long_patrol_minutes")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub long_patrol_minutes: u32,
    /// The funded hotspots officers pick from (empty: officers type where
    /// they are). Defaulted when absent, as above.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub hotspots: Vec<Hotspot>,
}

impl Default for ForceSettings {
    fn default() -> Self {
        Self {
            lock_minutes: DEFAULT_LOCK_MINUTES,
            retention_days: DEFAULT_RETENTION_DAYS,
            stop_and_account: true,
            long_patrol_minutes: DEFAULT_LONG_PATROL_MINUTES,
            hotspots: Vec::new(),
        }
    }
}

impl ForceSettings {
    /// Each setting's field name and value as text, in order (the security
    /// log's "what changed", `force show`).
    pub fn named_values(&self) -> [(&'static str, String); 5] {
        let hotspots: Vec<String> = self.hotspots.iter().map(Hotspot::describe).collect();
        [
            ("lock_minutes", self.lock_minutes.to_string()),
            ("retention_days", self.retention_days.to_string()),
            ("stop_and_account", self.stop_and_account.to_string()),
            ("long_patrol_minutes", self.long_patrol_minutes.to_string()),
            ("hotspots", hotspots.join("; ")),
        ]
    }

    /// Fills a patrol's `area` with the name of the hotspot it names, as
    /// the app saves it: a copy for whoever reads the record, while the ID
    /// is what the return counts by. Other records are left as they are.
    pub fn name_hotspot(&self, record: &mut crate::Record) {
        if let crate::Record::Patrol(p) = record {
            if let Some(h) = p.hotspot.as_deref().and_then(|id| self.hotspot(id)) {
                p.area = h.name.clone();
            }
        }
    }

    /// A hotspot by ID, retired ones included.
    pub fn hotspot(&self, id: &str) -> Option<&Hotspot> {
        self.hotspots.iter().find(|h| h.id == id)
    }

    /// What a change from `before` to `self` may not do: remove a hotspot
    /// (patrols and submitted returns name it by ID; retire it instead).
    pub fn check_change(&self, before: &ForceSettings) -> Result<(), Vec<FieldError>> {
        let mut c = Checker::new();
        for (i, old) in before.hotspots.iter().enumerate() {
            if self.hotspot(&old.id).is_none() {
                c.add(
                    &format!("hotspots[{i}]"),
                    Problem::Rule(Rule::HotspotRemoved),
                );
            }
        }
        c.finish()
    }

    /// Every problem, by field.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checker::new();
        for (field, value, (min, max)) in [
            ("lock_minutes", self.lock_minutes, LOCK_MINUTES),
            ("retention_days", self.retention_days, RETENTION_DAYS),
            (
                "long_patrol_minutes",
                self.long_patrol_minutes,
                LONG_PATROL_MINUTES,
            ),
        ] {
            if !(min..=max).contains(&value) {
                c.add(
                    field,
                    Problem::OutOfRange {
                        min: min.into(),
                        max: max.into(),
                    },
                );
            }
        }
        if self.hotspots.len() > MAX_HOTSPOTS {
            c.add(
                "hotspots",
                Problem::OutOfRange {
                    min: 0,
                    max: MAX_HOTSPOTS as i64,
                },
            );
        }
        for (i, h) in self.hotspots.iter().enumerate() {
            h.check(&format!("hotspots[{i}]"), &mut c);
            if self.hotspots[..i].iter().any(|other| other.id == h.id) {
                c.add(
                    &format!("hotspots[{i}].id"),
                    Problem::Rule(Rule::DuplicateHotspot),
                );
            }
        }
        c.finish()
    }
}

impl Hotspot {
    /// One line for the security log and `force show`: `market-square
    /// "Market Square" (Town centre) at 52.1,-1.2 r 200 m, retired`.
    pub fn describe(&self) -> String {
        let mut out = format!("{} \"{}\" ({})", self.id, self.name, self.area);
        if let Some(c) = self.centre {
            out.push_str(&format!(" at {},{}", c.lat, c.lon));
        }
        if let Some(r) = self.radius_m {
            out.push_str(&format!(" r {r} m"));
        }
        if self.retired {
            out.push_str(", retired");
        }
        out
    }

    fn check(&self, at: &str, c: &mut Checker) {
        if !is_hotspot_id(&self.id) {
            c.add(&format!("{at}.id"), Problem::Rule(Rule::BadHotspotId));
        }
        c.required(&format!("{at}.name"), &self.name, "the hotspot's name");
        c.required(&format!("{at}.area"), &self.area, "its programme area");
        if let Some(centre) = self.centre {
            for (field, value, limit) in [("lat", centre.lat, 90), ("lon", centre.lon, 180)] {
                if !(-f64::from(limit)..=f64::from(limit)).contains(&value) {
                    c.add(
                        &format!("{at}.centre.{field}"),
                        Problem::OutOfRange {
                            min: -i64::from(limit),
                            max: limit.into(),
                        },
                    );
                }
            }
        }
        if let Some(r) = self.radius_m {
            if self.centre.is_none() {
                c.add(
                    &format!("{at}.radius_m"),
                    Problem::Rule(Rule::RadiusWithoutCentre),
                );
            } else if !(RADIUS_M.0..=RADIUS_M.1).contains(&r) {
                c.add(
                    &format!("{at}.radius_m"),
                    Problem::OutOfRange {
                        min: RADIUS_M.0.into(),
                        max: RADIUS_M.1.into(),
                    },
                );
            }
        }
    }
}

/// The settings as the server answers them: what an admin set, and the
/// zone the force's days are counted in (set when the server starts,
/// `serve --time-zone`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForceDocument {
    pub settings: ForceSettings,
    /// IANA name, e.g. `Europe/London`.
    pub time_zone: String,
    /// When an admin last changed the settings (RFC 3339), if ever.
    pub updated_at: Option<String>,
}

/// The officer app's reading of a [`ForceDocument`]: the settings alone
/// (the rest is skipped), decoded with [`crate::decode_struct!`]. Also what
/// the app keeps in local storage for a start without signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForceAnswer {
    pub settings: ForceSettings,
}

crate::decode_struct!(ForceAnswer { settings });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_what_the_app_did_before_settings_existed() {
        let d = ForceSettings::default();
        assert_eq!(
            (d.lock_minutes, d.retention_days, d.stop_and_account),
            (10, 7, true)
        );
        assert_eq!(d.check(), Ok(()));
    }

    #[test]
    fn out_of_range_settings_name_their_field_and_the_range() {
        let bad = ForceSettings {
            lock_minutes: 0,
            retention_days: 91,
            stop_and_account: false,
            long_patrol_minutes: 120,
            hotspots: Vec::new(),
        };
        let errors = bad.check().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lock_minutes", "retention_days"]);
        assert_eq!(
            errors[0].to_string(),
            "lock_minutes: Must be between 1 and 60"
        );
        assert_eq!(
            errors[1].to_string(),
            "retention_days: Must be between 1 and 90"
        );
        let edges = ForceSettings {
            lock_minutes: 60,
            retention_days: 1,
            stop_and_account: false,
            long_patrol_minutes: 720,
            hotspots: Vec::new(),
        };
        assert_eq!(edges.check(), Ok(()));
    }

    #[test]
    fn the_document_reads_back_what_it_writes_and_refuses_missing_fields() {
        let doc = ForceDocument {
            settings: ForceSettings::default(),
            time_zone: "Europe/London".into(),
            updated_at: None,
        };
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            json,
            r#"{"settings":{"lock_minutes":10,"retention_days":7,"stop_and_account":true,"long_patrol_minutes":120,"hotspots":[]},"time_zone":"Europe/London","updated_at":null}"#
        );
        assert_eq!(serde_json::from_str::<ForceDocument>(&json).unwrap(), doc);
        assert!(serde_json::from_str::<ForceSettings>(r#"{"lock_minutes":5}"#).is_err());
        // Stored before the long-patrol setting existed: still read.
        let old: ForceSettings = serde_json::from_str(
            r#"{"lock_minutes":5,"retention_days":7,"stop_and_account":true}"#,
        )
        .unwrap();
        assert_eq!(old.long_patrol_minutes, DEFAULT_LONG_PATROL_MINUTES);
        assert!(old.hotspots.is_empty());
        // A hotspot reads back as written; what it leaves out is defaulted.
        let h: Hotspot =
            serde_json::from_str(r#"{"id":"market","name":"Market Square","area":"Centre"}"#)
                .unwrap();
        assert_eq!((h.centre, h.radius_m, h.retired), (None, None, false));
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            r#"{"id":"market","name":"Market Square","area":"Centre"}"#
        );
    }

    fn hotspot(id: &str, name: &str, centre: Option<(f64, f64)>, radius_m: Option<u32>) -> Hotspot {
        Hotspot {
            id: id.into(),
            name: name.into(),
            area: "Town centre".into(),
            centre: centre.map(|(lat, lon)| Centre { lat, lon }),
            radius_m,
            retired: false,
        }
    }

    fn with(hotspots: Vec<Hotspot>) -> ForceSettings {
        ForceSettings {
            hotspots,
            ..ForceSettings::default()
        }
    }

    #[test]
    fn hotspot_ids_are_short_lowercase_slugs_and_never_other() {
        for good in ["market-square", "hs-1", "a", &"x".repeat(40)] {
            assert!(is_hotspot_id(good), "{good}");
        }
        for bad in [
            "",
            "Market-Square",
            "market square",
            "-market",
            "other",
            "café",
            &"x".repeat(41),
        ] {
            assert!(!is_hotspot_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_bad_hotspot_list_is_refused_field_by_field() {
        let mut twice = hotspot("market", "Market Square", Some((52.0, -1.0)), Some(200));
        twice.name = "Market Sq".into();
        let settings = with(vec![
            hotspot("market", "Market Square", Some((52.0, -1.0)), Some(200)),
            twice,
            hotspot("Bad ID", "", None, Some(100)),
            hotspot("far", "Far", Some((91.0, -181.0)), Some(6_000)),
        ]);
        let errors = settings.check().unwrap_err();
        let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "hotspots[1].id: Another hotspot already has this ID",
                "hotspots[2].id: Use lowercase letters, digits and hyphens, at most 40",
                "hotspots[2].name: Enter the hotspot's name",
                "hotspots[2].radius_m: A radius needs a centre",
                "hotspots[3].centre.lat: Must be between -90 and 90",
                "hotspots[3].centre.lon: Must be between -180 and 180",
                "hotspots[3].radius_m: Must be between 10 and 5000",
            ]
        );
        let many = with(
            (0..=MAX_HOTSPOTS)
                .map(|i| hotspot(&format!("h{i}"), "H", None, None))
                .collect(),
        );
        assert_eq!(many.check().unwrap_err()[0].field, "hotspots");
    }

    #[test]
    fn a_hotspot_is_retired_never_removed() {
        let before = with(vec![
            hotspot("market", "Market Square", None, None),
            hotspot("park", "Riverside Park", None, None),
        ]);
        let mut renamed = before.clone();
        renamed.hotspots[0].name = "Market Place".into();
        renamed.hotspots[1].retired = true;
        assert_eq!(renamed.check_change(&before), Ok(()));
        let mut dropped = before.clone();
        dropped.hotspots.remove(0);
        let errors = dropped.check_change(&before).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "hotspots[0]: A hotspot is retired, never removed: past returns name it"
        );
        // Settings stored before hotspots existed read as an empty list.
        assert_eq!(
            ForceSettings::default().check_change(&ForceSettings::default()),
            Ok(())
        );
    }

    #[test]
    fn distances_agree_with_the_haversine_formula_to_a_metre_per_kilometre() {
        fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
            let r = |d: f64| d.to_radians();
            let (dlat, dlon) = (r(b.0 - a.0), r(b.1 - a.1));
            let h = (dlat / 2.0).sin().powi(2)
                + r(a.0).cos() * r(b.0).cos() * (dlon / 2.0).sin().powi(2);
            2.0 * 6_371_000.0 * h.sqrt().asin()
        }
        for (centre, from) in [
            ((52.6369, -1.1398), (52.6369, -1.1298)),
            ((52.6369, -1.1398), (52.6469, -1.1398)),
            ((58.9700, -3.3000), (58.9500, -3.2500)),
            ((50.0660, -5.7150), (50.0700, -5.7000)),
            ((0.0, 0.0), (0.01, 0.01)),
        ] {
            let h = hotspot("h", "H", Some(centre), None);
            let ours = h.distance_m(from.0, from.1).unwrap();
            let exact = haversine(centre, from);
            assert!(
                (ours - exact).abs() <= exact / 1000.0 + 0.5,
                "{centre:?} {from:?}: {ours} vs {exact}"
            );
        }
        assert_eq!(hotspot("h", "H", None, None).distance_m(52.0, -1.0), None);
    }

    #[test]
    fn the_nearest_hotspot_is_offered_first_and_retired_ones_never() {
        let mut old = hotspot("old", "Old Bus Station", Some((52.6370, -1.1398)), None);
        old.retired = true;
        let list = vec![
            hotspot(
                "park",
                "Riverside Park",
                Some((52.6500, -1.1500)),
                Some(300),
            ),
            hotspot(
                "market",
                "Market Square",
                Some((52.6369, -1.1398)),
                Some(200),
            ),
            hotspot("precinct", "Shopping Precinct", None, None),
            old,
            hotspot("bus", "Bus Station", Some((52.6400, -1.1350)), Some(100)),
        ];
        fn ids(offers: Vec<Offer<'_>>) -> Vec<String> {
            offers.iter().map(|o| o.hotspot.id.clone()).collect()
        }
        // No position: by name.
        assert_eq!(
            ids(offers(&list, "", "", None)),
            ["bus", "market", "park", "precinct"]
        );
        // Standing in the market: it first, inside its radius; the one
        // without a centre last.
        let here = offers(&list, "", "", Some((52.6370, -1.1399)));
        assert_eq!(ids(here.clone()), ["market", "bus", "park", "precinct"]);
        assert!(here[0].here && !here[1].here);
        assert!(here[0].distance_m.unwrap() < 20.0);
        assert_eq!(here[3].distance_m, None);
        // Searching: every word, any case, in the name, area or ID.
        assert_eq!(ids(offers(&list, "STATION", "", None)), ["bus"]);
        assert_eq!(ids(offers(&list, "town park", "", None)), ["park"]);
        assert_eq!(
            ids(offers(&list, "precinct", "", Some((52.0, -1.0)))),
            ["precinct"]
        );
        assert!(offers(&list, "nowhere", "", None).is_empty());
        // What is picked stays listed while searching for something else.
        assert_eq!(ids(offers(&list, "station", "park", None)), ["bus", "park"]);
        // Said as the picker says it.
        let texts: Vec<Option<String>> = here.iter().map(Offer::distance_text).collect();
        assert_eq!(texts[0].as_deref(), Some("here"));
        assert_eq!(texts[1].as_deref(), Some("470 m"));
        assert_eq!(texts[2].as_deref(), Some("1.6 km"));
        assert_eq!(texts[3], None);
        // A long list is drawn a page at a time, what is picked included.
        let long: Vec<Hotspot> = (0..100)
            .map(|i| hotspot(&format!("h{i:03}"), &format!("Hotspot {i:03}"), None, None))
            .collect();
        let (shown, more) = first_offers(offers(&long, "", "h099", None), "h099");
        assert_eq!(
            (shown.len(), more),
            (PICKER_SHOWN + 1, 100 - PICKER_SHOWN - 1)
        );
        assert_eq!(shown.last().map(|o| o.hotspot.id.as_str()), Some("h099"));
    }

    #[test]
    fn a_patrol_is_named_after_its_hotspot_as_the_force_lists_it() {
        let settings = with(vec![hotspot("market", "Market Square", None, None)]);
        let mut record = crate::Record::Patrol(crate::record::Patrol {
            area: String::new(),
            mode: None,
            ended_at: None,
            hotspot: Some("market".into()),
        });
        settings.name_hotspot(&mut record);
        assert!(matches!(&record, crate::Record::Patrol(p) if p.area == "Market Square"));
        // Unknown to this phone's list: left for the server to refuse.
        let mut unknown = crate::Record::Patrol(crate::record::Patrol {
            area: "typed".into(),
            mode: None,
            ended_at: None,
            hotspot: Some("gone".into()),
        });
        settings.name_hotspot(&mut unknown);
        assert!(matches!(&unknown, crate::Record::Patrol(p) if p.area == "typed"));
    }
}
