//! Command line. One subcommand per job: `serve`, and the account
//! administration commands `user` and `team`, which work on the same
//! database file (also while the server runs).
use crate::accounts::client_addr::Cidr;
use crate::zone::ForceZone;
use beatbook_core::auth::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "beatbook-server",
    version,
    about = "Beatbook central server: serves the officer and supervisor app and stores synced entries exactly once.",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// How log lines on stderr are written: `text` for a person, `json`
    /// (one object per line, with the request ID of the request it is
    /// about) for a log collector.
    #[arg(long, global = true, env = "BEATBOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the sync API until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Manage accounts: add, reset a password, disable, list, and see or
    /// revoke a user's device sessions.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage teams (officers belong to teams; supervisors supervise them).
    #[command(subcommand)]
    Team(TeamCommand),
    /// The force's settings the apps follow: lock timeout, how long phones
    /// keep synced shifts, whether stop and account is recorded.
    #[command(subcommand)]
    Force(ForceCommand),
    /// Create the database if it is missing and apply this server's
    /// migrations, then exit: for deploys that migrate in their own step
    /// and start every instance with `serve --no-migrate`.
    Migrate(DbArg),
    /// Copy the database to a new file while the server runs on it: one
    /// consistent snapshot (SQLite `VACUUM INTO`), checked after writing.
    Backup(BackupArgs),
}

