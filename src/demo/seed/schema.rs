//! The seed file's schema (what `assets/demo-fleet.toml` may say) and its validation, with
//! every mistake reported at its place in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::SignedDuration;
use serde::Deserialize;
use serde_json::{Value, json};
use toml::Spanned;

use crate::demo::DemoError;
use crate::demo::factory::{self, Behaviour};
use crate::file_error::FileError;

/// The whole seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Workloads present in every zone.
    #[serde(default)]
    pub(super) workloads: Vec<WorkloadSeed>,
    /// The zones, in order.
    pub zones: Vec<ZoneSeed>,
}

/// One zone of the seed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSeed {
    /// Zone name (`dev`).
    pub name: String,
    /// kubeconfig context name (`ge-dev`).
    pub context: String,
    /// Bearer token the zone accepts.
    pub token: String,
    /// Replaces `{ge_tag}` in workload images.
    pub(super) ge_tag: String,
    /// First two octets of pod IPs (`10.42`); each node gets a /24 of it.
    pub(super) pod_network: String,
    /// First two octets of Service cluster IPs (`10.43`).
    pub(super) service_network: String,
    /// How long ago the zone was created (`38d`).
    pub(super) age: Spanned<String>,
    /// How long ago the zone's `ge_tag` was rolled out to its Deployments (`18m`); their
    /// current ReplicaSets date from then. Without it, revisions are spread over their age.
    pub(super) released: Option<Spanned<String>>,
    /// What `/version` reports.
    pub version: VersionSeed,
    /// The zone's nodes.
    pub(super) nodes: Vec<NodeSeed>,
    /// Workloads of this zone only.
    #[serde(default)]
    pub(super) workloads: Vec<WorkloadSeed>,
    /// Images that misbehave in this zone.
    #[serde(default)]
    pub(super) faults: Vec<FaultSeed>,
    /// The zone's IngressClasses.
    #[serde(default)]
    pub(super) ingress_classes: Vec<IngressClassSeed>,
    /// The zone's StorageClasses.
    #[serde(default)]
    pub(super) storage_classes: Vec<StorageClassSeed>,
}

/// An IngressClass of a zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IngressClassSeed {
    /// The class's name (`traefik`).
    pub(super) name: String,
    /// `spec.controller` (`traefik.io/ingress-controller`).
    pub(super) controller: String,
    /// Annotated as the cluster's default class.
    #[serde(default)]
    pub(super) default: bool,
}

/// A StorageClass of a zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StorageClassSeed {
    /// The class's name (`local-path`).
    pub(super) name: String,
    /// `provisioner` (`rancher.io/local-path`).
    pub(super) provisioner: String,
    /// Annotated as the cluster's default class.
    #[serde(default)]
    pub(super) default: bool,
    /// `reclaimPolicy` (Delete when absent).
    pub(super) reclaim_policy: Option<String>,
    /// `volumeBindingMode` (Immediate when absent).
    pub(super) volume_binding_mode: Option<String>,
    /// `allowVolumeExpansion`.
    #[serde(default)]
    pub(super) allow_volume_expansion: bool,
    /// `parameters`.
    #[serde(default)]
    pub(super) parameters: BTreeMap<String, String>,
}

/// The `/version` document of a zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSeed {
    major: String,
    minor: String,
    /// `v1.33.1+k3s1`-style version; `k3s` in it makes k3s-flavoured nodes.
    pub(super) git_version: String,
    git_commit: String,
    build_date: String,
    go_version: String,
    platform: String,
}

impl VersionSeed {
    /// The JSON served at `/version`.
    pub fn to_json(&self) -> Value {
        json!({
            "major": self.major,
            "minor": self.minor,
            "emulationMajor": self.major,
            "emulationMinor": self.minor,
            "minCompatibilityMajor": self.major,
            "minCompatibilityMinor": (self.minor.parse::<u32>().unwrap_or(1).saturating_sub(1)).to_string(),
            "gitVersion": self.git_version,
            "gitCommit": self.git_commit,
            "gitTreeState": "clean",
            "buildDate": self.build_date,
            "goVersion": self.go_version,
            "compiler": "gc",
            "platform": self.platform,
        })
    }
}

