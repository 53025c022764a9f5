//! Fixed code lists (ethnicity, legal powers, outcomes...).
//!
//! Each list is declared once with [`code_list!`]: the stable code is what is
//! stored and synced, the label is what an officer reads. Serde goes through the
//! code so stored JSON never depends on Rust variant names.

/// A value from a fixed list with a stable short code and a human label.
pub trait Code: Sized + Copy + 'static {
    /// Every value, in the order a form should offer them.
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
    /// (code, label) pairs, for select boxes.
    fn options() -> Vec<(&'static str, &'static str)> {
        Self::ALL.iter().map(|v| (v.code(), v.label())).collect()
    }
}

/// Declares a code list enum: `Variant = ("code", "Label")`.
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $crate::codes::Code for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn code(self) -> &'static str { match self { $(Self::$variant => $code),+ } }
            fn label(self) -> &'static str { match self { $(Self::$variant => $label),+ } }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::codes::Code::code(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <Self as $crate::codes::Code>::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} code \"{}\"", stringify!($name), code
                    ))
                })
            }
        }

        /// One of the list's codes (a string).
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::openapi::code_schema(&[$($code),+])
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::codes::Code::label(*self))
            }
        }
    };
}

code_list! {
    /// Self-defined ethnicity, the 18+1 census categories (PACE Code A 4.3).
    Ethnicity {
        W1 = ("W1", "W1 English, Welsh, Scottish, Northern Irish or British"),
        W2 = ("W2", "W2 Irish"),
        W3 = ("W3", "W3 Gypsy or Irish Traveller"),
        W9 = ("W9", "W9 Any other White background"),
        M1 = ("M1", "M1 White and Black Caribbean"),
        M2 = ("M2", "M2 White and Black African"),
        M3 = ("M3", "M3 White and Asian"),
        M9 = ("M9", "M9 Any other Mixed background"),
        A1 = ("A1", "A1 Indian"),
        A2 = ("A2", "A2 Pakistani"),
        A3 = ("A3", "A3 Bangladeshi"),
        A4 = ("A4", "A4 Chinese"),
        A9 = ("A9", "A9 Any other Asian background"),
        B1 = ("B1", "B1 Caribbean"),
        B2 = ("B2", "B2 African"),
        B9 = ("B9", "B9 Any other Black background"),
        O2 = ("O2", "O2 Arab"),
        O9 = ("O9", "O9 Any other ethnic group"),
        NotStated = ("NS", "NS Not stated"),
    }
}

code_list! {
    /// The 5+1 groups the 18+1 codes fall in, in the order the Home Office
    /// publishes them ([`Ethnicity::group`]: the code's letter is its group).
    EthnicGroup {
        Asian = ("asian", "Asian"),
        Black = ("black", "Black"),
        Mixed = ("mixed", "Mixed"),
        White = ("white", "White"),
        Other = ("other", "Other"),
        NotStated = ("not_stated", "Not stated"),
    }
}

impl Ethnicity {
    /// The code's group: W White, M Mixed, A Asian, B Black, O Other, NS
    /// not stated (the census's own grouping of the 18+1 codes).
    pub fn group(self) -> EthnicGroup {
        use Ethnicity::*;
        match self {
            W1 | W2 | W3 | W9 => EthnicGroup::White,
            M1 | M2 | M3 | M9 => EthnicGroup::Mixed,
            A1 | A2 | A3 | A4 | A9 => EthnicGroup::Asian,
            B1 | B2 | B9 => EthnicGroup::Black,
            O2 | O9 => EthnicGroup::Other,
            NotStated => EthnicGroup::NotStated,
        }
    }
}

code_list! {
    /// Who patrolled: the programme reports hours by this.
    PatrollerRole {
        Police = ("police", "Police officer"),
        Pcso = ("pcso", "PCSO"),
        Warden = ("warden", "Warden"),
        Special = ("special", "Special constable"),
    }
}

code_list! {
    PatrolMode {
        Foot = ("foot", "Foot"),
        Vehicle = ("vehicle", "Vehicle"),
        Cycle = ("cycle", "Cycle"),
    }
}

