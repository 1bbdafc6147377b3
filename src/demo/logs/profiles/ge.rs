//! GE's busiest services: the executor logs the jobs it runs (with the odd coloured summary
//! and, rarely, a job's raw terminal output full of escape sequences and invalid UTF-8, so
//! every consumer's sanitising is exercised), the orchestrator logs requests as uvicorn does.

use jiff::Timestamp;

use super::{Ctx, Dice, Ending, neighbour, python_time};

/// Lines per executor job: picked up, two steps, done.
const LINES_PER_JOB: u64 = 4;
/// Every this many executor lines, one is a coloured summary.
const COLOUR_EVERY: u64 = 29;
/// Every this many executor lines, one is a job's raw terminal output.
const RAW_EVERY: u64 = 211;

const JOB_KINDS: &[&str] = &[
    "render-report",
    "sync-tenant",
    "export-csv",
    "reindex-wiki",
    "send-digest",
    "archive-runs",
];
pub(super) const TENANTS: &[&str] = &[
    "acme",
    "northwind",
    "globex",
    "initech",
    "umbrella",
    "hooli",
];

pub(super) fn python(at: Timestamp, level: &str, logger: &str, message: &str) -> Vec<u8> {
    format!("{} {level} {logger}: {message}", python_time(at)).into_bytes()
}

pub(super) fn executor_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let messages = [
        (
            "ge_executor",
            format!(
                "ge-executor {} starting (python 3.12.9, pid 1, pod {}/{})",
                c.tag, c.namespace, c.pod
            ),
        ),
        (
            "ge_executor.config",
            "queues=default,reports concurrency=4 job_timeout=900s".to_string(),
        ),
        (
            "ge_executor.redis",
            "connected to redis://redis.ge-data.svc.cluster.local:6381/0".to_string(),
        ),
        (
            "ge_executor.db",
            "connected to postgresql://ge@postgresql.ge-data.svc.cluster.local:5432/ge (pool 2..8)"
                .to_string(),
        ),
        (
            "ge_executor.metrics",
            "serving Prometheus metrics on 0.0.0.0:9102".to_string(),
        ),
        (
            "ge_executor.worker",
            "4 workers ready, waiting for jobs".to_string(),
        ),
    ];
    messages
        .iter()
        .enumerate()
        .map(|(i, (logger, message))| python(time(i), "INFO", logger, message))
        .collect()
}

/// The job an executor line belongs to, its worker, kind and tenant.
fn job_of(c: &Ctx, index: u64) -> (u64, u64, &'static str, &'static str) {
    let job = 10_000 + c.seed % 80_000 + index / LINES_PER_JOB;
    let mut dice = Dice::new(c.seed, job, 1);
    (job, job % 4 + 1, *dice.pick(JOB_KINDS), *dice.pick(TENANTS))
}

