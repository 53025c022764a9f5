//! `beatbook-tools`: see `beatbook-tools --help`.
use beatbook_tools::cli::{Cli, Command};
use beatbook_tools::{bench_users, ceiling, fault_proxy, seed, sign_in_cost};
use clap::Parser;
use std::process::ExitCode;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // What the server's library logs (security events, database errors)
    // goes to stderr, as the server's own commands log it, so stdout keeps
    // only what scripts read: passwords, tokens, figures.
    tracing_subscriber::registry()
        .with(
            Targets::new()
                .with_default(LevelFilter::INFO)
                .with_target("sqlx", LevelFilter::WARN),
        )
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("beatbook-tools: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Seed(args) => seed::run(&args, &mut std::io::stdout())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Command::BenchUsers(args) => bench_users::run(&args, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
            Command::BenchSignIn(args) => sign_in_cost::run(&args, &mut std::io::stdout())
                .await
                .map_err(|e| e.to_string()),
            Command::FaultProxy(args) => run_fault_proxy(&args).await,
            Command::BenchCeiling(args) => match ceiling::run(&args).await {
                Ok(r) => {
                    println!(
                        "ceiling rows={} batch={} seconds={:.3} rate={:.0}/s",
                        r.rows,
                        r.batch,
                        r.seconds,
                        r.rate()
                    );
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("beatbook-tools: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the proxy until SIGTERM or Ctrl-C, then says what it did.
async fn run_fault_proxy(args: &beatbook_tools::cli::FaultProxyArgs) -> Result<(), String> {
    use std::io::Write;
    let drops = fault_proxy::Drops::Rate {
        rate: args.drop_rate,
        seed: args.seed,
    };
    let proxy = fault_proxy::start(args.listen, args.upstream, drops)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout();
    writeln!(out, "listening on http://{}", proxy.addr).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("waiting for SIGTERM: {e}"))?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    let counts = proxy.counts();
    writeln!(out, "passed={} dropped={}", counts.passed, counts.dropped).map_err(|e| e.to_string())
}
