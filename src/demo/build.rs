//! The simulated image build of the demo zones (`ge-console demo-build`, a hidden subcommand),
//! so the console's main workflow — build, restart, rollout, new pods — works in the demo with
//! nothing to install. It runs through the ordinary rebuild machinery as a child process,
//! streams plausible docker/BuildKit output for a few seconds, "pushes" a new digest into the
//! demo's registry file (see [`super::registry`]) and ends with that digest; the demo's
//! kubelets then report it for every container started from the image afterwards.
//!
//! It can be told to fail (a syntax error in the image's Python code) or to hang (a pip
//! download that retries forever, for trying cancel): `--outcome fail|hang` or
//! `GE_DEMO_BUILD=fail|hang`; `--seconds`/`GE_DEMO_BUILD_SECONDS` sets its length.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::factory::Rng;
use super::registry;

/// How the simulated build ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Outcome {
    /// Builds, pushes, prints the new digest, exits 0.
    Succeed,
    /// A step fails as BuildKit reports it; exits 1 and pushes nothing.
    Fail,
    /// Stalls in a download that retries forever, until it is cancelled.
    Hang,
}

/// What to build and how it goes.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The image to build and push (`registry.ge.internal/ge-executor:2026.03.25-7c1e9a2`).
    pub image: String,
    /// Roughly how long a build that does not hang takes.
    pub seconds: f64,
    /// How it ends.
    pub outcome: Outcome,
    /// The registry file the push records the digest in.
    pub registry: PathBuf,
}

/// The image the simulated build makes when none is named.
pub const DEFAULT_IMAGE: &str = "registry.ge.internal/ge-executor:latest";

/// Which stream a line of build output goes to (BuildKit's progress goes to stderr).
#[derive(Clone, Copy)]
enum Out {
    Stdout,
    Stderr,
}

/// One line of output, `weight` shares of the build's time after the previous one.
struct Step {
    out: Out,
    weight: f64,
    text: String,
}

fn step(out: Out, weight: f64, text: impl Into<String>) -> Step {
    Step {
        out,
        weight,
        text: text.into(),
    }
}

/// 64 hex digits nobody has seen before (time, pid and a counter mixed), as a digest.
fn fresh_hex() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let now = jiff::Timestamp::now();
    Rng::from_text(&format!(
        "{}-{}-{call}",
        now.as_nanosecond(),
        std::process::id()
    ))
    .hex64()
}

