//! GE's other services: the admin UI in morgan's coloured `dev` format, the wiki behind nginx,
//! metrics as Prometheus, the health checks as JSON lines, the report builder and the load
//! generator in Python's logging format.

use jiff::Timestamp;

use super::ge::{TENANTS, python};
use super::{Ctx, Dice, Profile, clf_time, iso_millis, neighbour};

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