/// One node of a zone; the fields are what `kubectl get nodes -o wide` shows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NodeSeed {
    /// Node name, also its hostname.
    pub(super) name: String,
    /// `node-role.kubernetes.io/<role>` labels.
    #[serde(default)]
    pub(super) roles: Vec<String>,
    /// The InternalIP address, also the host IP of its pods.
    pub(super) internal_ip: String,
    /// The ExternalIP address, if any.
    pub(super) external_ip: Option<String>,
    /// `nodeInfo.kubeletVersion` (and kubeProxyVersion).
    pub(super) kubelet_version: String,
    /// `nodeInfo.containerRuntimeVersion`.
    pub(super) container_runtime: String,
    /// `nodeInfo.osImage`.
    pub(super) os_image: String,
    /// `nodeInfo.kernelVersion`.
    pub(super) kernel: String,
    /// `nodeInfo.architecture` and the arch labels.
    pub(super) architecture: String,
    /// CPU capacity (`4`).
    pub(super) cpu: String,
    /// Memory capacity (`8Gi`).
    pub(super) memory: String,
    /// Ephemeral-storage capacity.
    pub(super) storage: String,
    /// `node.kubernetes.io/instance-type` label.
    pub(super) instance_type: String,
    /// Managed node group, labelled as UpCloud does.
    pub(super) node_group: Option<String>,
    /// How long ago the node joined.
    pub(super) age: Spanned<String>,
}

/// One workload: a Deployment, StatefulSet, DaemonSet or (completed) Job, with its pods and
/// optionally a Service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkloadSeed {
    /// `Deployment`, `StatefulSet`, `DaemonSet` or `Job`.
    pub(super) kind: Spanned<String>,
    /// Its namespace; a Namespace object is made for it.
    pub(super) namespace: String,
    /// Its name; pods are named after it.
    pub(super) name: String,
    /// Desired pods (ignored by DaemonSets and Jobs).
    #[serde(default = "one")]
    pub(super) replicas: i64,
    /// Container image; `{ge_tag}` is replaced by the zone's tag.
    pub(super) image: String,
    /// The image a named zone runs instead (zone name → image, `{ge_tag}` replaced as in
    /// `image`): a zone whose workload did not come along the promotion path.
    #[serde(default)]
    pub(super) image_in: BTreeMap<String, String>,
    /// Container ports, `[name:]port[/PROTO]`.
    #[serde(default)]
    pub(super) ports: Vec<Spanned<String>>,
    /// A Service selecting its pods.
    pub(super) service: Option<ServiceSeed>,
    /// The Service as a named zone has it instead (zone name → Service): a zone whose Service
    /// differs from the others'.
    #[serde(default)]
    pub(super) service_in: BTreeMap<String, ServiceSeed>,
    /// Generation and Deployment revision.
    #[serde(default = "one")]
    pub(super) revision: i64,
    /// How long ago it was created.
    pub(super) age: Spanned<String>,
    /// Restart count every pod starts with.
    #[serde(default)]
    pub(super) restarts: i64,
    /// A paused Deployment.
    #[serde(default)]
    pub(super) paused: bool,
    /// A Deployment's `progressDeadlineSeconds` (600 when absent).
    pub(super) progress_deadline_seconds: Option<i64>,
    /// How long ago a Deployment's current revision rolled out (else from the zone's release
    /// for `{ge_tag}` images, or spread over its age).
    pub(super) rolled_out: Option<Spanned<String>>,
    /// A Deployment's older images, newest first: its previous revisions' ReplicaSets (for
    /// `{ge_tag}` images older tags are made up when this is empty).
    #[serde(default)]
    pub(super) history: Vec<String>,
    /// Container resource requests (`cpu = "100m"`).
    #[serde(default)]
    pub(super) requests: BTreeMap<String, String>,
    /// Container resource limits.
    #[serde(default)]
    pub(super) limits: BTreeMap<String, String>,
    /// More containers in each pod, after the main one (an exporter, a reloader).
    #[serde(default)]
    pub(super) sidecars: Vec<SidecarSeed>,
}

