//! `beatbook-load`: simulated devices pushing valid revisions at a running
//! server, with duplicates and retries, then asking the server what it holds.
//!
//! Each device is a signed-in officer: `--tokens` names a file of
//! `officer_id<TAB>device_id<TAB>token` lines, as `beatbook-tools
//! bench-users` prints them (sessions made before the run, so no password
//! hashing happens while it is measured). Every request carries its
//! device's `Authorization: Bearer` token, and each officer reads back only
//! their own revisions.
//!
//! The last line printed is
//! `expected=N stored=N lost=N duplicated=N rate=R/s p50_ms=X p99_ms=Y`,
//! computed from the server's own answer; the exit code is non-zero when
//! anything was lost or duplicated or a push got an unexpected answer.
use beatbook_core::sync::{
    Outcome, PushRequest, PushResponse, MAX_CHANGES_PER_PUSH, PROTOCOL_VERSION, PUSH_PATH,
};
use beatbook_core::Revision;
use beatbook_server::http::revisions::RevisionsPage;
use beatbook_tools::sample::{Device, Rng};
use bytes::Bytes;
use chrono::Utc;
use clap::Parser;
use reqwest::Client;
use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

#[derive(Debug, Parser)]
#[command(
    name = "beatbook-load",
    about = "Simulates devices pushing revisions to a Beatbook server, then checks with the server that nothing was lost or duplicated."
)]
struct Args {
    /// Base URL of the server, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// File of `officer_id<TAB>device_id<TAB>token` lines, one per device
    /// (`beatbook-tools bench-users --db DB --count N > FILE`).
    #[arg(long)]
    tokens: std::path::PathBuf,
    /// Devices pushing at the same time (one officer each; at most the
    /// number of lines in --tokens).
    #[arg(long)]
    devices: usize,
    /// Revisions each device makes (a shift, a patrol, entries of every kind,
    /// corrections, and the patrol and shift ended).
    #[arg(long)]
    entries_per_device: usize,
    /// Revisions per push.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Chance, after each push, of re-sending an earlier batch (a duplicate).
    #[arg(long, default_value_t = 0.1)]
    dup_rate: f64,
    /// Seed for IDs, contents and the duplicate choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Average pause between one device's pushes, in milliseconds (0: none).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Timeout of one HTTP request, in seconds.
    #[arg(long, default_value_t = 30)]
    request_timeout_s: u64,
    /// Attempts per push (connection errors, timeouts and 5xx are retried
    /// with exponential backoff).
    #[arg(long, default_value_t = 10)]
    max_attempts: u32,
    /// Bound on the whole push phase, in seconds.
    #[arg(long, default_value_t = 600)]
    deadline_s: u64,
}

/// What one device's run came to.
#[derive(Debug, Default)]
struct DeviceReport {
    latencies_ms: Vec<f64>,
    pushes: usize,
    duplicates_sent: usize,
    retries: usize,
    failed_batches: usize,
    unexpected: Vec<String>,
}

/// One push, encoded once (cloning `Bytes` shares it, for retries and
/// duplicates).
struct Batch {
    bytes: Bytes,
    len: usize,
}

/// A signed-in simulated officer.
#[derive(Debug, Clone)]
struct Identity {
    officer_id: String,
    device_id: String,
    /// `Bearer <token>`.
    authorization: Arc<String>,
}

