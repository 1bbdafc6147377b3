//! The data stores: PostgreSQL (checkpoints, slow statements, the odd constraint error), its
//! exporter sidecar, and Redis (background saves), each in its own log format.

use jiff::Timestamp;

use super::{Ctx, Dice, iso_millis};

/// `2026-03-25 10:00:00.123 UTC [27] `: PostgreSQL's default log_line_prefix `%m [%p] `.
fn pg(at: Timestamp, pid: u64) -> String {
    format!("{} [{pid}] ", at.strftime("%Y-%m-%d %H:%M:%S%.3f UTC"))
}

pub(super) fn postgres_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let version = if c.tag.is_empty() {
        "17.6"
    } else {
        c.tag.as_str()
    };
    vec![
        String::new().into_bytes(),
        b"PostgreSQL Database directory appears to contain a database; Skipping initialization".to_vec(),
        String::new().into_bytes(),
        format!("{}LOG:  starting PostgreSQL {version} (Debian {version}-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit", pg(time(3), 1)).into_bytes(),
        format!("{}LOG:  listening on IPv4 address \"0.0.0.0\", port 5432", pg(time(4), 1)).into_bytes(),
        format!("{}LOG:  listening on IPv6 address \"::\", port 5432", pg(time(5), 1)).into_bytes(),
        format!("{}LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"", pg(time(6), 1)).into_bytes(),
        format!("{}LOG:  database system was shut down at {}", pg(time(7), 29), time(0).strftime("%Y-%m-%d %H:%M:%S UTC")).into_bytes(),
        format!("{}LOG:  database system is ready to accept connections", pg(time(8), 1)).into_bytes(),
    ]
}

pub(super) fn postgres_line(index: u64, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    let backend = dice.range(100, 9_999);
    match index % 8 {
        0 => format!("{}LOG:  checkpoint starting: time", pg(at, 27)),
        1 => {
            let buffers = dice.range(3, 900);
            format!(
                "{}LOG:  checkpoint complete: wrote {buffers} buffers ({}.{}%); 0 WAL file(s) added, 0 removed, 1 recycled; write={}.{:03} s, sync=0.004 s, total={}.{:03} s; sync files=12, longest=0.002 s, average=0.001 s; distance={} kB, estimate={} kB; lsn=0/{:X}, redo lsn=0/{:X}",
                pg(at, 27),
                buffers / 100,
                buffers % 10,
                dice.range(0, 29),
                dice.range(0, 999),
                dice.range(0, 29),
                dice.range(0, 999),
                dice.range(16, 9_000),
                dice.range(9_000, 20_000),
                dice.next() >> 36,
                dice.next() >> 36
            )
        }
        7 if dice.one_in(3) => format!(
            "{}ERROR:  duplicate key value violates unique constraint \"job_runs_pkey\"",
            pg(at, backend)
        ),
        _ => {
            const STATEMENTS: &[&str] = &[
                "SELECT id, state, tenant FROM jobs WHERE state = 'running' ORDER BY created_at",
                "UPDATE jobs SET state = 'done', finished_at = now() WHERE id = $1",
                "INSERT INTO job_runs (job_id, started_at, worker) VALUES ($1, $2, $3)",
                "SELECT count(*) FROM artifacts WHERE tenant = $1",
            ];
            format!(
                "{}LOG:  duration: {}.{:03} ms  execute <unnamed>: {}",
                pg(at, backend),
                dice.range(500, 2_400),
                dice.range(0, 999),
                dice.pick(STATEMENTS)
            )
        }
    }
    .into_bytes()
}

pub(super) fn postgres_closing(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    [
        (1, "LOG:  received fast shutdown request"),
        (1, "LOG:  aborting any active transactions"),
        (27, "LOG:  shutting down"),
        (27, "LOG:  checkpoint starting: shutdown immediate"),
        (1, "LOG:  database system is shut down"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (pid, text))| format!("{}{text}", pg(time(i), *pid)).into_bytes())
    .collect()
}

