//! `beatbook-server`: see `beatbook-server --help`.
use beatbook_server::accounts::admin;
use beatbook_server::cli::{Cli, Command, LogFormat};
use beatbook_server::http::server as app;
use beatbook_server::maintenance;
use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::str::FromStr;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

fn main() -> ExitCode {
    // Bad flags end here with clap's message and exit code 2.
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("beatbook-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => app::run(args).await.map_err(|e| e.to_string()),
            Command::User(command) => {
                let mut out = std::io::stdout();
                admin::user(command, &mut std::io::stdin(), &mut out)
                    .await
                    .map_err(|e| e.to_string())
            }
            Command::Team(command) => admin::team(command, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
            Command::Force(command) => admin::force(command, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
            Command::Migrate(db) => maintenance::migrate(&db.db, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
            Command::Backup(args) => maintenance::backup(&args, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("beatbook-server: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, as text or one JSON object per line. `RUST_LOG` takes
/// `level` or `target=level,...` (default `info`; sqlx's per-statement
/// logs stay at `warn`).
fn init_tracing(format: LogFormat) {
    let default = || {
        Targets::new()
            .with_default(LevelFilter::INFO)
            .with_target("sqlx", LevelFilter::WARN)
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) => Targets::from_str(&spec).unwrap_or_else(|e| {
            eprintln!("beatbook-server: ignoring RUST_LOG={spec:?}: {e}");
            default()
        }),
        Err(_) => default(),
    };
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    // Colours only for a person at a terminal, not in log files.
                    .with_ansi(std::io::stderr().is_terminal()),
            )
            .init(),
        // The request's span (its `request_id`) is flattened into each line.
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .init(),
    }
}
