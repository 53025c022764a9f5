//! The `user`, `team` and `force` commands: account
//! administration on the database file, also while the server runs on it
//! (the server checks every request against the database, so a disabled
//! account or a revoked device is refused at its next request).
//!
//! The only secret ever printed is a generated one-time password, once.
use beatbook_core::auth::{Role, MAX_OFFICER_ID};
use beatbook_core::force::{Centre, ForceSettings, Hotspot};
use std::io::{Read, Write};
use thiserror::Error;

use crate::accounts::password::{self, SecretError};
use crate::accounts::security::{Event, EventKind};
use crate::cli::{
    ForceCommand, ForceSetArgs, HotspotArgs, OfficerArgs, OnOff, PasswordArgs, RevokeDeviceArgs,
    TeamAddArgs, TeamCommand, TeamMoveArgs, UserAddArgs, UserCommand,
};
use crate::db::accounts::NewUser;
use crate::db::{open_accounts, AccountError, Accounts, DbError};

const MAX_NAME: usize = 100;
const MAX_TEAM: usize = 64;
/// What accounts made without a password (`beatbook-tools bench-users`,
/// `seed --no-passwords`) have instead of a password hash: no password
/// matches it.
pub const UNUSABLE_PASSWORD: &str = "!no-password";

#[derive(Debug, Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
}

impl From<DbError> for AdminError {
    fn from(e: DbError) -> Self {
        Self::Account(AccountError::Db(e))
    }
}

fn invalid(message: impl Into<String>) -> AdminError {
    AdminError::Invalid(message.into())
}

/// Who the command line acts as, for the security log.
fn actor() -> String {
    match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(user) if !user.is_empty() => format!("cli:{user}"),
        _ => "cli".to_owned(),
    }
}

pub fn check_officer_id(id: &str) -> Result<(), AdminError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
    if id.is_empty() || id.len() > MAX_OFFICER_ID || !id.chars().all(ok_char) {
        return Err(invalid(format!(
            "officer ID {id:?}: use 1 to {MAX_OFFICER_ID} letters, digits or `-_./`"
        )));
    }
    Ok(())
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), AdminError> {
    let n = text.chars().count();
    if text.trim().is_empty() || n > max || text.chars().any(char::is_control) {
        return Err(invalid(format!(
            "{what} {text:?}: use 1 to {max} characters, no control characters"
        )));
    }
    Ok(())
}

/// The password from standard input (one line), or a generated one-time
/// password to print once.
fn password_from(stdin: bool, input: &mut dyn Read) -> Result<(String, bool), AdminError> {
    if !stdin {
        return Ok((password::one_time_password()?, true));
    }
    let mut text = String::new();
    input
        .take(password::MAX_PASSWORD_BYTES as u64 + 2)
        .read_to_string(&mut text)
        .map_err(|e| invalid(format!("reading the password from standard input: {e}")))?;
    let line = text.strip_suffix('\n').unwrap_or(&text);
    let line = line.strip_suffix('\r').unwrap_or(line);
    password::check_new_password(line).map_err(invalid)?;
    Ok((line.to_owned(), false))
}

async fn hash(password: String) -> Result<String, AdminError> {
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|e| SecretError::Hash(e.to_string()))?
        .map_err(AdminError::from)
}

fn print_one_time(out: &mut dyn Write, name: &str, otp: &str) -> Result<(), AdminError> {
    writeln!(
        out,
        "one-time password for {name} (shown only now; give it to them in person): {otp}"
    )?;
    Ok(())
}

pub async fn user(
    command: UserCommand,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    match command {
        UserCommand::Add(args) => add_user(args, input, out).await,
        UserCommand::ResetPassword(args) => reset_password(args, input, out).await,
        UserCommand::Disable(args) => set_disabled(args, true, out).await,
        UserCommand::Enable(args) => set_disabled(args, false, out).await,
        UserCommand::List(db) => list_users(&open_accounts(&db.db).await?, out).await,
        UserCommand::Devices(args) => devices(args, out).await,
        UserCommand::RevokeDevice(args) => revoke_device(args, out).await,
    }
}

