//! The system pods, logging like their real counterparts: CoreDNS's query log, Traefik's
//! access log, k3s's klipper-lb start script and helm-install Job, metrics-server (whose v0.8.0
//! in staging crashes on a missing RBAC permission), and the klog and logrus agents.

use jiff::Timestamp;

use super::{Ctx, Dice, Profile, clf_time, iso_seconds, klog, neighbour};

pub(super) fn coredns_startup(c: &Ctx) -> Vec<Vec<u8>> {
    let version = c.tag.trim_start_matches('v');
    let mut dice = Dice::new(c.seed, 0, 7);
    let sha: String = (0..8).map(|_| format!("{:016x}", dice.next())).collect();
    vec![
        b".:53".to_vec(),
        format!("[INFO] plugin/reload: Running configuration SHA512 = {sha}").into_bytes(),
        format!("CoreDNS-{version}").into_bytes(),
        b"linux/amd64, go1.24.1, 707c7c1".to_vec(),
    ]
}

pub(super) fn coredns_line(c: &Ctx, mut dice: Dice) -> Vec<u8> {
    // Pods resolve through the search path, so the first tries of an external name fail.
    const QUERIES: &[(&str, &str, &str)] = &[
        ("A", "postgresql.ge-data.svc.cluster.local.", "NOERROR"),
        ("A", "redis.ge-data.svc.cluster.local.", "NOERROR"),
        ("A", "orchestrator.ge-system.svc.cluster.local.", "NOERROR"),
        (
            "AAAA",
            "orchestrator.ge-system.svc.cluster.local.",
            "NOERROR",
        ),
        (
            "A",
            "registry.ge.internal.ge-agents.svc.cluster.local.",
            "NXDOMAIN",
        ),
        (
            "AAAA",
            "registry.ge.internal.svc.cluster.local.",
            "NXDOMAIN",
        ),
        ("A", "registry.ge.internal.", "NOERROR"),
        ("A", "objects.fi-hel2.upcloudobjects.com.", "NOERROR"),
    ];
    let (kind, name, code) = dice.pick(QUERIES);
    let client = neighbour(c, &mut dice);
    let flags = if name.ends_with("cluster.local.") {
        "qr,aa,rd"
    } else {
        "qr,rd,ra"
    };
    format!(
        "[INFO] {client}:{} - {} \"{kind} IN {name} udp {} false 1232\" {code} {flags} {} 0.000{:03}s",
        dice.range(32_768, 60_999),
        dice.range(1, 65_535),
        name.len() + 30,
        name.len() + 90,
        dice.range(40, 999)
    )
    .into_bytes()
}

pub(super) fn traefik_startup(c: &Ctx, time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let line = |i: usize, text: &str| format!("{} INF {text}", iso_seconds(time(i))).into_bytes();
    vec![
        line(
            0,
            &format!(
                "Traefik version {} built on 2025-11-18T15:01:44Z version={}",
                c.tag, c.tag
            ),
        ),
        line(1, "Stats collection is disabled."),
        line(
            2,
            "Starting provider aggregator *aggregator.ProviderAggregator",
        ),
        line(3, "Starting provider *crd.Provider"),
        line(4, "Starting provider *ingress.Provider"),
        line(5, "Starting provider *traefik.Provider"),
    ]
}

pub(super) fn traefik_line(c: &Ctx, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    const ROUTES: &[(&str, &str, &str)] = &[
        ("GET /", "ge-system-wiki-8000@kubernetes", "8000"),
        (
            "GET /stack/kubernetes/",
            "ge-system-wiki-8000@kubernetes",
            "8000",
        ),
        (
            "GET /dashboard",
            "ge-system-admin-ui-3000@kubernetes",
            "3000",
        ),
        (
            "GET /api/jobs?state=running",
            "ge-system-admin-ui-3000@kubernetes",
            "3000",
        ),
        (
            "POST /api/jobs",
            "ge-system-admin-ui-3000@kubernetes",
            "3000",
        ),
    ];
    if dice.one_in(60) {
        return format!(
            "{} ERR error=\"service \\\"report-builder\\\" not found\" ingress=report-builder namespace=ge-system providerName=kubernetes",
            iso_seconds(at)
        )
        .into_bytes();
    }
    let (request, router, port) = dice.pick(ROUTES);
    let status = if dice.one_in(25) { 502 } else { 200 };
    format!(
        "192.168.1.{} - - [{}] \"{request} HTTP/1.1\" {status} {} \"-\" \"-\" {} \"{router}\" \"http://{}:{port}\" {}ms",
        dice.range(20, 90),
        clf_time(at),
        dice.range(300, 90_000),
        dice.range(1, 99_999),
        neighbour(c, &mut dice),
        dice.range(1, 120)
    )
    .into_bytes()
}