/// The database, as for `serve`.
#[derive(Debug, Clone, Args)]
pub struct DbArg {
    /// The database: a SQLite file path or `sqlite:` URL (created and
    /// migrated if needed), or a `postgres://` URL (the database must exist;
    /// migrated if needed). Safe to use while the server runs on it.
    #[arg(long, env = "BEATBOOK_DB", default_value = "beatbook.db")]
    pub db: String,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The new file. Never overwritten: a backup that names an existing
    /// file is refused.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Records their own entries and reads only those.
    Officer,
    /// Records their own entries; reads those of the officers in their teams.
    Supervisor,
    /// Manages accounts; reads no logs.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Officer => Role::Officer,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a random one-time password
    /// is generated and printed once (the only secret this tool ever prints).
    Add(UserAddArgs),
    /// Set a new password and end every session of the account. Without
    /// --password-stdin a random one-time password is printed once.
    ResetPassword(PasswordArgs),
    /// Disable an account: every session of it ends at once and it can no
    /// longer sign in.
    Disable(OfficerArgs),
    /// Enable a disabled account again (its old sessions stay ended).
    Enable(OfficerArgs),
    /// List accounts: officer ID, name, role, teams, status, live sessions.
    /// Never prints a password hash.
    List(DbArg),
    /// List an account's device sessions: device ID, created, last seen,
    /// expires, revoked.
    Devices(OfficerArgs),
    /// End an account's sessions on one device (a lost or stolen phone).
    RevokeDevice(RevokeDeviceArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Collar or warrant number: letters, digits and `-_./`, up to 32
    /// characters. Every entry the officer records carries it.
    #[arg(long)]
    pub officer_id: String,
    /// The name shown in the app, e.g. "PC 1234 Jones".
    #[arg(long)]
    pub name: String,
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// A team the officer belongs to, or a supervisor supervises (repeat for
    /// several). Required for officers and supervisors. The team must exist
    /// (`team add`).
    #[arg(long = "team", value_name = "TEAM")]
    pub teams: Vec<String>,
    /// Read the password from standard input (one line) instead of
    /// generating a one-time password. At least 10 characters.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PasswordArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub officer_id: String,
    /// Read the new password from standard input (one line) instead of
    /// generating a one-time password.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct OfficerArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub officer_id: String,
}

#[derive(Debug, Clone, Args)]
pub struct RevokeDeviceArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[arg(long)]
    pub officer_id: String,
    /// The device ID as `user devices` shows it.
    #[arg(long)]
    pub device_id: String,
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team.
    Add(TeamAddArgs),
    /// List teams with how many officers and supervisors each has.
    List(DbArg),
    /// Put someone in a team from a time (default now): their shifts that
    /// start from then on count for it. A move is `join` the new team and
    /// `leave` the old one at the same time.
    Join(TeamMoveArgs),
    /// Take someone out of a team at a time (default now). Their membership
    /// is closed, never deleted: shifts that started before it stay the
    /// team's, in its shift list and its past returns.
    Leave(TeamMoveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TeamMoveArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The team's name.
    pub name: String,
    #[arg(long)]
    pub officer_id: String,
    /// When, RFC 3339 (e.g. 2026-10-15T07:00:00Z or with an offset);
    /// default now. Never in the future; a past time records a move
    /// made before it was entered here.
    #[arg(long)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Subcommand)]
pub enum ForceCommand {
    /// Print the settings (the defaults until set).
    Show(DbArg),
    /// Change some settings; the others keep their values. Every change is
    /// a security event. Phones pick it up at their next sync.
    Set(ForceSetArgs),
    /// Add a hotspot, or change one by its ID (name, programme area,
    /// centre, radius, retired). A hotspot is never removed: retire it, and
    /// the patrols and returns that named it keep its history.
    Hotspot(HotspotArgs),
}

#[derive(Debug, Clone, Args)]
pub struct HotspotArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Its stable ID: lowercase letters, digits and hyphens, e.g.
    /// `market-square`. A new ID adds a hotspot (then --name and --area
    /// are needed); a known one changes it.
    #[arg(long)]
    pub id: String,
    /// The name officers pick and returns show.
    #[arg(long)]
    pub name: Option<String>,
    /// The programme area it belongs to.
    #[arg(long)]
    pub area: Option<String>,
    /// Its centre as `LAT,LON` in degrees, e.g. `52.6369,-1.1398`, or
    /// `none` to forget it.
    #[arg(long)]
    pub centre: Option<String>,
    /// Metres around the centre (10 to 5000), or 0 for none.
    #[arg(long)]
    pub radius_m: Option<u32>,
    /// Retire it (no longer offered to officers) or bring it back.
    #[arg(long, value_enum)]
    pub retired: Option<OnOff>,
}

#[derive(Debug, Clone, Args)]
pub struct ForceSetArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Minutes without a touch before the app locks (1 to 60).
    #[arg(long)]
    pub lock_minutes: Option<u32>,
    /// Days a fully synced shift stays on a phone after it ends (1 to 90).
    #[arg(long)]
    pub retention_days: Option<u32>,
    /// Whether officers record stop and account.
    #[arg(long, value_enum)]
    pub stop_and_account: Option<OnOff>,
    /// Patrols longer than this many minutes are flagged on the shift
    /// record (15 to 720).
    #[arg(long)]
    pub long_patrol_minutes: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Args)]