code_list! {
    /// What the search was for.
    SearchObject {
        StolenProperty = ("stolen", "Stolen property"),
        Drugs = ("drugs", "Controlled drugs"),
        OffensiveWeapon = ("weapon", "Offensive weapon or bladed article"),
        Firearm = ("firearm", "Firearm"),
        GoingEquipped = ("equipped", "Articles for burglary or theft"),
        CriminalDamage = ("damage", "Articles for criminal damage"),
        Fireworks = ("fireworks", "Prohibited fireworks"),
        Terrorism = ("terrorism", "Evidence of terrorism"),
        Other = ("other", "Other (describe)"),
    }
}

code_list! {
    /// The legal power used for a search.
    SearchPower {
        Pace1 = ("pace_s1", "s1 PACE (stolen or prohibited articles)"),
        MisuseOfDrugs23 = ("mda_s23", "s23 Misuse of Drugs Act 1971"),
        Firearms47 = ("fa_s47", "s47 Firearms Act 1968"),
        Cjpoa60 = ("cjpoa_s60", "s60 Criminal Justice and Public Order Act 1994"),
        Terrorism43 = ("tact_s43", "s43 Terrorism Act 2000"),
        // s43A: a vehicle reasonably suspected of use for terrorism; s47A:
        // without suspicion, within a senior officer's authorisation.
        Terrorism43A = ("tact_s43a", "s43A Terrorism Act 2000 (vehicle)"),
        Terrorism47A = ("tact_s47a", "s47A Terrorism Act 2000 (authorised)"),
        Other = ("other", "Other power (state it in the grounds)"),
    }
}

code_list! {
    SearchOutcome {
        Arrest = ("arrest", "Arrest"),
        SummonsOrCharge = ("summons", "Summons or charge by post"),
        Caution = ("caution", "Caution"),
        CannabisKhatWarning = ("drugs_warning", "Cannabis or khat warning"),
        CommunityResolution = ("community_resolution", "Community resolution"),
        PenaltyNotice = ("penalty_notice", "Penalty notice"),
        NoFurtherAction = ("nfa", "No further action"),
    }
}

code_list! {
    /// PACE Code G 2.9: why an arrest was necessary.
    NecessityCriterion {
        Name = ("name", "To find the person's name"),
        Address = ("address", "To find the person's address"),
        PreventInjury = ("prevent_injury", "To prevent injury to themselves or another"),
        PreventSufferingInjury = ("prevent_suffering_injury", "To prevent them suffering injury"),
        PreventLossOrDamage = ("prevent_loss", "To prevent loss of or damage to property"),
        PreventPublicDecency = ("public_decency", "To prevent an offence against public decency"),
        PreventObstruction = ("obstruction", "To prevent unlawful obstruction of the highway"),
        ProtectVulnerable = ("protect_vulnerable", "To protect a child or vulnerable person"),
        PromptInvestigation = ("investigation", "To allow prompt and effective investigation"),
        PreventDisappearance = ("disappearance", "To prevent prosecution being hindered by disappearance"),
    }
}

code_list! {
    /// ASB powers and informal tools (ASB, Crime and Policing Act 2014).
    AsbPower {
        InformalWarning = ("informal_warning", "Informal or verbal warning"),
        WarningLetter = ("warning_letter", "ASB warning letter"),
        Cpw = ("cpw", "Community Protection Warning"),
        Cpn = ("cpn", "Community Protection Notice"),
        Dispersal = ("dispersal", "s35 dispersal direction"),
        Pspo = ("pspo", "PSPO enforcement"),
        FixedPenalty = ("fixed_penalty", "Fixed penalty notice"),
        Seizure = ("seizure", "Seizure"),
        // s59 Police Reform Act 2002: a vehicle driven carelessly, or off
        // road, causing alarm, distress or annoyance (off-road bikes).
        S59Warning = ("s59_warning", "s59 warning (vehicle used antisocially)"),
    }
}