/// The steps of the build up to its outcome; `digest` is what a successful push reports.
fn script(options: &BuildOptions, digest: &str) -> Vec<Step> {
    use Out::{Stderr as E, Stdout as O};
    let image = options.image.as_str();
    let repository = registry::repository(image);
    let tag = image
        .strip_prefix(repository)
        .and_then(|t| t.strip_prefix(':'))
        .unwrap_or("latest");
    let base = Rng::from_text("python:3.12-slim").hex64();
    let mut steps = vec![
        step(
            O,
            0.0,
            format!(
                "\x1b[1;34m==>\x1b[0m Building {image} (simulated demo build: nothing is really built)"
            ),
        ),
        step(
            E,
            0.2,
            "#0 building with \"default\" instance using docker driver",
        ),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            "#1 [internal] load build definition from Dockerfile",
        ),
        step(E, 0.1, "#1 transferring dockerfile: 1.43kB done"),
        step(E, 0.0, "#1 DONE 0.0s"),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            "#2 [internal] load metadata for docker.io/library/python:3.12-slim",
        ),
        step(E, 0.9, "#2 DONE 0.9s"),
        step(E, 0.0, ""),
        step(E, 0.1, "#3 [internal] load .dockerignore"),
        step(E, 0.0, "#3 transferring context: 215B done"),
        step(E, 0.0, "#3 DONE 0.0s"),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            format!("#4 [1/6] FROM docker.io/library/python:3.12-slim@sha256:{base}"),
        ),
        step(
            E,
            0.0,
            format!("#4 resolve docker.io/library/python:3.12-slim@sha256:{base} 0.0s done"),
        ),
        step(E, 0.0, "#4 DONE 0.0s"),
        step(E, 0.0, ""),
        step(E, 0.1, "#5 [internal] load build context"),
        step(E, 0.3, "#5 transferring context: 2.31MB 0.3s done"),
        step(E, 0.1, "#5 DONE 0.4s"),
        step(E, 0.0, ""),
        step(E, 0.1, "#6 [2/6] COPY requirements.txt /app/"),
        step(E, 0.0, "#6 CACHED"),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            "#7 [3/6] RUN pip install --no-cache-dir -r /app/requirements.txt",
        ),
    ];
    if options.outcome == Outcome::Hang {
        steps.push(step(
            E,
            0.6,
            "#7 0.912 Collecting fastapi==0.115.12 (from -r /app/requirements.txt (line 1))",
        ));
        // The retries repeat until the build is cancelled (see `run`).
        return steps;
    }
    steps.extend([
        step(E, 0.0, "#7 CACHED"),
        step(E, 0.0, ""),
        step(E, 0.1, "#8 [4/6] COPY ge_executor/ /app/ge_executor/"),
        step(E, 0.1, "#8 DONE 0.1s"),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            "#9 [5/6] RUN python -m compileall -q /app/ge_executor",
        ),
    ]);
    if options.outcome == Outcome::Fail {
        let failed = "process \"/bin/sh -c python -m compileall -q /app/ge_executor\" did not complete successfully: exit code: 1";
        let error = [
            "0.812 *** Error compiling '/app/ge_executor/jobs/render.py'...",
            "0.812   File \"/app/ge_executor/jobs/render.py\", line 42",
            "0.812     return {",
            "0.812            ^",
            "0.812 SyntaxError: '{' was never closed",
        ];
        steps.extend(
            error
                .iter()
                .enumerate()
                .map(|(i, l)| step(E, if i == 0 { 0.8 } else { 0.0 }, format!("#9 {l}"))),
        );
        steps.push(step(E, 0.0, format!("#9 ERROR: {failed}")));
        steps.push(step(E, 0.0, "------"));
        steps.push(step(
            E,
            0.0,
            " > [5/6] RUN python -m compileall -q /app/ge_executor:",
        ));
        steps.extend(error.iter().map(|l| step(E, 0.0, *l)));
        for line in [
            "------",
            "Dockerfile:14",
            "--------------------",
            "  12 |     COPY ge_executor/ /app/ge_executor/",
            "  13 |     # fail fast on syntax errors: the image must not start with a broken module",
            "  14 | >>> RUN python -m compileall -q /app/ge_executor",
            "  15 |     RUN useradd --uid 10001 ge && chown -R ge /app",
            "--------------------",
        ] {
            steps.push(step(E, 0.0, line));
        }
        steps.push(step(E, 0.0, format!("ERROR: failed to solve: {failed}")));
        steps.push(step(O, 0.0, "\x1b[1;31m==> build failed\x1b[0m"));
        return steps;
    }
    let config = fresh_hex();
    let layers: Vec<String> = (0..5)
        .map(|i| Rng::from_text(&format!("{digest}{i}")).hex64()[..12].to_string())
        .collect();
    steps.extend([
        step(E, 1.2, "#9 DONE 1.2s"),
        step(E, 0.0, ""),
        step(
            E,
            0.1,
            "#10 [6/6] RUN useradd --uid 10001 ge && chown -R ge /app",
        ),
        step(E, 0.4, "#10 DONE 0.4s"),
        step(E, 0.0, ""),
        step(E, 0.1, "#11 exporting to image"),
        step(E, 0.5, "#11 exporting layers 0.5s done"),
        step(E, 0.1, format!("#11 writing image sha256:{config} done")),
        step(E, 0.0, format!("#11 naming to {repository}:{tag} done")),
        step(E, 0.0, "#11 DONE 0.6s"),
        step(
            O,
            0.1,
            format!("\x1b[1;34m==>\x1b[0m Pushing {repository}:{tag}"),
        ),
        step(
            O,
            0.2,
            format!("The push refers to repository [{repository}]"),
        ),
    ]);
    for layer in &layers {
        steps.push(step(O, 0.0, format!("{layer}: Preparing")));
    }
    for (i, layer) in layers.iter().enumerate() {
        let text = if i < 2 {
            format!("{layer}: Pushed")
        } else {
            format!("{layer}: Layer already exists")
        };
        steps.push(step(O, if i < 2 { 0.4 } else { 0.05 }, text));
    }
    steps.push(step(O, 0.2, format!("{tag}: digest: {digest} size: 1784")));
    steps
}

