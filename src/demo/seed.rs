//! The seed file (`assets/demo-fleet.toml`): its schema, validation with file/line errors, and
//! the objects it expands to for each zone.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use toml::Spanned;

use super::DemoError;
use super::factory::{
    self, Behaviour, NodeSlot, PodStage, Rng, StageChange, ZoneProfile, new_pod, new_replica_set,
    set_pod_stage, template_hash, timestamp,
};
use super::resources::ServedKind;
use super::store::Store;

/// The seed compiled into the binary.
pub const SEED_TEXT: &str = include_str!("../../assets/demo-fleet.toml");
/// The name used for the compiled-in seed in error messages.
pub const SEED_FILE: &str = "assets/demo-fleet.toml";

/// The whole seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Workloads present in every zone.
    #[serde(default)]
    workloads: Vec<WorkloadSeed>,
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
    ge_tag: String,
    pod_network: String,
    service_network: String,
    age: Spanned<String>,
    /// What `/version` reports.
    pub version: VersionSeed,
    nodes: Vec<NodeSeed>,
    #[serde(default)]
    workloads: Vec<WorkloadSeed>,
    #[serde(default)]
    faults: Vec<FaultSeed>,
}

/// The `/version` document of a zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionSeed {
    major: String,
    minor: String,
    git_version: String,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeSeed {
    name: String,
    #[serde(default)]
    roles: Vec<String>,
    internal_ip: String,
    external_ip: Option<String>,
    kubelet_version: String,
    container_runtime: String,
    os_image: String,
    kernel: String,
    architecture: String,
    cpu: String,
    memory: String,
    storage: String,
    instance_type: String,
    node_group: Option<String>,
    age: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadSeed {
    kind: Spanned<String>,
    namespace: String,
    name: String,
    #[serde(default = "one")]
    replicas: i64,
    image: String,
    #[serde(default)]
    ports: Vec<Spanned<String>>,
    service: Option<ServiceSeed>,
    #[serde(default = "one")]
    revision: i64,
    age: Spanned<String>,
    #[serde(default)]
    restarts: i64,
    #[serde(default)]
    paused: bool,
    progress_deadline_seconds: Option<i64>,
    #[serde(default)]
    requests: BTreeMap<String, String>,
    #[serde(default)]
    limits: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceSeed {
    name: Option<String>,
    #[serde(rename = "type")]
    service_type: Option<Spanned<String>>,
    ports: Vec<Spanned<String>>,
    node_port: Option<i64>,
    cluster_ip: Option<String>,
    external_ip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSeed {
    image: String,
    behaviour: Spanned<String>,
}

fn one() -> i64 {
    1
}

/// Deployments with more replicas than this get their pods stamped from a template.
const STAMP_THRESHOLD: i64 = 16;
const SLOT_NAME: &str = "@@NAME@@";
const SLOT_UID: &str = "@@UID@@";
const SLOT_IP: &str = "@@IP@@";
const SLOT_CID: &str = "@@CID@@";
const SLOT_RV: &str = "@@RV@@";
/// The placeholders of a stamp, in the order `Stamp::render` takes their values.
const SLOTS: [&str; 5] = [SLOT_NAME, SLOT_UID, SLOT_IP, SLOT_CID, SLOT_RV];

/// Serialized JSON split at placeholders, for cheap per-object rendering.
struct Stamp {
    parts: Vec<StampPart>,
}

enum StampPart {
    Text(Vec<u8>),
    Slot(usize),
}

impl Stamp {
    fn compile(bytes: &[u8]) -> Stamp {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        let mut index = 0;
        while index < bytes.len() {
            let slot = SLOTS
                .iter()
                .position(|slot| bytes[index..].starts_with(slot.as_bytes()));
            match slot {
                Some(slot) => {
                    parts.push(StampPart::Text(std::mem::take(&mut text)));
                    parts.push(StampPart::Slot(slot));
                    index += SLOTS[slot].len();
                }
                None => {
                    text.push(bytes[index]);
                    index += 1;
                }
            }
        }
        parts.push(StampPart::Text(text));
        Stamp { parts }
    }

    fn render(&self, values: &[&str; 5]) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.parts
                .iter()
                .map(|p| match p {
                    StampPart::Text(text) => text.len(),
                    StampPart::Slot(_) => 64,
                })
                .sum(),
        );
        for part in &self.parts {
            match part {
                StampPart::Text(text) => out.extend_from_slice(text),
                StampPart::Slot(slot) => out.extend_from_slice(values[*slot].as_bytes()),
            }
        }
        out
    }
}

/// A parsed `[name:]port[/PROTO]`.
struct PortSpec {
    name: Option<String>,
    port: i64,
    protocol: String,
}

/// Turns spans into file/line errors.
struct SeedText<'a> {
    file: &'a str,
    text: &'a str,
}