fn read_identities(path: &std::path::Path) -> Result<Vec<Identity>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading --tokens {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let mut parts = line.split('\t');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(o), Some(d), Some(t), None)
                    if !o.is_empty() && !d.is_empty() && !t.is_empty() =>
                {
                    Ok(Identity {
                        officer_id: o.to_owned(),
                        device_id: d.to_owned(),
                        authorization: Arc::new(format!("Bearer {t}")),
                    })
                }
                _ => Err(format!(
                    "--tokens line {}: expected officer_id<TAB>device_id<TAB>token",
                    n + 1
                )),
            }
        })
        .collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.devices == 0 || args.entries_per_device == 0 {
        eprintln!("beatbook-load: --devices and --entries-per-device must be at least 1");
        return ExitCode::from(2);
    }
    if args.batch == 0 || args.batch > MAX_CHANGES_PER_PUSH {
        eprintln!("beatbook-load: --batch must be between 1 and {MAX_CHANGES_PER_PUSH}");
        return ExitCode::from(2);
    }
    if !(0.0..=1.0).contains(&args.dup_rate) {
        eprintln!("beatbook-load: --dup-rate must be between 0 and 1");
        return ExitCode::from(2);
    }
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("beatbook-load: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<bool, String> {
    let base = args.url.trim_end_matches('/').to_owned();
    let client = Client::builder()
        .timeout(Duration::from_secs(args.request_timeout_s))
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(usize::MAX)
        .build()
        .map_err(|e| e.to_string())?;

    let mut identities = read_identities(&args.tokens)?;
    if identities.len() < args.devices {
        return Err(format!(
            "--tokens has {} signed-in officers, --devices asks for {}",
            identities.len(),
            args.devices
        ));
    }
    identities.truncate(args.devices);
    let now = Utc::now();
    let mut expected: HashSet<String> = HashSet::new();
    let mut plans = Vec::new();
    for (d, who) in identities.iter().enumerate() {
        let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(d as u64);
        let revisions = Device::new(seed, &who.officer_id, now)
            .chained()
            .revisions(args.entries_per_device);
        expected.extend(revisions.iter().map(|r| r.id.to_string()));
        let batches = revisions
            .chunks(args.batch)
            .map(|chunk| encode_batch(&who.device_id, chunk))
            .collect::<Result<Vec<_>, _>>()?;
        plans.push(batches);
    }
    let total = args.devices * args.entries_per_device;
    eprintln!(
        "{} devices x {} revisions = {total}, batch {}, dup-rate {}",
        args.devices, args.entries_per_device, args.batch, args.dup_rate
    );

    let start = Instant::now();
    let push_url = Arc::new(format!("{base}{PUSH_PATH}"));
    let mut tasks = JoinSet::new();
    for (d, batches) in plans.into_iter().enumerate() {
        let client = client.clone();
        let url = push_url.clone();
        let authorization = identities[d].authorization.clone();
        let rng = Rng::new(args.seed ^ (d as u64).wrapping_mul(0x9E37_79B9));
        let settings = Settings {
            dup_rate: args.dup_rate,
            think_ms: args.think_ms,
            max_attempts: args.max_attempts,
        };
        tasks.spawn(device(client, url, authorization, batches, rng, settings));
    }
    let mut reports = Vec::new();
    let deadline = tokio::time::sleep(Duration::from_secs(args.deadline_s));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => match next {
                Some(Ok(report)) => reports.push(report),
                Some(Err(e)) => return Err(format!("a device task failed: {e}")),
                None => break,
            },
            () = &mut deadline => {
                eprintln!("deadline of {} s reached; stopping the devices", args.deadline_s);
                tasks.abort_all();
                break;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    let mut latencies: Vec<f64> = reports
        .iter()
        .flat_map(|r| r.latencies_ms.iter().copied())
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pushes: usize = reports.iter().map(|r| r.pushes).sum();
    let dups: usize = reports.iter().map(|r| r.duplicates_sent).sum();
    let retries: usize = reports.iter().map(|r| r.retries).sum();
    let failed: usize = reports.iter().map(|r| r.failed_batches).sum();
    let unexpected: Vec<&String> = reports.iter().flat_map(|r| &r.unexpected).collect();
    for u in unexpected.iter().take(10) {
        eprintln!("unexpected: {u}");
    }

    // Ask the server what it holds, each officer for their own.
    let held = held_ids(&client, &base, &identities).await?;
    // Fresh officers (a new `bench-users`) hold nothing else, so any row
    // beyond the expected ones is a duplicate. (The same officers and seed
    // again make the same revisions: all `already_had`, nothing extra.)
    let rows: usize = held.values().sum();
    let unique = held.len();
    let stored = held.keys().filter(|id| expected.contains(*id)).count();
    let lost = expected.len() - stored;
    let duplicated = (rows - unique) + (unique - stored);

    let rate = expected.len() as f64 / elapsed.max(f64::EPSILON);
    eprintln!(
        "pushes={pushes} duplicate_pushes={dups} retries={retries} failed_batches={failed} unexpected={} seconds={elapsed:.3} rows_read_back={rows}",
        unexpected.len()
    );
    println!(
        "expected={} stored={stored} lost={lost} duplicated={duplicated} rate={rate:.0}/s p50_ms={:.1} p99_ms={:.1}",
        expected.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
    Ok(lost == 0 && duplicated == 0 && unexpected.is_empty())
}

fn encode_batch(device_id: &str, revisions: &[Revision]) -> Result<Batch, String> {
    let request = PushRequest {
        device_time: None,
        protocol: PROTOCOL_VERSION,
        device_id: device_id.to_owned(),
        changes: revisions.iter().collect::<Vec<_>>(),
    };
    let bytes = Bytes::from(serde_json::to_vec(&request).map_err(|e| e.to_string())?);
    Ok(Batch {
        bytes,
        len: revisions.len(),
    })
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    dup_rate: f64,
    think_ms: u64,
    max_attempts: u32,
}

/// One device: push each batch in order (retrying until acknowledged), now
/// and then re-send an earlier one, which must come back all `already_had`.
async fn device(
    client: Client,
    url: Arc<String>,
    authorization: Arc<String>,
    batches: Vec<Batch>,
    mut rng: Rng,
    settings: Settings,
) -> DeviceReport {
    let mut report = DeviceReport::default();
    for i in 0..batches.len() {
        let batch = &batches[i];
        match push(
            &client,
            &url,
            &authorization,
            batch,
            &mut rng,
            settings.max_attempts,
            &mut report,
        )
        .await
        {
            Some(res) => check(&res, batch.len, false, &mut report),
            None => report.failed_batches += 1,
        }
        if rng.unit() < settings.dup_rate {
            let j = rng.below(i + 1);
            report.duplicates_sent += 1;
            if let Some(res) = push(
                &client,
                &url,
                &authorization,
                &batches[j],
                &mut rng,
                settings.max_attempts,
                &mut report,
            )
            .await
            {
                check(&res, batches[j].len, true, &mut report);
            }
        }
        if settings.think_ms > 0 {
            let pause = (rng.unit() * 2.0 * settings.think_ms as f64) as u64;
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
    }
    report
}

/// Every result acknowledged; for a duplicate, every one `already_had`.
fn check(res: &PushResponse, len: usize, duplicate: bool, report: &mut DeviceReport) {
    if res.results.len() != len {
        report
            .unexpected
            .push(format!("{} results for {len} changes", res.results.len()));
        return;
    }
    for r in &res.results {
        let ok = match (&r.outcome, duplicate) {
            (Outcome::AlreadyHad { .. }, _) => true,
            // A retried push whose first answer was lost says AlreadyHad too;
            // a first push says Stored.
            (Outcome::Stored { .. }, false) => true,
            _ => false,
        };
        if !ok {
            report
                .unexpected
                .push(format!("{:?}: {:?}", r.id, r.outcome));
        }
    }
}

/// Sends one push until it gets a 200 (or gives up): connection errors,
/// timeouts, 429 and 5xx are retried with exponential backoff and jitter.
async fn push(
    client: &Client,
    url: &str,
    authorization: &str,
    batch: &Batch,
    rng: &mut Rng,
    max_attempts: u32,
    report: &mut DeviceReport,
) -> Option<PushResponse> {
    let start = Instant::now();
    for attempt in 0..max_attempts {
        if attempt > 0 {
            report.retries += 1;
            let base_ms = (25u64 << attempt.min(7)).min(2000) as f64;
            let wait = base_ms * (0.5 + rng.unit());
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let sent = client
            .post(url)
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .body(batch.bytes.clone())
            .send()
            .await;
        let res = match sent {
            Ok(res) => res,
            Err(_) => continue,
        };
        let status = res.status();
        if status.is_server_error() || status.as_u16() == 429 {
            continue;
        }
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            report.unexpected.push(format!("status {status}: {text}"));
            return None;
        }
        match res.json::<PushResponse>().await {
            Ok(body) => {
                report.pushes += 1;
                report
                    .latencies_ms
                    .push(start.elapsed().as_secs_f64() * 1000.0);
                return Some(body);
            }
            Err(_) => continue, // the answer was cut off: retrying is safe
        }
    }
    None
}

/// How many rows the server holds under each revision ID, for these
/// officers, each asking with their own session.
async fn held_ids(
    client: &Client,
    base: &str,
    officers: &[Identity],
) -> Result<HashMap<String, usize>, String> {
    const LISTERS: usize = 8;
    let mut tasks = JoinSet::new();
    for part in 0..LISTERS {
        let mine: Vec<Identity> = officers
            .iter()
            .skip(part)
            .step_by(LISTERS)
            .cloned()
            .collect();
        let client = client.clone();
        let base = base.to_owned();
        tasks.spawn(async move {
            let mut ids = Vec::new();
            for who in mine {
                let mut after = 0i64;
                loop {
                    let res = client
                        // The officer's own: no filter needed.
                        .get(format!("{base}/api/v1/revisions?limit=1000&after={after}"))
                        .header("authorization", who.authorization.as_str())
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    if !res.status().is_success() {
                        return Err(format!(
                            "reading back {}'s revisions: status {}",
                            who.officer_id,
                            res.status()
                        ));
                    }
                    let page: RevisionsPage = res.json().await.map_err(|e| e.to_string())?;
                    ids.extend(page.revisions.into_iter().map(|r| r.id));
                    match page.next_after {
                        Some(next) => after = next,
                        None => break,
                    }
                }
            }
            Ok::<_, String>(ids)
        });
    }
    let mut held: HashMap<String, usize> = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        for id in joined.map_err(|e| e.to_string())?? {
            *held.entry(id).or_default() += 1;
        }
    }
    Ok(held)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