/// Write one line to a stream; a reader that went away is not the build's problem.
fn say(out: Out, text: &str) {
    let _ = match out {
        Out::Stdout => {
            writeln!(std::io::stdout(), "{text}").and_then(|_| std::io::stdout().flush())
        }
        Out::Stderr => writeln!(std::io::stderr(), "{text}"),
    };
}

/// Run the simulated build; returns its exit status.
pub async fn run(options: BuildOptions) -> u8 {
    let digest = format!("sha256:{}", fresh_hex());
    let steps = script(&options, &digest);
    let total: f64 = steps.iter().map(|s| s.weight).sum();
    let seconds = if options.seconds.is_finite() {
        options.seconds.max(0.0)
    } else {
        0.0
    };
    let per_weight = if total > 0.0 { seconds / total } else { 0.0 };
    for step in &steps {
        tokio::time::sleep(Duration::from_secs_f64(step.weight * per_weight)).await;
        say(step.out, &step.text);
    }
    match options.outcome {
        Outcome::Fail => 1,
        Outcome::Hang => {
            // Until someone cancels: SIGTERM ends the process.
            let mut attempt: u64 = 0;
            loop {
                tokio::time::sleep(Duration::from_secs_f64(seconds.clamp(0.5, 5.0))).await;
                attempt += 1;
                say(
                    Out::Stderr,
                    &format!(
                        "#7 {:.3} WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ConnectTimeoutError(<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3a2c1d9e50>, 'Connection to pypi.org timed out. (connect timeout=15)')': /simple/fastapi/ (attempt {attempt})",
                        0.912 + attempt as f64 * 15.0
                    ),
                );
            }
        }
        Outcome::Succeed => {
            let repository = registry::repository(&options.image);
            if let Err(error) = registry::record_push(&options.registry, repository, &digest) {
                say(
                    Out::Stderr,
                    &format!(
                        "error: cannot record the push in {}: {error}",
                        options.registry.display()
                    ),
                );
                return 1;
            }
            say(
                Out::Stdout,
                &format!("\x1b[1;32m==>\x1b[0m Built {repository}@{digest}"),
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(outcome: Outcome) -> BuildOptions {
        BuildOptions {
            image: "registry.ge.internal/ge-executor:2026.03.25-7c1e9a2".into(),
            seconds: 0.0,
            outcome,
            registry: PathBuf::from("unused"),
        }
    }

    #[test]
    fn a_good_build_names_the_image_and_ends_in_its_digest() {
        let steps = script(&options(Outcome::Succeed), "sha256:abc");
        let text: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
        assert!(
            text.contains(
                &"#11 naming to registry.ge.internal/ge-executor:2026.03.25-7c1e9a2 done"
            )
        );
        assert_eq!(
            text.last(),
            Some(&"2026.03.25-7c1e9a2: digest: sha256:abc size: 1784")
        );
    }

    #[test]
    fn a_failing_build_stops_at_the_failed_step_as_buildkit_reports_it() {
        let steps = script(&options(Outcome::Fail), "sha256:abc");
        let text: Vec<&str> = steps.iter().map(|s| s.text.as_str()).collect();
        assert!(
            text.iter()
                .any(|l| l.starts_with("ERROR: failed to solve: process"))
        );
        assert!(
            !text.iter().any(|l| l.contains("sha256:abc")),
            "nothing pushed"
        );
    }

    #[test]
    fn fresh_digests_differ() {
        assert_ne!(fresh_hex(), fresh_hex());
        assert_eq!(fresh_hex().len(), 64);
    }
}