pub struct TeamAddArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// The team's name, e.g. "North Hotspot Team".
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on, as IP:PORT. Port 0 picks a free port; the address
    /// actually bound is printed on stdout as `listening on http://IP:PORT`.
    #[arg(long, env = "BEATBOOK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The database: a SQLite file path or `sqlite:` URL (the file is
    /// created on first run), or a `postgres://` URL (the database must
    /// exist). Migrations are applied at every start (unless --no-migrate).
    #[arg(long, env = "BEATBOOK_DB", default_value = "beatbook.db")]
    pub db: String,

    /// Never migrate: refuse to start unless the database already has
    /// every migration this server needs (run `beatbook-server migrate`
    /// first). For deploys that migrate in their own step.
    #[arg(long, env = "BEATBOOK_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Directory holding the built app (trunk's `dist`), served at `/`.
    #[arg(long, env = "BEATBOOK_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Absolute lifetime of a sign-in, in hours (1 to 168): after it the
    /// officer signs in again, whatever the activity.
    #[arg(
        long,
        env = "BEATBOOK_SESSION_HOURS",
        default_value_t = crate::accounts::DEFAULT_SESSION_HOURS,
        value_parser = clap::value_parser!(u32).range(1..=168)
    )]
    pub session_hours: u32,

    /// A reverse proxy in front of the server (a CIDR such as 10.0.0.0/8,
    /// or one address; repeat the flag or separate with commas). Only for
    /// a TCP peer in this list is the client's address read from
    /// `X-Forwarded-For` (or `Forwarded`), for sign-in limits and security
    /// events; from anyone else those headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "BEATBOOK_TRUSTED_PROXY",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<Cidr>,

    /// Seconds a client has to send a request's headers; also how long an
    /// idle keep-alive connection stays open. Then the connection is closed.
    #[arg(
        long,
        env = "BEATBOOK_HEADER_TIMEOUT_S",
        default_value_t = crate::http::conn::DEFAULT_HEADER_TIMEOUT_S,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub header_timeout_s: u64,

    /// Seconds a client has to send a request's body; then 408.
    #[arg(
        long,
        env = "BEATBOOK_BODY_TIMEOUT_S",
        default_value_t = crate::http::conn::DEFAULT_BODY_TIMEOUT_S,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub body_timeout_s: u64,

    /// Connections open at once (lowered to fit the open-file limit);
    /// beyond it a new connection is answered 503 with Retry-After and closed.
    #[arg(
        long,
        env = "BEATBOOK_MAX_CONNECTIONS",
        default_value_t = crate::http::conn::DEFAULT_MAX_CONNECTIONS,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000)
    )]
    pub max_connections: usize,

    /// Pushes with a body over 256 KiB (or of unknown length) read and
    /// handled at once; one more waits up to 2 s, then gets 503 with
    /// Retry-After. The app's own batches are smaller and never wait.
    #[arg(
        long,
        env = "BEATBOOK_MAX_LARGE_PUSHES",
        default_value_t = crate::http::conn::DEFAULT_MAX_LARGE_PUSHES,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000)
    )]
    pub max_large_pushes: usize,

    /// The force's time zone (an IANA name): days, ISO weeks and months of
    /// the return, the shift list's and the exports' dates, and the local
    /// times in the CSV exports are counted in it. An unknown name is
    /// refused at start.
    #[arg(
        long,
        env = "BEATBOOK_TIME_ZONE",
        value_name = "ZONE",
        default_value = crate::zone::DEFAULT_TIME_ZONE
    )]
    pub time_zone: ForceZone,

    /// Also answer `GET /metrics` (Prometheus text format) on this
    /// address, as IP:PORT, and nothing else there. Off unless set. Keep
    /// it on a private address (loopback or an internal network): the
    /// app's own listener never serves metrics.
    #[arg(long, env = "BEATBOOK_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// Reading connections to the database (1 to 64).
    #[arg(
        long,
        env = "BEATBOOK_DB_READERS",
        default_value_t = 4,
        value_parser = clap::value_parser!(u32).range(1..=64)
    )]
    pub db_readers: u32,

    /// Connections of the accounts pool: sessions, sign-in limits and
    /// security events (1 to 64).
    #[arg(
        long,
        env = "BEATBOOK_DB_ACCOUNTS_CONNECTIONS",
        default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..=64)
    )]
    pub db_accounts_connections: u32,

    /// Milliseconds a request waits for a free connection of a pool
    /// before it is told the server is busy (503; 100 to 600000, ten
    /// minutes). Not less: opening a pool's first connection at start
    /// waits this long too, and takes a few milliseconds, more under load.
    #[arg(
        long,
        env = "BEATBOOK_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5000,
        value_parser = clap::value_parser!(u64).range(100..=600_000)
    )]
    pub db_acquire_timeout_ms: u64,

    /// Milliseconds a connection waits for SQLite's lock (another process
    /// on the file, a checkpoint) before giving up (1 to 600000).
    #[arg(
        long,
        env = "BEATBOOK_DB_BUSY_TIMEOUT_MS",
        default_value_t = 5000,
        value_parser = clap::value_parser!(u64).range(1..=600_000)
    )]
    pub db_busy_timeout_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_has_defaults() {
        let cli = Cli::try_parse_from(["beatbook-server", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.db, "beatbook.db");
        assert_eq!(args.dist, PathBuf::from("dist"));
        assert_eq!(args.session_hours, 12);
        assert!(args.trusted_proxies.is_empty());
        assert_eq!(
            (
                args.header_timeout_s,
                args.body_timeout_s,
                args.max_connections,
                args.max_large_pushes
            ),
            (10, 30, 1024, 8)
        );
        // The pool flags' defaults are the library's (`App::open` and tests).
        let pools = crate::db::PoolConfig::default();
        assert_eq!(
            (
                args.db_readers,
                args.db_accounts_connections,
                u128::from(args.db_acquire_timeout_ms),
                u128::from(args.db_busy_timeout_ms)
            ),
            (
                pools.readers,
                pools.accounts,
                pools.acquire_timeout.as_millis(),
                pools.busy_timeout.as_millis()
            )
        );
        assert_eq!(args.metrics_listen, None);
        let cli = Cli::try_parse_from([
            "beatbook-server",
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8,192.0.2.7",
            "--trusted-proxy",
            "::1",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        let shown: Vec<String> = args
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "::1/128"]);
        assert!(
            Cli::try_parse_from(["beatbook-server", "serve", "--trusted-proxy", "10.1.0.0/8"])
                .is_err()
        );
    }

    #[test]
    fn user_commands_parse() {
        let cli = Cli::try_parse_from([
            "beatbook-server",
            "user",
            "add",
            "--db",
            "x.db",
            "--officer-id",
            "PC1",
            "--name",
            "PC One",
            "--role",
            "supervisor",
            "--team",
            "North",
            "--team",
            "South",
        ])
        .unwrap();
        let Command::User(UserCommand::Add(a)) = cli.command else {
            panic!("expected user add");
        };
        assert_eq!(a.teams, ["North", "South"]);
        assert_eq!(a.role, RoleArg::Supervisor);
        assert!(!a.password_stdin);
        assert!(Cli::try_parse_from([
            "beatbook-server",
            "user",
            "add",
            "--officer-id",
            "PC1",
            "--name",
            "x",
            "--role",
            "chief"
        ])
        .is_err());
        assert!(Cli::try_parse_from([
            "beatbook-server",
            "user",
            "revoke-device",
            "--officer-id",
            "PC1"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "serve", "--session-hours", "0"]).is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "team", "add", "North"]).is_ok());
    }

    #[test]
    fn a_move_names_the_team_the_officer_and_when() {
        let parsed = Cli::try_parse_from([
            "beatbook-server",
            "team",
            "leave",
            "North",
            "--officer-id",
            "PC1",
            "--at",
            "2026-10-15T08:00:00+01:00",
        ])
        .unwrap();
        let Command::Team(TeamCommand::Leave(args)) = parsed.command else {
            panic!("not a team leave");
        };
        assert_eq!(
            (args.name.as_str(), args.officer_id.as_str()),
            ("North", "PC1")
        );
        assert_eq!(
            args.at.map(|t| t.to_rfc3339()),
            Some("2026-10-15T07:00:00+00:00".to_owned())
        );
        let join = [
            "beatbook-server",
            "team",
            "join",
            "South",
            "--officer-id",
            "PC1",
        ];
        assert!(Cli::try_parse_from(join).is_ok());
        assert!(Cli::try_parse_from([
            "beatbook-server",
            "team",
            "join",
            "South",
            "--officer-id",
            "PC1",
            "--at",
            "15 October"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "team", "join", "South"]).is_err());
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(Cli::try_parse_from(["beatbook-server", "serve", "--listen", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "serve", "--frobnicate"]).is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "launch"]).is_err());
    }
}
