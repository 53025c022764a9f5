//! Command line of `beatbook-tools`: the development and benchmark
//! commands that were `beatbook-server seed`, `bench-ceiling` and
//! `bench-users`, with the same flags, so that the server binary carries
//! none of them.
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "beatbook-tools",
    version,
    about = "Beatbook development tools: a demo force, benchmark accounts and the insert ceiling. Never for a force's real database.",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill a fresh database with a demo force, deterministic from --seed:
    /// teams, officers and supervisors (one-time passwords printed once),
    /// hotspots and months of shifts, patrols and entries.
    Seed(SeedArgs),
    /// Benchmark helper: time a bare batched insert of sample revisions into
    /// a fresh database with the server's schema (the "ceiling" the server is
    /// compared with).
    BenchCeiling(CeilingArgs),
    /// Benchmark helper: create simulated officers, each signed in on its own
    /// device, and print `officer_id<TAB>device_id<TAB>token` lines for
    /// `beatbook-load --tokens`. Their passwords are unusable: they exist
    /// only through these sessions.
    BenchUsers(BenchUsersArgs),
    /// Benchmark helper: time wrong-password sign-ins at a running server,
    /// one at a time (officer IDs nobody has: limits, hash, security
    /// event), then attempts at a locked pair (the limits' check alone).
    BenchSignIn(SignInCostArgs),
    /// Test helper: an HTTP proxy in front of a server (or a balancer) that
    /// drops a share of POST answers after the server committed them, as a
    /// phone's network does. Prints `listening on http://ADDR`, then, when
    /// stopped (SIGTERM or Ctrl-C), `passed=N dropped=N`.
    FaultProxy(FaultProxyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct FaultProxyArgs {
    /// Where to listen (port 0: one the system picks).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// The server or balancer to forward to, e.g. 127.0.0.1:8080.
    #[arg(long)]
    pub upstream: std::net::SocketAddr,
    /// Share of POST answers dropped, from 0 to 1.
    #[arg(long, default_value_t = 0.2)]
    pub drop_rate: f64,
    /// Seed for which answers are dropped.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
pub struct SignInCostArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:8080 (a fresh
    /// database: the run's own failures count against its address).
    #[arg(long)]
    pub url: String,
    /// Wrong-password sign-ins to time (at most 190, under the per-address
    /// limit).
    #[arg(long, default_value_t = 150)]
    pub wrong: usize,
    /// Attempts at a locked pair to time.
    #[arg(long, default_value_t = 300)]
    pub refused: usize,
}

#[derive(Debug, Clone, Args)]
pub struct BenchUsersArgs {
    /// The database, as `beatbook-server --db`: a SQLite file or `sqlite:`
    /// URL, or a `postgres://` URL; migrated if needed.
    #[arg(long, env = "BEATBOOK_DB", default_value = "beatbook.db")]
    pub db: String,
    /// How many officers (each with one device session).
    #[arg(long)]
    pub count: usize,
    /// Officer IDs are `<prefix>-<n>`, device IDs `<prefix>-device-<n>`.
    #[arg(long, default_value = "load")]
    pub prefix: String,
    /// Their team (created if missing).
    #[arg(long, default_value = "bench")]
    pub team: String,
    /// Session lifetime in hours.
    #[arg(long, default_value_t = 12)]
    pub hours: u32,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// The database, as `beatbook-server --db`: a SQLite file or `sqlite:`
    /// URL, or a `postgres://` URL; migrated if needed; it must hold no
    /// accounts yet.
    #[arg(long, env = "BEATBOOK_DB", default_value = "beatbook.db")]
    pub db: String,
    /// How many officers (police, PCSOs, wardens, specials), spread over the teams.
    #[arg(long, default_value_t = 36)]
    pub officers: usize,
    /// How many teams, each with one supervisor and three hotspots.
    #[arg(long, default_value_t = 4)]
    pub teams: usize,
    /// How many months of shifts, ending the day before --end.
    #[arg(long, default_value_t = 3)]
    pub months: u32,
    /// The same seed makes the same force and the same entries.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the data stops (YYYY-MM-DD, exclusive; default today, UTC).
    #[arg(long)]
    pub end: Option<String>,
    /// Accounts without a usable password (benchmarks): no secret printed.
    #[arg(long)]
    pub no_passwords: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CeilingArgs {
    /// How many revisions to insert.
    #[arg(long, default_value_t = 30_000)]
    pub rows: usize,

    /// Revisions per transaction.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,

    /// Database to fill: a SQLite file to create (must not exist yet) or
    /// a `postgres://` URL of an empty database.
    #[arg(long)]
    pub db: String,
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
    fn the_flags_the_scripts_use_parse() {
        let cli = Cli::try_parse_from([
            "beatbook-tools",
            "seed",
            "--db",
            "d.db",
            "--officers",
            "2",
            "--teams",
            "1",
            "--months",
            "1",
            "--seed",
            "1",
        ])
        .unwrap();
        let Command::Seed(a) = cli.command else {
            panic!("expected seed");
        };
        assert_eq!((a.db.as_str(), a.officers, a.teams), ("d.db", 2, 1));
        let cli = Cli::try_parse_from([
            "beatbook-tools",
            "bench-users",
            "--db",
            "d.db",
            "--count",
            "30",
            "--prefix",
            "rate",
        ])
        .unwrap();
        let Command::BenchUsers(a) = cli.command else {
            panic!("expected bench-users");
        };
        assert_eq!(
            (a.count, a.prefix.as_str(), a.team.as_str()),
            (30, "rate", "bench")
        );
        let cli = Cli::try_parse_from([
            "beatbook-tools",
            "bench-ceiling",
            "--rows",
            "60000",
            "--batch",
            "100",
            "--db",
            "c.db",
        ])
        .unwrap();
        let Command::BenchCeiling(a) = cli.command else {
            panic!("expected bench-ceiling");
        };
        assert_eq!((a.rows, a.batch), (60_000, 100));
        assert!(Cli::try_parse_from(["beatbook-tools", "bench-ceiling"]).is_err());
    }
}