/// A container beside a workload's main one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SidecarSeed {
    /// The container's name, unique in the pod.
    pub(super) name: String,
    /// Its image (no `{ge_tag}`: sidecars are third-party images).
    pub(super) image: String,
    /// Its ports, `[name:]port[/PROTO]`.
    #[serde(default)]
    pub(super) ports: Vec<Spanned<String>>,
}

/// The Service in front of a workload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServiceSeed {
    /// Defaults to the workload's name.
    pub(super) name: Option<String>,
    /// `ClusterIP` (default), `NodePort` or `LoadBalancer`.
    #[serde(rename = "type")]
    pub(super) service_type: Option<Spanned<String>>,
    /// `[name:]port[/PROTO]`, targeting the workload's port at the same index.
    pub(super) ports: Vec<Spanned<String>>,
    /// Node port of the first port (else derived from the name).
    pub(super) node_port: Option<i64>,
    /// Cluster IP (else derived from namespace and name).
    pub(super) cluster_ip: Option<String>,
    /// The LoadBalancer's ingress IP.
    pub(super) external_ip: Option<String>,
}

/// An image that misbehaves in a zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaultSeed {
    /// The full image reference, as pods run it.
    pub(super) image: String,
    /// `crash-loop` or `stuck-creating`.
    pub(super) behaviour: Spanned<String>,
}

/// The default of `replicas` and `revision`.
fn one() -> i64 {
    1
}

/// A parsed `[name:]port[/PROTO]`.
pub(super) struct PortSpec {
    /// The port's name, if given.
    pub(super) name: Option<String>,
    /// 1 to 65535.
    pub(super) port: i64,
    /// `TCP`, `UDP` or `SCTP`.
    pub(super) protocol: String,
}

/// The seed's file name and text, which turn a span into a located error.
pub(super) struct SeedText<'a> {
    /// The file name errors name.
    pub(super) file: &'a str,
    /// The file's content.
    pub(super) text: &'a str,
}

impl SeedText<'_> {
    /// The error at byte `offset` of the seed, as `file:line:column: message`.
    pub(super) fn error(&self, offset: usize, message: impl Into<String>) -> DemoError {
        DemoError::Seed(FileError::at(
            Path::new(self.file),
            self.text,
            offset,
            message,
        ))
    }

    /// An `age` (`38d`, `3h`) as a duration.
    pub(super) fn age(&self, age: &Spanned<String>) -> Result<SignedDuration, DemoError> {
        factory::parse_age(age.get_ref()).ok_or_else(|| {
            self.error(
                age.span().start,
                format!(
                    "invalid age {:?}: expected a number followed by d, h, m or s",
                    age.get_ref()
                ),
            )
        })
    }

    /// A `[name:]port[/PROTO]` port.
    pub(super) fn port(&self, spec: &Spanned<String>) -> Result<PortSpec, DemoError> {
        let text = spec.get_ref();
        let bad = || {
            self.error(
                spec.span().start,
                format!("invalid port {text:?}: expected [name:]port[/TCP|UDP|SCTP]"),
            )
        };
        let (rest, protocol) = match text.split_once('/') {
            Some((rest, protocol)) if matches!(protocol, "TCP" | "UDP" | "SCTP") => {
                (rest, protocol)
            }
            Some(_) => return Err(bad()),
            None => (text.as_str(), "TCP"),
        };
        let (name, number) = match rest.split_once(':') {
            Some((name, number)) => (Some(name.to_string()), number),
            None => (None, rest),
        };
        let port: i64 = number.parse().map_err(|_| bad())?;
        if !(1..=65535).contains(&port) {
            return Err(bad());
        }
        Ok(PortSpec {
            name,
            port,
            protocol: protocol.to_string(),
        })
    }
}