impl SeedText<'_> {
    fn error(&self, offset: usize, message: impl Into<String>) -> DemoError {
        let line = self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        DemoError::Seed {
            file: self.file.to_string(),
            line,
            message: message.into(),
        }
    }

    fn age(&self, age: &Spanned<String>) -> Result<SignedDuration, DemoError> {
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

    fn port(&self, spec: &Spanned<String>) -> Result<PortSpec, DemoError> {
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
    let seed: Seed = toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        source.error(offset, error.message().to_string())
    })?;
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
            for port in &workload.ports {
                source.port(port)?;
            }
            if let Some(service) = &workload.service {
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

fn parse_behaviour(
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

/// What a zone's build leaves besides the seeded objects.
pub struct ZoneBuild {
    /// What the controller needs to know about the zone.
    pub profile: ZoneProfile,
    /// Random source to continue from.
    pub rng: Rng,
}

/// Builds one zone's objects.
struct ZoneBuilder<'a> {
    zone: &'a ZoneSeed,
    source: SeedText<'a>,
    now: Timestamp,
    rng: Rng,
    profile: ZoneProfile,
    store: &'a Store,
    namespaces: BTreeSet<String>,
}

/// Expand a zone of the seed into objects in `store`. `load_pods` extra pods go into `ge-load`.
pub fn build_zone(
    seed: &Seed,
    zone: &ZoneSeed,
    load_pods: usize,
    store: &Store,
) -> Result<ZoneBuild, DemoError> {
    let (file, text) = (SEED_FILE, SEED_TEXT);
    let mut faults = BTreeMap::new();
    let source = SeedText { file, text };
    for fault in &zone.faults {
        faults.insert(
            fault.image.clone(),
            parse_behaviour(&source, &fault.behaviour)?,
        );
    }
    let profile = ZoneProfile {
        nodes: zone
            .nodes
            .iter()
            .map(|node| NodeSlot {
                name: node.name.clone(),
                internal_ip: node.internal_ip.clone(),
            })
            .collect(),
        pod_network: zone.pod_network.clone(),
        faults,
        next_pod_ip: AtomicU64::new(0),
    };
    let mut builder = ZoneBuilder {
        zone,
        source,
        now: Timestamp::now(),
        rng: Rng::from_text(&zone.name),
        profile,
        store,
        namespaces: ["default", "kube-system", "kube-public", "kube-node-lease"]
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    builder.nodes()?;
    builder.kubernetes_service()?;
    for workload in seed.workloads.iter().chain(&zone.workloads) {
        builder.workload(workload)?;
    }
    builder.load(load_pods)?;
    builder.namespace_objects()?;
    Ok(ZoneBuild {
        profile: builder.profile,
        rng: builder.rng,
    })
}

impl ZoneBuilder<'_> {
    fn ago(&self, age: &Spanned<String>) -> Result<Timestamp, DemoError> {
        let duration = self.source.age(age)?;
        self.now
            .checked_sub(duration)
            .map_err(|_| self.source.error(age.span().start, "age too large"))
    }

    fn nodes(&mut self) -> Result<(), DemoError> {
        let k3s = self.zone.version.git_version.contains("k3s");
        for (index, node) in self.zone.nodes.iter().enumerate() {
            let created = timestamp(self.ago(&node.age)?);
            let mut labels = json!({
                "beta.kubernetes.io/arch": node.architecture,
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": node.architecture,
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": node.instance_type,
            });
            for role in &node.roles {
                labels[format!("node-role.kubernetes.io/{role}")] = json!("true");
            }
            if let Some(group) = &node.node_group {
                labels["uks.upcloud.com/node-group"] = json!(group);
                labels["topology.kubernetes.io/region"] = json!("europe-1");
            }
            let mut addresses = vec![json!({"type": "InternalIP", "address": node.internal_ip})];
            if let Some(external) = &node.external_ip {
                addresses.push(json!({"type": "ExternalIP", "address": external}));
            }
            addresses.push(json!({"type": "Hostname", "address": node.name}));
            let uid = self.rng.uid();
            let provider = if k3s {
                format!("k3s://{}", node.name)
            } else {
                format!("upcloud:////{}", self.rng.uid())
            };
            let heartbeat = timestamp(self.now);
            let condition = |kind: &str, status: &str, reason: &str, message: &str| {
                json!({"type": kind, "status": status, "lastHeartbeatTime": heartbeat,
                    "lastTransitionTime": created, "reason": reason, "message": message})
            };
            let mut annotations = json!({
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            });
            if k3s {
                annotations["k3s.io/hostname"] = json!(node.name);
                annotations["k3s.io/internal-ip"] = json!(node.internal_ip);
                annotations["k3s.io/node-args"] = json!("[\"server\"]");
            }
            let pod_cidr = format!("{}.{index}.0/24", self.zone.pod_network);
            let resources = json!({
                "cpu": node.cpu, "ephemeral-storage": node.storage, "hugepages-1Gi": "0",
                "hugepages-2Mi": "0", "memory": node.memory, "pods": "110",
            });
            self.store.seed(ServedKind::Node, json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node.name, "uid": uid, "creationTimestamp": created,
                    "labels": labels, "annotations": annotations},
                "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr], "providerID": provider},
                "status": {
                    "capacity": resources,
                    "allocatable": resources,
                    "conditions": [
                        condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                    ],
                    "addresses": addresses,
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {
                        "machineID": self.rng.hex64()[..32].to_string(),
                        "systemUUID": self.rng.uid(),
                        "bootID": self.rng.uid(),
                        "kernelVersion": node.kernel,
                        "osImage": node.os_image,
                        "containerRuntimeVersion": node.container_runtime,
                        "kubeletVersion": node.kubelet_version,
                        "kubeProxyVersion": node.kubelet_version,
                        "operatingSystem": "linux",
                        "architecture": node.architecture,
                    },
                },
            }));
        }
        Ok(())
    }

    fn cluster_ip(&self, name: &str, namespace: &str) -> String {
        let hash = factory::fnv64(format!("{namespace}/{name}").as_bytes());
        format!(
            "{}.{}.{}",
            self.zone.service_network,
            hash % 256,
            (hash >> 8) % 253 + 2
        )
    }

    fn kubernetes_service(&mut self) -> Result<(), DemoError> {
        let created = timestamp(self.ago(&self.zone.age)?);
        let ip = format!("{}.0.1", self.zone.service_network);
        let uid = self.rng.uid();
        self.store.seed(ServedKind::Service, json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "uid": uid,
                "creationTimestamp": created,
                "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
            "status": {"loadBalancer": {}},
        }));
        Ok(())
    }

    fn template(&self, workload: &WorkloadSeed, selector: &Value) -> Result<Value, DemoError> {
        let image = workload.image.replace("{ge_tag}", &self.zone.ge_tag);
        let mut ports = Vec::new();
        for port in &workload.ports {
            let spec = self.source.port(port)?;
            let mut entry = json!({"containerPort": spec.port, "protocol": spec.protocol});
            if let Some(name) = spec.name {
                entry["name"] = json!(name);
            }
            ports.push(entry);
        }
        let mut resources = json!({});
        if !workload.requests.is_empty() {
            resources["requests"] = json!(workload.requests);
        }
        if !workload.limits.is_empty() {
            resources["limits"] = json!(workload.limits);
        }
        let mut container = json!({
            "name": workload.name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "resources": resources,
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
        });
        if !ports.is_empty() {
            container["ports"] = json!(ports);
        }
        let mut spec = json!({"containers": [container]});
        if workload.kind.get_ref() == "Job" {
            spec["restartPolicy"] = json!("OnFailure");
        }
        Ok(json!({"metadata": {"labels": selector}, "spec": spec}))
    }

    fn workload(&mut self, workload: &WorkloadSeed) -> Result<(), DemoError> {
        let namespace = workload.namespace.as_str();
        self.namespaces.insert(namespace.to_string());
        let created_at = self.ago(&workload.age)?;
        let created = timestamp(created_at);
        let selector_key = if namespace == "kube-system" {
            "k8s-app"
        } else {
            "app.kubernetes.io/name"
        };
        let selector = json!({selector_key: workload.name});
        let template = self.template(workload, &selector)?;
        let mut labels = selector.clone();
        if namespace.starts_with("ge-") {
            labels["app.kubernetes.io/part-of"] = json!("ge");
        }
        let uid = self.rng.uid();
        let metadata = json!({"name": workload.name, "namespace": namespace, "uid": uid,
            "generation": workload.revision, "creationTimestamp": created, "labels": labels});
        match workload.kind.get_ref().as_str() {
            "Deployment" => {
                let mut spec = json!({
                    "replicas": workload.replicas,
                    "selector": {"matchLabels": selector},
                    "template": template,
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                    "revisionHistoryLimit": 10,
                    "progressDeadlineSeconds": workload.progress_deadline_seconds.unwrap_or(600),
                });
                if workload.paused {
                    spec["paused"] = json!(true);
                }
                let mut deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": metadata, "spec": spec, "status": {}});
                deployment["metadata"]["annotations"] =
                    json!({"deployment.kubernetes.io/revision": workload.revision.to_string()});
                let hash = template_hash(&deployment["spec"]["template"]);
                let rs_uid = self.rng.uid();
                let replica_set = new_replica_set(
                    &deployment,
                    &hash,
                    workload.revision,
                    workload.replicas,
                    created_at,
                    &rs_uid,
                );
                if workload.replicas > STAMP_THRESHOLD {
                    self.stamped_pods(&replica_set, &hash, workload, created_at)?;
                } else {
                    for _ in 0..workload.replicas {
                        let name = format!("{}-{hash}-{}", workload.name, self.rng.name_suffix());
                        self.pod(
                            &replica_set,
                            &name,
                            &[],
                            workload.restarts,
                            created_at,
                            None,
                        )?;
                    }
                }
                self.store.seed(ServedKind::Deployment, deployment);
                self.store.seed(ServedKind::ReplicaSet, replica_set);
            }
            "StatefulSet" => {
                let statefulset = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": metadata,
                    "spec": {"replicas": workload.replicas, "selector": {"matchLabels": selector},
                        "serviceName": workload.name, "template": template,
                        "podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10,
                        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}},
                    "status": {}});
                let revision = format!(
                    "{}-{}",
                    workload.name,
                    template_hash(&statefulset["spec"]["template"])
                );
                for ordinal in 0..workload.replicas {
                    let name = format!("{}-{ordinal}", workload.name);
                    let labels = [
                        ("controller-revision-hash", revision.clone()),
                        ("statefulset.kubernetes.io/pod-name", name.clone()),
                        ("apps.kubernetes.io/pod-index", ordinal.to_string()),
                    ];
                    self.pod(
                        &statefulset,
                        &name,
                        &labels,
                        workload.restarts,
                        created_at,
                        None,
                    )?;
                }
                let mut statefulset = statefulset;
                statefulset["status"] =
                    json!({"currentRevision": revision, "updateRevision": revision});
                self.store.seed(ServedKind::StatefulSet, statefulset);
            }
            "DaemonSet" => {
                let daemonset = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": metadata,
                    "spec": {"selector": {"matchLabels": selector}, "template": template, "revisionHistoryLimit": 10,
                        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}},
                    "status": {}});
                let hash = template_hash(&daemonset["spec"]["template"]);
                let nodes = self.profile.nodes.clone();
                for node in &nodes {
                    let name = format!("{}-{}", workload.name, self.rng.name_suffix());
                    let labels = [
                        ("controller-revision-hash", hash.clone()),
                        ("pod-template-generation", workload.revision.to_string()),
                    ];
                    self.pod(
                        &daemonset,
                        &name,
                        &labels,
                        workload.restarts,
                        created_at,
                        Some(node),
                    )?;
                }
                self.store.seed(ServedKind::DaemonSet, daemonset);
            }
            _ => self.job(workload, metadata, template, created_at)?,
        }
        if let Some(service) = &workload.service {
            self.service(workload, service, &selector, &created)?;
        }
        Ok(())
    }

    fn job(
        &mut self,
        workload: &WorkloadSeed,
        metadata: Value,
        mut template: Value,
        created_at: Timestamp,
    ) -> Result<(), DemoError> {
        let uid = metadata["uid"].as_str().unwrap_or_default().to_string();
        let job_labels = json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": workload.name,
            "controller-uid": uid, "job-name": workload.name});
        if let (Some(labels), Some(extra)) = (
            template["metadata"]["labels"].as_object_mut(),
            job_labels.as_object(),
        ) {
            labels.extend(extra.clone());
        }
        let finished = timestamp(
            created_at
                .checked_add(SignedDuration::from_secs(23))
                .unwrap_or(created_at),
        );
        let mut metadata = metadata;
        metadata["generation"] = json!(1);
        let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
            "spec": {"backoffLimit": 1000, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
                "suspend": false, "podReplacementPolicy": "TerminatingOrFailed", "manualSelector": false,
                "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}, "template": template},
            "status": {"startTime": timestamp(created_at), "completionTime": finished, "succeeded": 1,
                "terminating": 0, "ready": 0, "uncountedTerminatedPods": {},
                "conditions": [
                    {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": finished, "lastTransitionTime": finished},
                    {"type": "Complete", "status": "True", "lastProbeTime": finished, "lastTransitionTime": finished}]}});
        let name = format!("{}-{}", workload.name, self.rng.name_suffix());
        let mut pod = self.pod_value(&job, &name, &[], 0, created_at, None)?;
        {
            let pod = &mut pod;
            let mut rng = self.rng.clone();
            let host_ip = pod["status"]["hostIP"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let pod_ip = pod["status"]["podIP"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let now = created_at
                .checked_add(SignedDuration::from_secs(23))
                .unwrap_or(created_at);
            set_pod_stage(
                pod,
                StageChange {
                    stage: PodStage::Succeeded,
                    now,
                    host_ip: &host_ip,
                    pod_ip: &pod_ip,
                    restarts: 0,
                    rng: &mut rng,
                },
            );
        }
        self.store.seed(ServedKind::Pod, pod);
        self.store.seed(ServedKind::Job, job);
        Ok(())
    }

    /// Seed a steady-state pod owned by `owner`; placed at random unless a node is given.
    fn pod(
        &mut self,
        owner: &Value,
        name: &str,
        extra_labels: &[(&str, String)],
        restarts: i64,
        created_at: Timestamp,
        node: Option<&NodeSlot>,
    ) -> Result<(), DemoError> {
        let pod = self.pod_value(owner, name, extra_labels, restarts, created_at, node)?;
        self.store.seed(ServedKind::Pod, pod);
        Ok(())
    }

    /// A steady-state pod owned by `owner`; placed at random unless a node is given.
    fn pod_value(
        &mut self,
        owner: &Value,
        name: &str,
        extra_labels: &[(&str, String)],
        restarts: i64,
        created_at: Timestamp,
        node: Option<&NodeSlot>,
    ) -> Result<Value, DemoError> {
        let node = match node {
            Some(node) => node.clone(),
            None => {
                let index = (self.rng.next_u64() % self.profile.nodes.len().max(1) as u64) as usize;
                self.profile
                    .nodes
                    .get(index)
                    .cloned()
                    .ok_or_else(|| self.source.error(0, "zone has no nodes"))?
            }
        };
        let mut template = owner["spec"]["template"].clone();
        if let Some(hash) = owner["metadata"]["labels"]["pod-template-hash"].as_str() {
            template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        }
        let uid = self.rng.uid();
        let mut pod = new_pod(
            &template,
            name,
            owner,
            extra_labels,
            &node,
            created_at,
            &uid,
        );
        let stage = match self.profile.pod_behaviour(&pod) {
            Behaviour::Healthy => PodStage::Ready,
            Behaviour::CrashLoop => PodStage::CrashLoop,
            Behaviour::StuckCreating => PodStage::ContainerCreating,
        };
        let pod_ip = self.profile.allocate_pod_ip();
        let started = created_at
            .checked_add(SignedDuration::from_secs(4))
            .unwrap_or(created_at);
        pod["status"]["startTime"] = json!(timestamp(started));
        set_pod_stage(
            &mut pod,
            StageChange {
                stage,
                now: started,
                host_ip: &node.internal_ip,
                pod_ip: &pod_ip,
                restarts,
                rng: &mut self.rng,
            },
        );
        Ok(pod)
    }

    /// Seed many identical pods of a ReplicaSet quickly: one serialized template per node with
    /// placeholders, stamped with each pod's name, uid, IP, container id and resourceVersion.
    fn stamped_pods(
        &mut self,
        replica_set: &Value,
        hash: &str,
        workload: &WorkloadSeed,
        created_at: Timestamp,
    ) -> Result<(), DemoError> {
        let nodes = self.profile.nodes.clone();
        let mut stamps = Vec::new();
        for node in &nodes {
            let mut pod = self.pod_value(
                replica_set,
                SLOT_NAME,
                &[],
                workload.restarts,
                created_at,
                Some(node),
            )?;
            pod["metadata"]["uid"] = json!(SLOT_UID);
            pod["metadata"]["resourceVersion"] = json!(SLOT_RV);
            pod["status"]["podIP"] = json!(SLOT_IP);
            pod["status"]["podIPs"] = json!([{"ip": SLOT_IP}]);
            for status in pod["status"]["containerStatuses"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                status["containerID"] = json!(format!("containerd://{SLOT_CID}"));
            }
            let labels: Vec<(String, String)> = pod["metadata"]["labels"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let fields = ServedKind::Pod.field_values(&pod);
            let bytes =
                serde_json::to_vec(&pod).map_err(|e| self.source.error(0, e.to_string()))?;
            stamps.push((Stamp::compile(&bytes), labels, fields));
        }
        let namespace = workload.namespace.as_str();
        for _ in 0..workload.replicas {
            let index = (self.rng.next_u64() % stamps.len().max(1) as u64) as usize;
            let Some((stamp, labels, fields)) = stamps.get(index) else {
                continue;
            };
            let name = format!("{}-{hash}-{}", workload.name, self.rng.name_suffix());
            let uid = self.rng.uid();
            let ip = self.profile.allocate_pod_ip();
            let container_id = self.rng.hex64();
            let fields = fields
                .iter()
                .map(|(field, value)| {
                    (
                        *field,
                        if value == SLOT_IP {
                            ip.clone()
                        } else {
                            value.clone()
                        },
                    )
                })
                .collect();
            self.store.seed_stamped(
                ServedKind::Pod,
                namespace,
                &name,
                labels.clone(),
                fields,
                |rv| stamp.render(&[&name, &uid, &ip, &container_id, &rv.to_string()]),
            );
        }
        Ok(())
    }

    fn service(
        &mut self,
        workload: &WorkloadSeed,
        service: &ServiceSeed,
        selector: &Value,
        created: &str,
    ) -> Result<(), DemoError> {
        let name = service
            .name
            .clone()
            .unwrap_or_else(|| workload.name.clone());
        let namespace = workload.namespace.as_str();
        let service_type = service
            .service_type
            .as_ref()
            .map_or("ClusterIP", |t| t.get_ref().as_str())
            .to_string();
        let ip = service
            .cluster_ip
            .clone()
            .unwrap_or_else(|| self.cluster_ip(&name, namespace));
        let mut ports = Vec::new();
        for (index, port) in service.ports.iter().enumerate() {
            let spec = self.source.port(port)?;
            let target = workload
                .ports
                .get(index)
                .and_then(|p| self.source.port(p).ok())
                .map_or(spec.port, |p| p.port);
            let mut entry =
                json!({"port": spec.port, "protocol": spec.protocol, "targetPort": target});
            if let Some(port_name) = spec.name {
                entry["name"] = json!(port_name);
            }
            if service_type != "ClusterIP" {
                let node_port = match (index, service.node_port) {
                    (0, Some(pinned)) => pinned,
                    _ => {
                        30_000
                            + (factory::fnv64(format!("{name}{index}").as_bytes()) % 2_767) as i64
                    }
                };
                entry["nodePort"] = json!(node_port);
            }
            ports.push(entry);
        }
        let mut status = json!({"loadBalancer": {}});
        if let Some(external) = &service.external_ip
            && service_type == "LoadBalancer"
        {
            status["loadBalancer"] = json!({"ingress": [{"ip": external, "ipMode": "VIP"}]});
        }
        let uid = self.rng.uid();
        let mut spec = json!({"type": service_type, "clusterIP": ip, "clusterIPs": [ip], "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
            "ports": ports, "selector": selector});
        if service_type != "ClusterIP" {
            spec["externalTrafficPolicy"] = json!("Cluster");
        }
        self.store.seed(ServedKind::Service, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "uid": uid, "creationTimestamp": created,
                "labels": selector},
            "spec": spec, "status": status}));
        Ok(())
    }

    /// Generated `ge-load` Deployments holding `count` pods in total (not in the seed file).
    fn load(&mut self, count: usize) -> Result<(), DemoError> {
        if count == 0 {
            return Ok(());
        }
        const PODS_PER_DEPLOYMENT: usize = 2_500;
        let deployments = count.div_ceil(PODS_PER_DEPLOYMENT);
        for index in 0..deployments {
            let replicas = (count - index * PODS_PER_DEPLOYMENT).min(PODS_PER_DEPLOYMENT);
            let workload = WorkloadSeed {
                kind: Spanned::new(0..0, "Deployment".to_string()),
                namespace: "ge-load".into(),
                name: format!("load-generator-{index}"),
                replicas: replicas as i64,
                image: "registry.ge.internal/ge-load:{ge_tag}".into(),
                ports: Vec::new(),
                service: None,
                revision: 1,
                age: Spanned::new(0..0, "3h".to_string()),
                restarts: 0,
                paused: false,
                progress_deadline_seconds: None,
                requests: BTreeMap::new(),
                limits: BTreeMap::new(),
            };
            self.workload(&workload)?;
        }
        Ok(())
    }

    fn namespace_objects(&mut self) -> Result<(), DemoError> {
        let created = timestamp(self.ago(&self.zone.age)?);
        let namespaces: Vec<String> = self.namespaces.iter().cloned().collect();
        for name in namespaces {
            let uid = self.rng.uid();
            self.store.seed(
                ServedKind::Namespace,
                json!({
                    "apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": name, "uid": uid, "creationTimestamp": created,
                        "labels": {"kubernetes.io/metadata.name": name}},
                    "spec": {"finalizers": ["kubernetes"]},
                    "status": {"phase": "Active"},
                }),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_seed_is_valid_and_every_object_normalises() {
        let seed = parse(SEED_FILE, SEED_TEXT).unwrap();
        let contexts: Vec<&str> = seed.zones.iter().map(|z| z.context.as_str()).collect();
        assert_eq!(contexts, ["ge-dev", "ge-staging", "ge-production"]);
        for zone in &seed.zones {
            let store = Store::new();
            build_zone(&seed, zone, 40, &store).unwrap();
            for kind in ServedKind::ALL {
                for object in store.list(kind, None, None, None, &|_| true).items {
                    let value = object.to_value();
                    assert!(
                        !object.json.windows(2).any(|w| w == b"@@"),
                        "unfilled placeholder in {}",
                        object.name
                    );
                    kind.normalise(value)
                        .unwrap_or_else(|e| panic!("{kind:?} {}: {e:?}", object.name));
                }
            }
            let load = store
                .list(ServedKind::Pod, Some("ge-load"), None, None, &|_| true)
                .items;
            assert_eq!(load.len(), 40);
            let stamped = load[0].to_value();
            assert_eq!(stamped["metadata"]["name"], load[0].name.as_str());
            assert_eq!(
                stamped["metadata"]["resourceVersion"],
                load[0].resource_version.to_string()
            );
            assert_eq!(
                load[0].field("status.podIP"),
                stamped["status"]["podIP"].as_str()
            );
        }
    }

    #[test]
    fn a_bad_seed_names_file_line_and_problem() {
        let text = SEED_TEXT.replacen("age = \"38d\"", "age = \"38 days\"", 1);
        let error = parse("fleet.toml", &text).unwrap_err();
        let DemoError::Seed {
            file,
            line,
            message,
        } = &error
        else {
            panic!("{error}")
        };
        assert_eq!(file, "fleet.toml");
        let expected_line = text.lines().position(|l| l.contains("38 days")).unwrap() + 1;
        assert_eq!(*line, expected_line);
        assert!(message.contains("invalid age"), "{message}");
        assert!(
            error
                .to_string()
                .contains(&format!("fleet.toml:{expected_line}")),
            "{error}"
        );

        let syntax = parse("fleet.toml", "[[zones]\nname = 1").unwrap_err();
        assert!(
            matches!(syntax, DemoError::Seed { line: 1, .. }),
            "{syntax}"
        );
        let unknown = parse(
            "fleet.toml",
            &SEED_TEXT.replacen("kind = \"DaemonSet\"", "kind = \"CronJob\"", 1),
        )
        .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown workload kind"),
            "{unknown}"
        );
    }
}