/// klipper-lb's entrypoint runs with `set -x`: its trace, then it waits forever.
pub(super) fn klipper_startup() -> Vec<Vec<u8>> {
    [
        "+ trap exit TERM INT",
        "+ BIN_DIR=/usr/sbin",
        "+ check_iptables_mode",
        "+ set +e",
        "+ lsmod",
        "+ grep nf_tables",
        "+ '[' 0 = 0 ]",
        "+ mode=nft",
        "+ set -e",
        "+ info 'nft mode detected'",
        "[INFO]  nft mode detected",
        "+ set_nft",
        "+ ln -sf xtables-nft-multi /usr/sbin/iptables",
        "+ ln -sf xtables-nft-multi /usr/sbin/iptables-save",
        "+ ln -sf xtables-nft-multi /usr/sbin/iptables-restore",
        "+ start_proxy",
        "+ echo 0.0.0.0/0",
        "+ grep -Eq :",
        "+ iptables -t filter -I FORWARD -s 0.0.0.0/0 -p TCP --dport 80 -j ACCEPT",
        "+ '[' '!' -e /pause ]",
        "+ mkfifo /pause",
    ]
    .iter()
    .map(|l| l.as_bytes().to_vec())
    .collect()
}

/// The helm-install Job's whole output (it ran once, long ago).
pub(super) fn helm_output(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    let deployed = time(0).strftime("%a %b %e %H:%M:%S %Y").to_string();
    [
        "if [[ ${KUBERNETES_SERVICE_HOST} =~ .*:.* ]]; then",
        "+ [[ true != \\t\\r\\u\\e ]]",
        "+ [[ '' == \\1 ]]",
        "+ helm_v3 install --set-string global.systemDefaultRegistry= traefik https://10.43.0.1:443/static/charts/traefik-37.1.1+up37.1.0.tgz --values /config/values-01_HelmChart.yaml",
        "NAME: traefik",
        &format!("LAST DEPLOYED: {deployed}"),
        "NAMESPACE: kube-system",
        "STATUS: deployed",
        "REVISION: 1",
        "TEST SUITE: None",
        "+ exit",
    ]
    .iter()
    .map(|l| l.as_bytes().to_vec())
    .collect()
}

pub(super) fn metrics_server_startup(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    [
        ("serving.go:380", "Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)"),
        ("handler.go:288", "Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager"),
        ("requestheader_controller.go:180", "Starting RequestHeaderAuthRequestController"),
        ("configmap_cafile_content.go:205", "\"Starting controller\" name=\"client-ca::kube-system::extension-apiserver-authentication::client-ca-file\""),
        ("secure_serving.go:213", "Serving securely on [::]:10250"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (source, text))| format!("{}{text}", klog('I', time(i), source)).into_bytes())
    .collect()
}

pub(super) fn metrics_server_line(index: u64, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    if index.is_multiple_of(2) {
        format!(
            "{}\"Scraping metrics from nodes\" nodes={}",
            klog('I', at, "scraper.go:149"),
            dice.range(1, 3)
        )
    } else {
        format!(
            "{}\"Scrape finished\" duration=\"{}.{}ms\" nodeCount={} podCount={}",
            klog('I', at, "scraper.go:172"),
            dice.range(40, 400),
            dice.range(0, 9),
            dice.range(1, 3),
            dice.range(20, 60)
        )
    }
    .into_bytes()
}

/// v0.8.0 needs a permission staging's ClusterRole lacks: it exits right after starting.
pub(super) fn metrics_server_crash(time: &dyn Fn(usize) -> Timestamp) -> Vec<Vec<u8>> {
    vec![format!(
        "{}\"command failed\" err=\"unable to load configmap based request-header-client-ca-file: configmaps \\\"extension-apiserver-authentication\\\" is forbidden: User \\\"system:serviceaccount:kube-system:metrics-server\\\" cannot get resource \\\"configmaps\\\" in API group \\\"\\\" in the namespace \\\"kube-system\\\"\"",
        klog('E', time(0), "run.go:72")
    )
    .into_bytes()]
}