/// Parse and validate a seed file.
pub fn parse(file: &str, text: &str) -> Result<Seed, DemoError> {
    let source = SeedText { file, text };
    let seed: Seed = toml::from_str(text)
        .map_err(|error| DemoError::Seed(FileError::from_toml(Path::new(file), text, &error)))?;
    if seed.zones.is_empty() {
        return Err(source.error(0, "no [[zones]] defined"));
    }
    let mut contexts = BTreeSet::new();
    for zone in &seed.zones {
        if !contexts.insert(zone.context.clone()) {
            return Err(source.error(
                text.find(&format!("\"{}\"", zone.context)).unwrap_or(0),
                format!("duplicate context {:?}", zone.context),
            ));
        }
        source.age(&zone.age)?;
        if let Some(released) = &zone.released {
            source.age(released)?;
        }
        for node in &zone.nodes {
            source.age(&node.age)?;
        }
        if zone.nodes.is_empty() {
            return Err(source.error(
                zone.age.span().start,
                format!("zone {:?} has no nodes", zone.name),
            ));
        }
        for fault in &zone.faults {
            parse_behaviour(&source, &fault.behaviour)?;
        }
        for workload in seed.workloads.iter().chain(&zone.workloads) {
            source.age(&workload.age)?;
            if let Some(rolled_out) = &workload.rolled_out {
                source.age(rolled_out)?;
            }
            if !matches!(
                workload.kind.get_ref().as_str(),
                "Deployment" | "StatefulSet" | "DaemonSet" | "Job"
            ) {
                return Err(source.error(
                    workload.kind.span().start,
                    format!(
                        "unknown workload kind {:?}: expected Deployment, StatefulSet, DaemonSet or Job",
                        workload.kind.get_ref()
                    ),
                ));
            }
            if workload.replicas < 0 {
                return Err(source.error(workload.kind.span().start, "replicas must be >= 0"));
            }
            for port in workload
                .ports
                .iter()
                .chain(workload.sidecars.iter().flat_map(|s| &s.ports))
            {
                source.port(port)?;
            }
            for zone_name in workload.service_in.keys() {
                if !seed.zones.iter().any(|z| &z.name == zone_name) {
                    return Err(source.error(
                        workload.kind.span().start,
                        format!("service_in names no zone {zone_name:?}"),
                    ));
                }
            }
            for zone_name in workload.image_in.keys() {
                if !seed.zones.iter().any(|z| &z.name == zone_name) {
                    return Err(source.error(
                        workload.kind.span().start,
                        format!("image_in names no zone {zone_name:?}"),
                    ));
                }
            }
            for service in workload.service.iter().chain(workload.service_in.values()) {
                for port in &service.ports {
                    source.port(port)?;
                }
                if let Some(kind) = &service.service_type
                    && !matches!(
                        kind.get_ref().as_str(),
                        "ClusterIP" | "NodePort" | "LoadBalancer"
                    )
                {
                    return Err(source.error(
                        kind.span().start,
                        format!("unknown service type {:?}", kind.get_ref()),
                    ));
                }
            }
        }
    }
    Ok(seed)
}

/// A fault's `behaviour`.
pub(super) fn parse_behaviour(
    source: &SeedText<'_>,
    behaviour: &Spanned<String>,
) -> Result<Behaviour, DemoError> {
    match behaviour.get_ref().as_str() {
        "crash-loop" => Ok(Behaviour::CrashLoop),
        "stuck-creating" => Ok(Behaviour::StuckCreating),
        other => Err(source.error(
            behaviour.span().start,
            format!("unknown behaviour {other:?}: expected \"crash-loop\" or \"stuck-creating\""),
        )),
    }
}
