//! Command line. One subcommand per job so `user`, `team` and `seed` can join
//! `serve` later without changing how the server is started.
use clap::{Args, Parser, Subcommand};
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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the sync API until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
    /// Benchmark helper: time a bare batched insert of sample revisions into
    /// a fresh database with the server's schema (the "ceiling" the server is
    /// compared with).
    #[command(hide = true)]
    BenchCeiling(CeilingArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on, as IP:PORT. Port 0 picks a free port; the address
    /// actually bound is printed on stdout as `listening on http://IP:PORT`.
    #[arg(long, env = "BEATBOOK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The database: a file path or a `sqlite:` URL. The file is created on
    /// first run and migrations are applied at every start.
    #[arg(long, env = "BEATBOOK_DB", default_value = "beatbook.db")]
    pub db: String,

    /// Directory holding the built app (trunk's `dist`), served at `/`.
    #[arg(long, env = "BEATBOOK_DIST", default_value = "dist")]
    pub dist: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct CeilingArgs {
    /// How many revisions to insert.
    #[arg(long, default_value_t = 30_000)]
    pub rows: usize,

    /// Revisions per transaction.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,

    /// Database file to create (must not exist yet).
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
    fn serve_has_defaults() {
        let cli = Cli::try_parse_from(["beatbook-server", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(args.db, "beatbook.db");
        assert_eq!(args.dist, PathBuf::from("dist"));
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(Cli::try_parse_from(["beatbook-server", "serve", "--listen", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "serve", "--frobnicate"]).is_err());
        assert!(Cli::try_parse_from(["beatbook-server", "launch"]).is_err());
    }
}