async fn add_user(
    args: UserAddArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    check_officer_id(&args.officer_id)?;
    check_text("name", &args.name, MAX_NAME)?;
    let role = Role::from(args.role);
    if role != Role::Admin && args.teams.is_empty() {
        return Err(invalid(format!(
            "a {role} needs at least one --team (see `beatbook-server team list`)"
        )));
    }
    for team in &args.teams {
        check_text("team", team, MAX_TEAM)?;
    }
    let (secret, generated) = password_from(args.password_stdin, input)?;
    let accounts = open_accounts(&args.db.db).await?;
    let phc = hash(secret.clone()).await?;
    let teams = args.teams.join(", ");
    let event = Event::new(EventKind::UserCreated)
        .officer(&args.officer_id)
        .actor(&actor())
        .detail(&format!("role {role}; teams: {teams}"));
    accounts
        .create_user(
            &NewUser {
                officer_id: &args.officer_id,
                display_name: &args.name,
                role,
                teams: &args.teams,
                password_hash: &phc,
            },
            &event.row(),
        )
        .await?;
    event.log();
    writeln!(
        out,
        "created {role} {} ({}){}",
        args.officer_id,
        args.name,
        if teams.is_empty() {
            String::new()
        } else {
            format!(", teams: {teams}")
        }
    )?;
    if generated {
        print_one_time(out, &args.officer_id, &secret)?;
    }
    accounts.close().await;
    Ok(())
}

async fn reset_password(
    args: PasswordArgs,
    input: &mut dyn Read,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    let (secret, generated) = password_from(args.password_stdin, input)?;
    let accounts = open_accounts(&args.db.db).await?;
    let phc = hash(secret.clone()).await?;
    let event = Event::new(EventKind::PasswordReset)
        .officer(&args.officer_id)
        .actor(&actor());
    let ended = accounts
        .set_password(&args.officer_id, &phc, &event.row())
        .await?;
    event.log();
    writeln!(
        out,
        "password of {} reset; {ended} session(s) ended",
        args.officer_id
    )?;
    if generated {
        print_one_time(out, &args.officer_id, &secret)?;
    }
    accounts.close().await;
    Ok(())
}

async fn set_disabled(
    args: OfficerArgs,
    disabled: bool,
    out: &mut dyn Write,
) -> Result<(), AdminError> {
    let accounts = open_accounts(&args.db.db).await?;
    let kind = if disabled {
        EventKind::UserDisabled
    } else {
        EventKind::UserEnabled
    };
    let event = Event::new(kind).officer(&args.officer_id).actor(&actor());
    let ended = accounts
        .set_disabled(&args.officer_id, disabled, &event.row())
        .await?;
    event.log();
    if disabled {
        writeln!(
            out,
            "{} disabled; {ended} session(s) ended",
            args.officer_id
        )?;
    } else {
        writeln!(out, "{} enabled", args.officer_id)?;
    }
    accounts.close().await;
    Ok(())
}

/// Left-aligned columns, two spaces apart.
fn table(out: &mut dyn Write, rows: &[Vec<String>]) -> std::io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                let width = widths.get(c).copied().unwrap_or(0);
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

async fn list_users(accounts: &Accounts, out: &mut dyn Write) -> Result<(), AdminError> {
    let users = accounts.list_users().await?;
    if users.is_empty() {
        writeln!(out, "no users yet")?;
        return Ok(());
    }
    let mut rows = vec![[
        "OFFICER ID",
        "NAME",
        "ROLE",
        "TEAMS",
        "STATUS",
        "LIVE SESSIONS",
    ]
    .map(String::from)
    .to_vec()];
    for u in users {
        rows.push(vec![
            u.officer_id,
            u.display_name,
            u.role.to_string(),
            if u.teams.is_empty() {
                "-".into()
            } else {
                u.teams.join(", ")
            },
            if u.disabled { "disabled" } else { "active" }.into(),
            u.active_sessions.to_string(),
        ]);
    }
    table(out, &rows)?;
    Ok(())
}

async fn devices(args: OfficerArgs, out: &mut dyn Write) -> Result<(), AdminError> {
    let accounts = open_accounts(&args.db.db).await?;
    let sessions = accounts.devices(&args.officer_id).await?;
    if sessions.is_empty() {
        writeln!(out, "{} has never signed in", args.officer_id)?;
        return Ok(());
    }
    let mut rows = vec![["DEVICE ID", "CREATED", "LAST SEEN", "EXPIRES", "REVOKED"]
        .map(String::from)
        .to_vec()];
    for s in sessions {
        let revoked = match (s.revoked_at, s.revoked_reason) {
            (Some(at), Some(why)) => format!("{at} ({why})"),
            (Some(at), None) => at,
            (None, _) => "-".into(),
        };
        rows.push(vec![
            s.device_id,
            s.created_at,
            s.last_seen_at,
            s.expires_at,
            revoked,
        ]);
    }
    table(out, &rows)?;
    accounts.close().await;
    Ok(())
}

async fn revoke_device(args: RevokeDeviceArgs, out: &mut dyn Write) -> Result<(), AdminError> {
    let accounts = open_accounts(&args.db.db).await?;
    let event = Event::new(EventKind::DeviceRevoked)
        .officer(&args.officer_id)
        .device(&args.device_id)
        .actor(&actor());
    let ended = accounts
        .revoke_device(&args.officer_id, &args.device_id, &event.row())
        .await?;
    event.log();
    writeln!(
        out,
        "{ended} session(s) of {} on device {} ended",
        args.officer_id, args.device_id
    )?;
    accounts.close().await;
    Ok(())
}