fn slog(at: Timestamp, level: &str, source: &str, rest: &str) -> Vec<u8> {
    format!(
        "time={} level={level} source={source} msg={rest}",
        iso_millis(at)
    )
    .into_bytes()
}

pub(super) fn exporter_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    vec![
        slog(
            time(0),
            "INFO",
            "main.go:84",
            &format!(
                "\"Starting postgres_exporter\" version=\"(version={}, branch=HEAD)\"",
                c.tag.trim_start_matches('v')
            ),
        ),
        slog(
            time(1),
            "INFO",
            "tls_config.go:347",
            "\"Listening on\" address=[::]:9187",
        ),
        slog(
            time(2),
            "INFO",
            "tls_config.go:350",
            "\"TLS is disabled.\" http2=false address=[::]:9187",
        ),
    ]
}

pub(super) fn exporter_line(mut dice: Dice, at: Timestamp) -> Vec<u8> {
    if dice.one_in(4) {
        slog(
            at,
            "WARN",
            "postgres_exporter.go:685",
            "\"Proceeding with outdated query maps, as the Postgres version could not be determined\" err=\"context deadline exceeded\"",
        )
    } else {
        slog(
            at,
            "INFO",
            "server.go:74",
            "\"Established new database connection\" fingerprint=localhost:5432",
        )
    }
}

/// `1:M 25 Mar 2026 10:00:00.123 * `: Redis's log prefix (pid, role, time, level mark).
fn redis(at: Timestamp, pid: u64, role: char, mark: char) -> String {
    format!(
        "{pid}:{role} {} {mark} ",
        at.strftime("%d %b %Y %H:%M:%S%.3f")
    )
}

pub(super) fn redis_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let version = if c.tag.is_empty() {
        "8.2.2"
    } else {
        c.tag.as_str()
    };
    [
        (
            'C',
            "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo".to_string(),
        ),
        (
            'C',
            format!(
                "Redis version={version}, bits=64, commit=00000000, modified=1, pid=1, just started"
            ),
        ),
        ('C', "Configuration loaded".to_string()),
        ('M', "monotonic clock: POSIX clock_gettime".to_string()),
        ('M', "Running mode=standalone, port=6381.".to_string()),
        ('M', "Server initialized".to_string()),
        ('M', format!("Loading RDB produced by version {version}")),
        ('M', "DB loaded from disk: 0.012 seconds".to_string()),
        ('M', "Ready to accept connections tcp".to_string()),
    ]
    .iter()
    .enumerate()
    .map(|(i, (role, text))| format!("{}{text}", redis(time(i), 1, *role, '*')).into_bytes())
    .collect()
}

pub(super) fn redis_line(index: u64, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    // A background save takes five lines; its child's pid follows from the save's number.
    let child = 100 + (index / 5) % 30_000;
    match index % 5 {
        0 => format!(
            "{}{} changes in 60 seconds. Saving...",
            redis(at, 1, 'M', '*'),
            dice.range(100, 9_000)
        ),
        1 => format!(
            "{}Background saving started by pid {child}",
            redis(at, 1, 'M', '*')
        ),
        2 => format!("{}DB saved on disk", redis(at, child, 'C', '*')),
        3 => format!(
            "{}Fork CoW for RDB: current {} MB, peak {} MB, average 0 MB",
            redis(at, child, 'C', '*'),
            dice.range(0, 2),
            dice.range(1, 3)
        ),
        _ => format!(
            "{}Background saving terminated with success",
            redis(at, 1, 'M', '*')
        ),
    }
    .into_bytes()
}

pub(super) fn redis_closing(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    [
        ('M', '#', "User requested shutdown..."),
        ('M', '*', "Saving the final RDB snapshot before exiting."),
        ('M', '*', "DB saved on disk"),
        ('M', '#', "Redis is now ready to exit, bye bye..."),
    ]
    .iter()
    .enumerate()
    .map(|(i, (role, mark, text))| {
        format!("{}{text}", redis(time(i), 1, *role, *mark)).into_bytes()
    })
    .collect()
}
