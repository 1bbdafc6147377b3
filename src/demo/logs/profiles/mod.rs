//! What each workload's containers write: a profile per kind of program (GE's own services,
//! the data stores, the system pods), chosen by image. A profile writes startup lines, one
//! steady line for any index, and the last words of a run that stopped, crashed or completed,
//! each in the format of the real program (Python logging, uvicorn, klog, logrus, nginx...).

mod data;
mod ge;
mod services;
mod system;

use jiff::Timestamp;

/// What a line generator knows about the container it writes for.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// The pod's name.
    pub pod: String,
    /// The pod's namespace.
    pub namespace: String,
    /// The container's name.
    pub container: String,
    /// The container's image tag (`2026.03.25-7c1e9a2`, `17.6`).
    pub tag: String,
    /// The pod's IP (its neighbours' IPs are made from it).
    pub pod_ip: String,
    /// Its node's IP (where probes come from).
    pub host_ip: String,
    /// Its node's name.
    pub node: String,
    /// Seed of this run's random choices.
    pub seed: u64,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Asked to stop (SIGTERM): the pod is being deleted.
    Stopped,
    /// Exited with this non-zero code.
    Crashed(i64),
    /// Exited 0 (a Job's pod).
    Completed,
}

/// The kinds of program the demo's containers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// GE's job executor (Python): the jobs it runs.
    Executor,
    /// GE's orchestrator (uvicorn): the requests it serves.
    Orchestrator,
    /// GE's admin UI (Node.js, morgan's coloured `dev` format).
    AdminUi,
    /// The MkDocs wiki behind nginx.
    Wiki,
    /// GE's Prometheus.
    Metrics,
    /// GE's health-check DaemonSet (JSON lines).
    HealthChecks,
    /// GE's report builder (Python).
    ReportBuilder,
    /// The generated `ge-load` pods.
    Load,
    /// PostgreSQL.
    Postgres,
    /// The postgres exporter sidecar.
    PostgresExporter,
    /// Redis.
    Redis,
    /// CoreDNS with the log plugin.
    CoreDns,
    /// Traefik with access logs.
    Traefik,
    /// k3s's klipper-lb (ServiceLB): its start script, then silence.
    KlipperLb,
    /// Rancher's local-path provisioner.
    LocalPath,
    /// metrics-server (klog).
    MetricsServer,
    /// k3s's helm-install Job.
    HelmInstall,
    /// Cilium's agent (logrus).
    Cilium,
    /// The konnectivity agent (klog).
    Konnectivity,
    /// UpCloud's CSI node plugin.
    Csi,
    /// Anything else.
    Generic,
}

impl Profile {
    /// The profile of a container running `image`.
    pub fn of(image: &str) -> Profile {
        let without_digest = image.split('@').next().unwrap_or(image);
        let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
        let name = last.split(':').next().unwrap_or(last);
        const BY_NAME: &[(&str, Profile)] = &[
            ("ge-executor", Profile::Executor),
            ("ge-orchestrator", Profile::Orchestrator),
            ("ge-admin-ui", Profile::AdminUi),
            ("ge-wiki", Profile::Wiki),
            ("ge-metrics", Profile::Metrics),
            ("ge-health-checks", Profile::HealthChecks),
            ("ge-report-builder", Profile::ReportBuilder),
            ("ge-load", Profile::Load),
            ("load-generator", Profile::Load),
            ("postgres-exporter", Profile::PostgresExporter),
            ("postgres", Profile::Postgres),
            ("redis", Profile::Redis),
            ("coredns", Profile::CoreDns),
            ("traefik", Profile::Traefik),
            ("klipper-lb", Profile::KlipperLb),
            ("local-path-provisioner", Profile::LocalPath),
            ("metrics-server", Profile::MetricsServer),
            ("klipper-helm", Profile::HelmInstall),
            ("cilium", Profile::Cilium),
            ("proxy-agent", Profile::Konnectivity),
            ("upcloud-csi", Profile::Csi),
        ];
        BY_NAME
            .iter()
            .find(|(needle, _)| name.contains(needle))
            .map_or(Profile::Generic, |(_, profile)| *profile)
    }