pub async fn team(command: TeamCommand, out: &mut dyn Write) -> Result<(), AdminError> {
    match command {
        TeamCommand::Add(TeamAddArgs { db, name }) => {
            check_text("team", &name, MAX_TEAM)?;
            let accounts = open_accounts(&db.db).await?;
            let event = Event::new(EventKind::TeamCreated)
                .actor(&actor())
                .detail(&name);
            accounts.add_team(&name, &event.row()).await?;
            event.log();
            writeln!(out, "created team {name}")?;
            accounts.close().await;
        }
        TeamCommand::List(db) => {
            let accounts = open_accounts(&db.db).await?;
            let teams = accounts.list_teams().await?;
            if teams.is_empty() {
                writeln!(out, "no teams yet")?;
            } else {
                let mut rows = vec![["TEAM", "OFFICERS", "SUPERVISORS"]
                    .map(String::from)
                    .to_vec()];
                for t in teams {
                    rows.push(vec![
                        t.name,
                        t.officers.to_string(),
                        t.supervisors.to_string(),
                    ]);
                }
                table(out, &rows)?;
            }
            accounts.close().await;
        }
        TeamCommand::Join(args) => team_move(args, true, out).await?,
        TeamCommand::Leave(args) => team_move(args, false, out).await?,
    }
    Ok(())
}

/// `team join` / `team leave`: opens or closes a membership row (migration
/// 0009), with a security event.
async fn team_move(args: TeamMoveArgs, join: bool, out: &mut dyn Write) -> Result<(), AdminError> {
    check_text("team", &args.name, MAX_TEAM)?;
    check_officer_id(&args.officer_id)?;
    let now = chrono::Utc::now();
    let at = args.at.unwrap_or(now);
    // A future time would read as "in the team" at once (the current
    // teams are the open rows): record a move when it has happened.
    if at > now {
        return Err(invalid(
            "--at is in the future: record a move once it has happened",
        ));
    }
    let accounts = open_accounts(&args.db.db).await?;
    let at_text = crate::db::format_time(at);
    let (kind, verb) = if join {
        (EventKind::TeamJoined, "joined")
    } else {
        (EventKind::TeamLeft, "left")
    };
    let event = Event::new(kind)
        .officer(&args.officer_id)
        .actor(&actor())
        .detail(&format!("team {}; at {at_text}", args.name));
    if join {
        accounts
            .join_team(&args.officer_id, &args.name, at, &event.row())
            .await?;
    } else {
        accounts
            .leave_team(&args.officer_id, &args.name, at, &event.row())
            .await?;
    }
    event.log();
    writeln!(
        out,
        "{} {verb} team {} at {at_text}",
        args.officer_id, args.name
    )?;
    accounts.close().await;
    Ok(())
}