pub(super) fn klog_startup(
    profile: Profile,
    c: &Ctx,
    time: &dyn Fn(usize) -> Timestamp,
) -> Vec<Vec<u8>> {
    let lines: Vec<(&str, String)> = match profile {
        Profile::LocalPath => vec![
            (
                "controller.go:824",
                format!(
                    "Starting provisioner controller rancher.io/local-path_{}_{:x}!",
                    c.pod, c.seed
                ),
            ),
            (
                "controller.go:873",
                format!(
                    "Started provisioner controller rancher.io/local-path_{}_{:x}!",
                    c.pod, c.seed
                ),
            ),
        ],
        _ => vec![
            (
                "options.go:151",
                format!("AgentCert set to \"\" (version {})", c.tag),
            ),
            (
                "client.go:318",
                format!("\"Connect to server\" serverID=\"{:032x}\"", c.seed),
            ),
            (
                "client.go:445",
                format!(
                    "\"Start serving\" serverID=\"{:032x}\" agentID=\"{}\"",
                    c.seed, c.node
                ),
            ),
        ],
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, (source, text))| format!("{}{text}", klog('I', time(i), source)).into_bytes())
        .collect()
}

pub(super) fn klog_line(profile: Profile, c: &Ctx, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    match profile {
        Profile::LocalPath => format!(
            "{}\"Volume provisioning\" pvc=\"ge-data/data-postgresql-0\" node=\"{}\" result=\"already provisioned\"",
            klog('I', at, "provisioner.go:254"),
            c.node
        ),
        _ => {
            let dial = dice.range(1, 1 << 40);
            if dice.one_in(2) {
                format!(
                    "{}\"received DIAL_REQ\" serverID=\"{:032x}\" agentID=\"{}\" dialID={dial} dialAddress=\"{}:10250\"",
                    klog('I', at, "client.go:581"),
                    c.seed,
                    c.node,
                    c.host_ip
                )
            } else {
                format!(
                    "{}\"close connection\" serverID=\"{:032x}\" agentID=\"{}\" connectionID={}",
                    klog('I', at, "client.go:756"),
                    c.seed,
                    c.node,
                    dial % 10_000
                )
            }
        }
    }
    .into_bytes()
}

fn logrus(at: Timestamp, level: &str, message: &str, fields: &str) -> Vec<u8> {
    format!(
        "time=\"{}\" level={level} msg=\"{message}\"{}{fields}",
        at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"),
        if fields.is_empty() { "" } else { " " }
    )
    .into_bytes()
}

pub(super) fn logrus_startup(
    profile: Profile,
    c: &Ctx,
    time: &dyn Fn(usize) -> Timestamp,
) -> Vec<Vec<u8>> {
    match profile {
        Profile::Cilium => vec![
            logrus(
                time(0),
                "info",
                "Memory available for map entries (0.003% of 8327536640B): 20818841B",
                "subsys=config",
            ),
            logrus(
                time(1),
                "info",
                &format!(
                    "Cilium {} 2b3bbbaa 2025-10-14T10:12:33+00:00 go version go1.24.7 linux/amd64",
                    c.tag.trim_start_matches('v')
                ),
                "subsys=daemon",
            ),
            logrus(
                time(2),
                "info",
                "Envoy: Starting access log server listening on /var/run/cilium/envoy/sockets/admin.sock",
                "subsys=envoy-manager",
            ),
            logrus(
                time(3),
                "info",
                "Daemon initialization completed",
                "bootstrapTime=5.21s subsys=daemon",
            ),
        ],
        _ => vec![
            logrus(
                time(0),
                "info",
                "Driver: csi.upcloud.com",
                &format!("version={}", c.tag),
            ),
            logrus(
                time(1),
                "info",
                "Listening for connections",
                "address=/csi/csi.sock",
            ),
        ],
    }
}

pub(super) fn logrus_line(profile: Profile, c: &Ctx, mut dice: Dice, at: Timestamp) -> Vec<u8> {
    match profile {
        Profile::Cilium => {
            let endpoint = dice.range(100, 4_000);
            if dice.one_in(3) {
                logrus(
                    at,
                    "info",
                    "regenerating all endpoints",
                    "reason=\"one or more identities created or deleted\" subsys=endpoint-manager",
                )
            } else {
                logrus(
                    at,
                    "info",
                    "Rewrote endpoint BPF program",
                    &format!(
                        "ciliumEndpointName=ge-agents/ge-executor endpointID={endpoint} identity={} ipv4={} k8sPodName=ge-agents/ge-executor subsys=endpoint",
                        dice.range(10_000, 60_000),
                        neighbour(c, &mut dice)
                    ),
                )
            }
        }
        _ => logrus(
            at,
            "info",
            "NodeGetCapabilities: called",
            "method=NodeGetCapabilities",
        ),
    }
}