pub(super) fn executor_line(c: &Ctx, index: u64, at: Timestamp) -> Vec<u8> {
    let (job, worker, kind, tenant) = job_of(c, index);
    let mut dice = Dice::new(c.seed, index, 0);
    if index % RAW_EVERY == RAW_EVERY / 2 {
        // A job's subprocess wrote to its terminal: title, clear screen, carriage returns,
        // the alternate screen and bytes that are not UTF-8, passed through as it was.
        let mut line = python(
            at,
            "INFO",
            &format!("ge_executor.job[{job}]"),
            "subprocess output: ",
        );
        line.extend_from_slice(b"\x1b]0;job finished\x07\x1b[2J\x1b[Hprogress\r 57% \xff\xfe\xc3( \x1b[?1049hdone\x1b[0m");
        return line;
    }
    if index % COLOUR_EVERY == COLOUR_EVERY / 3 {
        let warnings = dice.range(0, 3);
        let message = format!(
            "\x1b[1;32m\u{2714}\x1b[0m job {job} \x1b[2m({kind})\x1b[0m summary: \x1b[32m{} ok\x1b[0m, \x1b[33m{warnings} warnings\x1b[0m",
            dice.range(20, 900)
        );
        return python(at, "INFO", "ge_executor.report", &message);
    }
    let logger = format!("ge_executor.worker[{worker}]");
    match index % LINES_PER_JOB {
        0 => {
            let queue = if matches!(kind, "render-report" | "export-csv") {
                "reports"
            } else {
                "default"
            };
            python(
                at,
                "INFO",
                &logger,
                &format!("picked up job {job} ({kind}, tenant {tenant}) from queue {queue}"),
            )
        }
        1 => python(
            at,
            "INFO",
            &format!("ge_executor.job[{job}]"),
            &format!(
                "step 1/2: fetched {} rows in {} ms",
                dice.range(10, 40_000),
                dice.range(3, 900)
            ),
        ),
        2 => python(
            at,
            "INFO",
            &format!("ge_executor.job[{job}]"),
            &format!(
                "step 2/2: wrote {} kB to s3://ge-artifacts/{tenant}/{job}.out",
                dice.range(1, 9_000)
            ),
        ),
        _ if Dice::new(c.seed, job, 2).one_in(12) => python(
            at,
            "WARNING",
            &logger,
            &format!(
                "job {job} failed after {}.{:02}s: TimeoutError: orchestrator did not answer in 30s (attempt 1/3, retrying in 10s)",
                dice.range(30, 31),
                dice.range(0, 99)
            ),
        ),
        _ => python(
            at,
            "INFO",
            &logger,
            &format!(
                "job {job} done in {}.{:02}s",
                dice.range(0, 40),
                dice.range(0, 99)
            ),
        ),
    }
}

pub(super) fn executor_closing(ending: Ending, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    match ending {
        Ending::Stopped => vec![
            python(
                time(0),
                "INFO",
                "ge_executor",
                "received SIGTERM, draining (1 job running, grace 30s)",
            ),
            python(
                time(1),
                "INFO",
                "ge_executor.worker",
                "all workers idle, closing connections",
            ),
            python(time(2), "INFO", "ge_executor", "stopped"),
        ],
        Ending::Crashed(_) => {
            let error =
                "Error 111 connecting to redis.ge-data.svc.cluster.local:6381. Connection refused.";
            let mut lines = vec![python(
                time(0),
                "ERROR",
                "ge_executor.redis",
                &format!(
                    "lost connection to redis://redis.ge-data.svc.cluster.local:6381/0: {error}"
                ),
            )];
            for text in [
                "Traceback (most recent call last):",
                "  File \"/app/ge_executor/__main__.py\", line 41, in <module>",
                "    asyncio.run(main())",
                "  File \"/app/ge_executor/worker.py\", line 188, in run",
                "    job = await self.queue.pop(timeout=5)",
            ] {
                lines.push(text.as_bytes().to_vec());
            }
            lines.push(format!("redis.exceptions.ConnectionError: {error}").into_bytes());
            lines
        }
        Ending::Completed => vec![python(time(0), "INFO", "ge_executor", "stopped")],
    }
}

pub(super) fn orchestrator_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    vec![
        b"INFO:     Started server process [1]".to_vec(),
        b"INFO:     Waiting for application startup.".to_vec(),
        python(
            time(2),
            "INFO",
            "ge_orchestrator",
            &format!(
                "ge-orchestrator {} connected to postgresql (pool 5) and redis (db 1)",
                c.tag
            ),
        ),
        b"INFO:     Application startup complete.".to_vec(),
        b"INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)".to_vec(),
    ]
}