    /// Its share of the zone's log rate: GE's busy services and the load pods write at the
    /// full rate, quieter programs at a fraction, as their real counterparts do.
    pub fn share(self) -> f64 {
        match self {
            Profile::Executor | Profile::Orchestrator | Profile::Load => 1.0,
            Profile::AdminUi | Profile::CoreDns | Profile::Traefik | Profile::HealthChecks => 0.5,
            Profile::Wiki | Profile::Cilium | Profile::Postgres => 0.25,
            Profile::Metrics | Profile::ReportBuilder | Profile::Konnectivity => 0.2,
            Profile::Redis | Profile::MetricsServer | Profile::Generic => 0.1,
            Profile::PostgresExporter | Profile::LocalPath | Profile::Csi => 0.05,
            Profile::KlipperLb | Profile::HelmInstall => 0.0,
        }
    }

    /// The lines a fresh run writes while it starts; line `i` is written at `time(i)`.
    pub fn startup(self, c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
        match self {
            Profile::Executor => ge::executor_startup(c, time),
            Profile::Orchestrator => ge::orchestrator_startup(c, time),
            Profile::AdminUi => services::admin_ui_startup(c),
            Profile::Wiki => services::wiki_startup(time),
            Profile::Metrics => services::metrics_startup(c, time),
            Profile::HealthChecks | Profile::ReportBuilder | Profile::Load => {
                services::worker_startup(self, c, time)
            }
            Profile::Postgres => data::postgres_startup(c, time),
            Profile::PostgresExporter => data::exporter_startup(c, time),
            Profile::Redis => data::redis_startup(c, time),
            Profile::CoreDns => system::coredns_startup(c),
            Profile::Traefik => system::traefik_startup(c, time),
            Profile::KlipperLb => system::klipper_startup(),
            Profile::HelmInstall => system::helm_output(time),
            Profile::MetricsServer => system::metrics_server_startup(time),
            Profile::LocalPath | Profile::Konnectivity => system::klog_startup(self, c, time),
            Profile::Cilium | Profile::Csi => system::logrus_startup(self, c, time),
            Profile::Generic => generic_startup(c, time),
        }
    }

    /// Steady line `index` of a run, written at `at`.
    pub fn steady(self, c: &Ctx, index: u64, at: Timestamp) -> Vec<u8> {
        let dice = Dice::new(c.seed, index, 0);
        match self {
            Profile::Executor => ge::executor_line(c, index, at),
            Profile::Orchestrator => ge::orchestrator_line(c, dice),
            Profile::AdminUi => services::admin_ui_line(dice),
            Profile::Wiki => services::wiki_line(c, dice, at),
            Profile::Metrics => services::metrics_line(c, dice, at),
            Profile::HealthChecks => services::health_line(dice, at),
            Profile::ReportBuilder | Profile::Load => {
                services::worker_line(self, c, index, dice, at)
            }
            Profile::Postgres => data::postgres_line(index, dice, at),
            Profile::PostgresExporter => data::exporter_line(dice, at),
            Profile::Redis => data::redis_line(index, dice, at),
            Profile::CoreDns => system::coredns_line(c, dice),
            Profile::Traefik => system::traefik_line(c, dice, at),
            Profile::MetricsServer => system::metrics_server_line(index, dice, at),
            Profile::LocalPath | Profile::Konnectivity => system::klog_line(self, c, dice, at),
            Profile::Cilium | Profile::Csi => system::logrus_line(self, c, dice, at),
            Profile::KlipperLb | Profile::HelmInstall | Profile::Generic => {
                generic_line(c, index, at)
            }
        }
    }

    /// A run's last words when it ended so; line `i` is written at `time(i)`.
    pub fn closing(
        self,
        c: &Ctx,
        ending: Ending,
        time: &dyn Fn(usize) -> Timestamp,
    ) -> Vec<Vec<u8>> {
        match (self, ending) {
            (Profile::Executor, _) => ge::executor_closing(ending, time),
            (Profile::Orchestrator, _) => ge::orchestrator_closing(ending),
            (Profile::Redis, Ending::Stopped) => data::redis_closing(time),
            (Profile::Postgres, Ending::Stopped) => data::postgres_closing(time),
            (Profile::MetricsServer, Ending::Crashed(_)) => system::metrics_server_crash(time),
            (Profile::HelmInstall, Ending::Completed) => Vec::new(),
            _ => generic_closing(c, ending, time),
        }
    }

    /// Everything a run that has ended wrote (it ran briefly: startup, then its last words).
    pub fn finished_run(
        self,
        c: &Ctx,
        ending: Ending,
        time: &dyn Fn(usize) -> Timestamp,
    ) -> Vec<Vec<u8>> {
        let mut lines = match (self, ending) {
            // metrics-server dies before it serves: only its first line comes before the error.
            (Profile::MetricsServer, Ending::Crashed(_)) => {
                let mut first = self.startup(c, time);
                first.truncate(1);
                first
            }
            _ => self.startup(c, time),
        };
        let offset = lines.len();
        lines.extend(self.closing(c, ending, &|i| time(offset + i)));
        lines
    }
}

