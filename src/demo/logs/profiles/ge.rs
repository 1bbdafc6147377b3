//! GE's own services: the executor logs the jobs it runs (with the odd coloured summary and,
//! rarely, a job's raw terminal output full of escape sequences and invalid UTF-8, so every
//! consumer's sanitising is exercised), the orchestrator logs requests as uvicorn does, the
//! admin UI as morgan's coloured `dev` format, the wiki as nginx, metrics as Prometheus.

use jiff::Timestamp;

use super::{Ctx, Dice, Ending, Profile, clf_time, iso_millis, neighbour, python_time};

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
const TENANTS: &[&str] = &[
    "acme",
    "northwind",
    "globex",
    "initech",
    "umbrella",
    "hooli",
];

fn python(at: Timestamp, level: &str, logger: &str, message: &str) -> Vec<u8> {
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

pub(super) fn admin_ui_startup(c: &Ctx) -> Vec<Vec<u8>> {
    vec![
        String::new().into_bytes(),
        format!("> ge-admin-ui@{} start", c.tag).into_bytes(),
        b"> node server.js".to_vec(),
        String::new().into_bytes(),
        b"ge-admin-ui listening on http://0.0.0.0:3000 (orchestrator http://orchestrator.ge-system.svc:8080)".to_vec(),
    ]
}

/// morgan's `dev` format: the status coloured by its class, always (it does not check a tty).
pub(super) fn admin_ui_line(mut dice: Dice) -> Vec<u8> {
    let (method, path, status) = match dice.range(0, 11) {
        0..=3 => ("GET", "/dashboard", 200),
        4..=5 => ("GET", "/api/jobs?state=running", 200),
        6 => ("GET", "/static/app.4f1c2e.js", 304),
        7 => ("POST", "/api/jobs", 201),
        8 => ("GET", "/tenants/acme", 200),
        9 => ("GET", "/favicon.ico", 404),
        10 => ("GET", "/login", 302),
        _ => ("POST", "/api/tenants/globex/sync", 502),
    };
    let colour = match status {
        500.. => 31,
        400.. => 33,
        300.. => 36,
        _ => 32,
    };
    format!(
        "\x1b[0m{method} {path} \x1b[{colour}m{status}\x1b[0m {}.{:03} ms - {}\x1b[0m",
        dice.range(0, 80),
        dice.range(0, 999),
        dice.range(0, 60_000)
    )
    .into_bytes()
}

pub(super) fn wiki_startup(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let nginx = |i: usize, message: &str| {
        format!(
            "{} [notice] 1#1: {message}",
            time(i).strftime("%Y/%m/%d %H:%M:%S")
        )
        .into_bytes()
    };
    vec![
        b"/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration".to_vec(),
        b"/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/".to_vec(),
        b"/docker-entrypoint.sh: Configuration complete; ready for start up".to_vec(),
        nginx(3, "using the \"epoll\" event method"),
        nginx(4, "nginx/1.27.4"),
        nginx(5, "start worker processes"),
    ]
}

pub(super) fn wiki_line(c: &Ctx, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    const PAGES: &[&str] = &[
        "/",
        "/stack/kubernetes/",
        "/stack/kubernetes/operations/",
        "/stack/kubernetes/pitfalls/",
        "/stack/terraform-upcloud/",
        "/runbooks/rebuild-executor/",
        "/search/search_index.json",
        "/assets/stylesheets/main.8608ea7d.min.css",
    ];
    if dice.one_in(6) {
        return format!(
            "{} - - [{}] \"GET / HTTP/1.1\" 200 18234 \"-\" \"kube-probe/1.34\" \"-\"",
            c.host_ip,
            clf_time(at)
        )
        .into_bytes();
    }
    let page = dice.pick(PAGES);
    let (status, bytes) = if dice.one_in(15) {
        (404, 555)
    } else {
        (200, dice.range(900, 90_000))
    };
    format!(
        "{} - - [{}] \"GET {page} HTTP/1.1\" {status} {bytes} \"https://wiki.ge.internal/\" \"Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0\" \"192.168.1.{}\"",
        neighbour(c, &mut dice),
        clf_time(at),
        dice.range(20, 90)
    )
    .into_bytes()
}

pub(super) fn metrics_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let line = |i: usize, source: &str, message: &str| {
        format!(
            "time={} level=INFO source={source} msg={message}",
            iso_millis(time(i))
        )
        .into_bytes()
    };
    vec![
        line(
            0,
            "main.go:640",
            &format!(
                "\"Starting Prometheus Server\" mode=server version=\"(version=3.2.1, ge={})\"",
                c.tag
            ),
        ),
        line(1, "main.go:1152", "\"Starting TSDB ...\""),
        line(
            2,
            "head.go:766",
            "\"Replaying WAL, this may take a while\" component=tsdb",
        ),
        line(3, "main.go:1336", "\"TSDB started\""),
        line(
            4,
            "main.go:1400",
            "\"Server is ready to receive web requests.\"",
        ),
    ]
}