pub(super) fn orchestrator_line(c: &Ctx, mut dice: Dice) -> Vec<u8> {
    let port = dice.range(32_768, 60_999);
    if dice.one_in(5) {
        return format!(
            "INFO:     {}:{port} - \"GET /healthz HTTP/1.1\" 200 OK",
            c.host_ip
        )
        .into_bytes();
    }
    let job = dice.range(10_000, 99_999);
    let tenant = dice.pick(TENANTS);
    let (request, status) = match dice.range(0, 19) {
        0..=5 => ("GET /api/v1/jobs?state=running".to_string(), "200 OK"),
        6..=9 => (format!("GET /api/v1/jobs/{job}"), "200 OK"),
        10..=12 => ("POST /api/v1/jobs".to_string(), "201 Created"),
        13..=14 => (
            format!("GET /api/v1/tenants/{tenant}/runs?limit=50"),
            "200 OK",
        ),
        15 => (format!("PATCH /api/v1/jobs/{job}"), "204 No Content"),
        16 => (format!("GET /api/v1/jobs/{job}/artifacts"), "404 Not Found"),
        17 => (format!("POST /api/v1/jobs/{job}/cancel"), "409 Conflict"),
        18 => (format!("GET /api/v1/tenants/{tenant}"), "200 OK"),
        _ => (
            format!("POST /api/v1/tenants/{tenant}/sync"),
            "500 Internal Server Error",
        ),
    };
    let client = neighbour(c, &mut dice);
    format!("INFO:     {client}:{port} - \"{request} HTTP/1.1\" {status}").into_bytes()
}

pub(super) fn orchestrator_closing(ending: Ending) -> Vec<Vec<u8>> {
    let lines: &[&str] = match ending {
        Ending::Stopped | Ending::Completed => &[
            "INFO:     Shutting down",
            "INFO:     Waiting for application shutdown.",
            "INFO:     Application shutdown complete.",
            "INFO:     Finished server process [1]",
        ],
        Ending::Crashed(_) => &[
            "ERROR:    Traceback (most recent call last):",
            "  File \"/app/ge_orchestrator/db.py\", line 57, in connect",
            "    self.pool = await asyncpg.create_pool(dsn, min_size=5)",
            "asyncpg.exceptions.CannotConnectNowError: the database system is starting up",
            "",
            "ERROR:    Application startup failed. Exiting.",
        ],
    };
    lines.iter().map(|l| l.as_bytes().to_vec()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            pod: "ge-executor-7d9f8-abcde".into(),
            tag: "2026.03.25-7c1e9a2".into(),
            pod_ip: "10.42.0.17".into(),
            host_ip: "192.168.1.40".into(),
            seed: 99,
            ..Ctx::default()
        }
    }

    #[test]
    fn the_executor_logs_each_job_from_pick_up_to_done() {
        let at: Timestamp = "2026-03-25T10:00:00Z".parse().unwrap();
        let lines: Vec<String> = (0..4)
            .map(|i| String::from_utf8(executor_line(&ctx(), 40 + i, at)).unwrap())
            .collect();
        let job = job_of(&ctx(), 40).0;
        assert!(
            lines[0].contains(&format!("picked up job {job}")),
            "{lines:?}"
        );
        assert!(
            lines[1].contains(&format!("job[{job}]: step 1/2")),
            "{lines:?}"
        );
        assert!(lines[3].contains(&format!("job {job} ")), "{lines:?}");
        assert!(lines[0].starts_with("2026-03-25 10:00:00,000 INFO ge_executor.worker["));
    }

    #[test]
    fn the_executor_sometimes_colours_and_sometimes_writes_raw_terminal_bytes() {
        let at: Timestamp = "2026-03-25T10:00:00Z".parse().unwrap();
        let lines: Vec<Vec<u8>> = (0..RAW_EVERY)
            .map(|i| executor_line(&ctx(), i, at))
            .collect();
        let raw: Vec<&Vec<u8>> = lines
            .iter()
            .filter(|l| String::from_utf8(l.to_vec()).is_err())
            .collect();
        assert_eq!(raw.len(), 1, "one line in {RAW_EVERY} is not UTF-8");
        assert!(
            raw[0].windows(4).any(|w| w == b"\x1b]0;"),
            "with an OSC title"
        );
        let coloured = lines
            .iter()
            .filter(|l| l.windows(5).any(|w| w == b"\x1b[32m"))
            .count();
        assert!(coloured >= 5, "{coloured} coloured lines");
    }
}