/// `force show` / `force set` / `force hotspot`.
pub async fn force(command: ForceCommand, out: &mut dyn Write) -> Result<(), AdminError> {
    let db = match &command {
        ForceCommand::Show(db) => db.clone(),
        ForceCommand::Set(args) => args.db.clone(),
        ForceCommand::Hotspot(args) => args.db.clone(),
    };
    let accounts = open_accounts(&db.db).await?;
    let stored = accounts.force_settings().await?;
    let before = stored
        .as_ref()
        .map(|s| s.settings.clone())
        .unwrap_or_default();
    let mut after = before.clone();
    let changing = match command {
        ForceCommand::Show(_) => false,
        ForceCommand::Set(args) => {
            set_settings(&mut after, args)?;
            true
        }
        ForceCommand::Hotspot(args) => {
            set_hotspot(&mut after, args)?;
            true
        }
    };
    if changing {
        after
            .check()
            .and_then(|()| after.check_change(&before))
            .map_err(|errors| {
                invalid(
                    errors
                        .iter()
                        .map(|e| format!("--{}: {}", flag_of(&e.field), e.problem))
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })?;
        let event = crate::http::force::cli_event(&actor(), &before, &after);
        accounts.set_force_settings(&after, &event.row()).await?;
        event.log();
        writeln!(out, "force settings: {}", event.detail)?;
    } else if stored.is_none() {
        writeln!(out, "(the defaults: never set)")?;
    }
    // As the flags are named, `on`/`off` as `--stop-and-account` takes them.
    for (name, value) in after.named_values() {
        if name == "hotspots" {
            continue;
        }
        let value = match value.as_str() {
            "true" => "on",
            "false" => "off",
            v => v,
        };
        writeln!(out, "{:<20} {value}", name.replace('_', "-"))?;
    }
    writeln!(out, "hotspots             {}", after.hotspots.len())?;
    for h in &after.hotspots {
        writeln!(out, "  {}", h.describe())?;
    }
    accounts.close().await;
    Ok(())
}

/// The flag a settings field is set with: `lock_minutes` is
/// `--lock-minutes`, and anything about a hotspot is one of `--id`,
/// `--name`, `--area`, `--centre`, `--radius-m` (`hotspots[0].radius_m`).
fn flag_of(field: &str) -> String {
    let last = match field.split_once('.') {
        Some((_, rest)) => rest.split('.').next().unwrap_or(rest),
        None if field.starts_with("hotspots[") => "id",
        None => field,
    };
    last.replace('_', "-")
}

fn set_settings(after: &mut ForceSettings, args: ForceSetArgs) -> Result<(), AdminError> {
    let ForceSetArgs {
        db: _,
        lock_minutes,
        retention_days,
        stop_and_account,
        long_patrol_minutes,
    } = args;
    if lock_minutes.is_none()
        && retention_days.is_none()
        && stop_and_account.is_none()
        && long_patrol_minutes.is_none()
    {
        return Err(invalid(
            "name a setting to change: --lock-minutes, --retention-days, --stop-and-account \
             or --long-patrol-minutes (hotspots: force hotspot --id ...)",
        ));
    }
    after.long_patrol_minutes = long_patrol_minutes.unwrap_or(after.long_patrol_minutes);
    after.lock_minutes = lock_minutes.unwrap_or(after.lock_minutes);
    after.retention_days = retention_days.unwrap_or(after.retention_days);
    after.stop_and_account = stop_and_account.map_or(after.stop_and_account, |v| v == OnOff::On);
    Ok(())
}

/// Adds the hotspot `args.id`, or changes the one with that ID.
fn set_hotspot(after: &mut ForceSettings, args: HotspotArgs) -> Result<(), AdminError> {
    let centre = match args.centre.as_deref() {
        None => None,
        Some("none") => Some(None),
        Some(text) => Some(Some(parse_centre(text)?)),
    };
    let index = match after.hotspots.iter().position(|h| h.id == args.id) {
        Some(i) => i,
        None => {
            let (Some(name), Some(area)) = (args.name.clone(), args.area.clone()) else {
                return Err(invalid(format!(
                    "no hotspot has the ID {:?}: to add it, give --name and --area",
                    args.id
                )));
            };
            after.hotspots.push(Hotspot {
                id: args.id.clone(),
                name,
                area,
                centre: None,
                radius_m: None,
                retired: false,
            });
            after.hotspots.len() - 1
        }
    };
    let Some(h) = after.hotspots.get_mut(index) else {
        return Err(invalid("the hotspot list changed while it was edited"));
    };
    if let Some(name) = args.name {
        h.name = name;
    }
    if let Some(area) = args.area {
        h.area = area;
    }
    if let Some(centre) = centre {
        h.centre = centre;
        if centre.is_none() {
            h.radius_m = None;
        }
    }
    if let Some(r) = args.radius_m {
        h.radius_m = (r > 0).then_some(r);
    }
    if let Some(retired) = args.retired {
        h.retired = retired == OnOff::On;
    }
    Ok(())
}

/// `52.6369,-1.1398`: latitude then longitude, in degrees.
fn parse_centre(text: &str) -> Result<Centre, AdminError> {
    let bad = || {
        invalid(format!(
            "--centre: {text:?} is not LAT,LON in degrees (e.g. 52.6369,-1.1398) or none"
        ))
    };
    let (lat, lon) = text.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    if !lat.is_finite() || !lon.is_finite() {
        return Err(bad());
    }
    Ok(Centre { lat, lon })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officer_ids_are_plain() {
        assert!(check_officer_id("PC1234").is_ok());
        assert!(check_officer_id("load-1a2b-17").is_ok());
        assert!(check_officer_id("").is_err());
        assert!(check_officer_id("PC 1234").is_err());
        assert!(check_officer_id(&"x".repeat(33)).is_err());
    }

    #[test]
    fn passwords_from_stdin_lose_only_the_line_end() {
        let mut input = "a long password here\r\n".as_bytes();
        let (p, generated) = password_from(true, &mut input).unwrap();
        assert_eq!(p, "a long password here");
        assert!(!generated);
        let mut short = "short\n".as_bytes();
        assert!(password_from(true, &mut short).is_err());
        let (otp, generated) = password_from(false, &mut "".as_bytes()).unwrap();
        assert!(generated && otp.len() == 19);
    }

    #[test]
    fn tables_line_up() {
        let mut out = Vec::new();
        table(
            &mut out,
            &[
                vec!["A".into(), "BB".into(), "C".into()],
                vec!["aaa".into(), "b".into(), "c".into()],
            ],
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "A    BB  C\naaa  b   c\n");
    }
}