pub(super) fn metrics_line(c: &Ctx, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    let time = iso_millis(at);
    match dice.range(0, 5) {
        0 => format!("time={time} level=INFO source=head.go:1397 msg=\"Head GC completed\" component=tsdb caller=truncateMemory duration={}.{}ms", dice.range(1, 9), dice.range(0, 9)),
        1 => format!("time={time} level=INFO source=compact.go:523 msg=\"write block\" component=tsdb mint={} ulid=01JQ{:016X} duration={}ms", at.as_millisecond() - 7_200_000, dice.next(), dice.range(40, 400)),
        2 => format!("time={time} level=INFO source=checkpoint.go:101 msg=\"Creating checkpoint\" component=tsdb from_segment={} to_segment={} mint={}", dice.range(100, 200), dice.range(201, 210), at.as_millisecond()),
        _ => format!(
            "time={time} level=WARN source=scrape.go:1547 msg=\"Scrape failed\" component=\"scrape manager\" scrape_pool=ge-executor target=http://{}:9102/metrics err=\"context deadline exceeded\"",
            neighbour(c, &mut dice)
        ),
    }
    .into_bytes()
}

pub(super) fn worker_startup(
    profile: Profile,
    c: &Ctx,
    time: &dyn Fn(usize) -> Timestamp,
) -> Vec<Vec<u8>> {
    let name = match profile {
        Profile::HealthChecks => "ge-health-checks",
        Profile::ReportBuilder => "ge-report-builder",
        _ => "ge-load",
    };
    vec![
        python(
            time(0),
            "INFO",
            &name.replace('-', "_"),
            &format!("{name} {} starting on {}", c.tag, c.node),
        ),
        python(time(1), "INFO", &name.replace('-', "_"), "ready"),
    ]
}

pub(super) fn health_line(mut dice: Dice, at: Timestamp) -> Vec<u8> {
    const CHECKS: &[(&str, &str)] = &[
        ("redis", "redis.ge-data.svc:6381"),
        ("postgresql", "postgresql.ge-data.svc:5432"),
        (
            "orchestrator",
            "http://orchestrator.ge-system.svc:8080/healthz",
        ),
        ("wiki", "http://wiki.ge-system.svc:8000/"),
        ("admin-ui", "http://admin-ui.ge-system.svc:3000/healthz"),
    ];
    let (check, target) = dice.pick(CHECKS);
    let slow = dice.one_in(40);
    let latency = if slow {
        dice.range(900, 2_500)
    } else {
        dice.range(1, 40)
    };
    format!(
        "{{\"time\":\"{}\",\"level\":\"{}\",\"check\":\"{check}\",\"target\":\"{target}\",\"ok\":true,\"latency_ms\":{latency}}}",
        iso_millis(at),
        if slow { "warn" } else { "info" }
    )
    .into_bytes()
}

pub(super) fn worker_line(
    profile: Profile,
    c: &Ctx,
    index: u64,
    mut dice: Dice,
    at: Timestamp,
) -> Vec<u8> {
    match profile {
        Profile::ReportBuilder => python(
            at,
            "INFO",
            "ge_report_builder.scheduler",
            &format!(
                "no scheduled reports due (next: tenant {} in {} min)",
                dice.pick(TENANTS),
                dice.range(1, 59)
            ),
        ),
        _ => python(
            at,
            "INFO",
            "ge_load",
            &format!(
                "{} sent {} requests in the last second (p50 {} ms, p99 {} ms, errors 0)",
                c.pod,
                100 + index % 50,
                dice.range(2, 9),
                dice.range(20, 90)
            ),
        ),
    }
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