/// Deterministic choices for one line (SplitMix64 over the run's seed and the line's index).
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// The dice of line `index` of a run seeded `seed`; `salt` separates independent rolls.
    pub fn new(seed: u64, index: u64, salt: u64) -> Dice {
        Dice(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.rotate_left(29))
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high.saturating_sub(low) + 1)
    }

    /// True once in `n` rolls.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n.max(1))
    }

    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len().max(1) as u64) as usize]
    }
}

/// An address in the pod's /24, as a neighbouring pod's would be.
pub fn neighbour(c: &Ctx, dice: &mut Dice) -> String {
    let prefix = c.pod_ip.rsplit_once('.').map_or("10.42.0", |(net, _)| net);
    format!("{prefix}.{}", dice.range(2, 250))
}

/// `2026-03-25T10:00:00.123Z`.
pub fn iso_millis(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `2026-03-25T10:00:00Z`.
pub fn iso_seconds(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Python logging's default asctime: `2026-03-25 10:00:00,123`.
pub fn python_time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S,%3f").to_string()
}

/// A klog header: `I0325 10:00:00.123456       1 server.go:42] `.
pub fn klog(level: char, at: Timestamp, source: &str) -> String {
    format!(
        "{level}{} {:>7} {source}] ",
        at.strftime("%m%d %H:%M:%S%.6f"),
        1
    )
}

/// The Common Log Format's time: `25/Mar/2026:10:00:00 +0000`.
pub fn clf_time(at: Timestamp) -> String {
    at.strftime("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

/// A program this demo knows nothing special about: startup, heartbeats, exit.
fn generic_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    vec![
        format!(
            "{} INFO starting {} {}",
            iso_millis(time(0)),
            c.container,
            c.tag
        )
        .into_bytes(),
        format!("{} INFO ready", iso_millis(time(1))).into_bytes(),
    ]
}

fn generic_line(c: &Ctx, index: u64, at: Timestamp) -> Vec<u8> {
    format!(
        "{} INFO {}: heartbeat {} ok",
        iso_millis(at),
        c.container,
        index + 1
    )
    .into_bytes()
}

fn generic_closing(c: &Ctx, ending: Ending, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let line = match ending {
        Ending::Stopped => format!("{} INFO received SIGTERM, exiting", iso_millis(time(0))),
        Ending::Crashed(code) => format!(
            "{} FATAL {}: unrecoverable error, exiting with status {code}",
            iso_millis(time(0)),
            c.container
        ),
        Ending::Completed => format!("{} INFO done", iso_millis(time(0))),
    };
    vec![line.into_bytes()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        "2026-03-25T10:00:00.123456789Z".parse().unwrap()
    }

    #[test]
    fn images_choose_their_profiles() {
        assert_eq!(
            Profile::of("registry.ge.internal/ge-executor:2026.03.25-7c1e9a2"),
            Profile::Executor
        );
        assert_eq!(
            Profile::of("rancher/mirrored-coredns-coredns:1.14.1"),
            Profile::CoreDns
        );
        assert_eq!(
            Profile::of("quay.io/prometheuscommunity/postgres-exporter:v0.17.1"),
            Profile::PostgresExporter
        );
        assert_eq!(
            Profile::of("docker.io/library/postgres:17.6"),
            Profile::Postgres
        );
        assert_eq!(
            Profile::of("registry.k8s.io/metrics-server/metrics-server:v0.8.0"),
            Profile::MetricsServer
        );
        assert_eq!(Profile::of("busybox"), Profile::Generic);
    }

    #[test]
    fn time_formats_match_their_programs() {
        assert_eq!(python_time(at()), "2026-03-25 10:00:00,123");
        assert_eq!(
            klog('I', at(), "server.go:42"),
            "I0325 10:00:00.123456       1 server.go:42] "
        );
        assert_eq!(clf_time(at()), "25/Mar/2026:10:00:00 +0000");
        assert_eq!(iso_millis(at()), "2026-03-25T10:00:00.123Z");
    }

    #[test]
    fn dice_are_deterministic_per_line() {
        let roll = |index| Dice::new(42, index, 0).next();
        assert_eq!(roll(3), roll(3));
        assert_ne!(roll(3), roll(4));
        let mut dice = Dice::new(1, 1, 1);
        for _ in 0..100 {
            assert!((5..=7).contains(&dice.range(5, 7)));
        }
    }
}