code_list! {
    /// Why an arrested person was not taken to a custody suite.
    NoCustodyReason {
        StreetBail = ("street_bail", "Street bail (s30A PACE)"),
        DeArrested = ("de_arrested", "De-arrested: grounds no longer apply"),
        Other = ("other", "Other (explain)"),
    }
}

code_list! {
    /// A dispersal direction changed after it was given (s35 allows both).
    DirectionChange {
        Varied = ("varied", "Varied"),
        Withdrawn = ("withdrawn", "Withdrawn"),
    }
}

code_list! {
    /// Where an Immediate Justice reparation stands.
    IjOutcome {
        InProgress = ("in_progress", "Under way"),
        Completed = ("completed", "Completed"),
        NotCompleted = ("not_completed", "Not completed: did not comply"),
        Declined = ("declined", "Declined by the person"),
    }
}

code_list! {
    SeizureKind {
        Vehicle = ("vehicle", "Vehicle"),
        Weapon = ("weapon", "Weapon"),
        Alcohol = ("alcohol", "Alcohol"),
        Other = ("other", "Other"),
    }
}

code_list! {
    /// The out-of-court disposal an Immediate Justice referral followed.
    IjDisposal {
        CommunityResolution = ("community_resolution", "Community resolution"),
        Outcome22 = ("outcome22", "Outcome 22 deferred prosecution"),
        ConditionalCaution = ("conditional_caution", "Conditional caution"),
    }
}

code_list! {
    NoteKind {
        Engagement = ("engagement", "Community engagement"),
        Reassurance = ("reassurance", "Reassurance visit"),
        Intelligence = ("intelligence", "Intelligence note"),
        General = ("general", "General note"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnicity_has_eighteen_plus_one_codes() {
        assert_eq!(Ethnicity::ALL.len(), 19);
        assert_eq!(Ethnicity::from_code("NS"), Some(Ethnicity::NotStated));
    }

    #[test]
    fn each_code_falls_in_the_group_its_letter_names() {
        for e in Ethnicity::ALL {
            let group = match &e.code()[..1] {
                "W" => EthnicGroup::White,
                "M" => EthnicGroup::Mixed,
                "A" => EthnicGroup::Asian,
                "B" => EthnicGroup::Black,
                "O" => EthnicGroup::Other,
                _ => EthnicGroup::NotStated,
            };
            assert_eq!(e.group(), group, "{e:?}");
        }
        let count = |g| Ethnicity::ALL.iter().filter(|e| e.group() == g).count();
        assert_eq!(count(EthnicGroup::White), 4);
        assert_eq!(count(EthnicGroup::Asian), 5);
        assert_eq!(count(EthnicGroup::NotStated), 1);
    }

    #[test]
    fn codes_round_trip_through_json() {
        for e in Ethnicity::ALL {
            let json = serde_json::to_string(e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.code()));
            assert_eq!(serde_json::from_str::<Ethnicity>(&json).unwrap(), *e);
        }
    }

    #[test]
    fn unknown_code_is_a_clear_error() {
        let err = serde_json::from_str::<SearchPower>("\"s99\"").unwrap_err();
        assert!(
            err.to_string().contains("unknown SearchPower code \"s99\""),
            "{err}"
        );
    }

    #[test]
    fn codes_are_unique_within_each_list() {
        fn unique<C: Code>() {
            let mut codes: Vec<_> = C::ALL.iter().map(|c| c.code()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), C::ALL.len());
        }
        unique::<Ethnicity>();
        unique::<EthnicGroup>();
        unique::<SearchPower>();
        unique::<SearchOutcome>();
        unique::<NecessityCriterion>();
        unique::<AsbPower>();
        unique::<SeizureKind>();
        unique::<IjDisposal>();
        unique::<NoteKind>();
        unique::<PatrollerRole>();
        unique::<PatrolMode>();
        unique::<SearchObject>();
        unique::<NoCustodyReason>();
        unique::<DirectionChange>();
        unique::<IjOutcome>();
    }
}
