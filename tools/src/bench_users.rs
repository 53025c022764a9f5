//! `bench-users`: officers `<prefix>-<n>`, each signed in on
//! `<prefix>-device-<n>`, for the load generator and the benchmarks; prints
//! one `officer_id<TAB>device_id<TAB>token` line each. No Argon2 work: their
//! password hash matches no password, so they exist only through these
//! sessions.
use beatbook_core::auth::{Role, MAX_DEVICE_ID};
use beatbook_server::accounts::admin::{check_officer_id, AdminError, UNUSABLE_PASSWORD};
use beatbook_server::accounts::password;
use beatbook_server::db::accounts::{NewUser, TokenHash};
use beatbook_server::db::open_accounts;
use chrono::Utc;
use std::io::Write;

use crate::cli::BenchUsersArgs;

pub async fn run(args: &BenchUsersArgs, out: &mut dyn Write) -> Result<(), AdminError> {
    let invalid = |message: &str| AdminError::Invalid(message.to_owned());
    if args.count == 0 || args.count > 100_000 {
        return Err(invalid("--count must be between 1 and 100000"));
    }
    check_officer_id(&format!("{}-{}", args.prefix, args.count))?;
    if args.prefix.len() + 20 > MAX_DEVICE_ID {
        return Err(invalid("--prefix is too long"));
    }
    let accounts = open_accounts(&args.db).await?;
    let now = Utc::now();
    accounts.ensure_team(&args.team, now).await?;
    let teams = vec![args.team.clone()];
    let mut people = Vec::with_capacity(args.count);
    for n in 0..args.count {
        let (token, hash) = password::new_token()?;
        people.push((
            format!("{}-{n}", args.prefix),
            format!("{}-device-{n}", args.prefix),
            token,
            hash,
        ));
    }
    let rows: Vec<(NewUser<'_>, &str, TokenHash)> = people
        .iter()
        .map(|(officer, device, _, hash)| {
            (
                NewUser {
                    officer_id: officer,
                    display_name: officer,
                    role: Role::Officer,
                    teams: &teams,
                    password_hash: UNUSABLE_PASSWORD,
                },
                device.as_str(),
                *hash,
            )
        })
        .collect();
    let expires = now + chrono::Duration::hours(i64::from(args.hours.max(1)));
    accounts
        .create_users_with_sessions(&rows, now, expires)
        .await?;
    accounts.close().await;
    for (officer, device, token, _) in &people {
        writeln!(out, "{officer}\t{device}\t{token}")?;
    }
    Ok(())
}
