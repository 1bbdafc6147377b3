//! Building a zone from the seed: nodes, the `kubernetes` Service, each workload's Service
//! and the namespace objects, around the workloads themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use serde_json::{Value, json};
use toml::Spanned;

use super::schema::{Seed, SeedText, ServiceSeed, WorkloadSeed, ZoneSeed, parse_behaviour};
use super::{SEED_FILE, SEED_TEXT};
use crate::demo::DemoError;
use crate::demo::factory::{self, NodeSlot, Rng, ZoneProfile, timestamp};
use crate::demo::resources::ServedKind;
use crate::demo::store::Store;

/// What a zone's build leaves besides the seeded objects.
pub struct ZoneBuild {
    /// What the controller needs to know about the zone.
    pub profile: ZoneProfile,
    /// Random source to continue from.
    pub rng: Rng,
}

/// Builds one zone's objects.
pub(super) struct ZoneBuilder<'a> {
    /// The zone being built.
    pub(super) zone: &'a ZoneSeed,
    /// The seed, for located errors.
    pub(super) source: SeedText<'a>,
    /// The moment ages count back from.
    pub(super) now: Timestamp,
    /// Names, uids and placement, seeded by the zone's name.
    pub(super) rng: Rng,
    /// Nodes, pod network and faults.
    pub(super) profile: ZoneProfile,
    /// Where the objects go.
    pub(super) store: &'a Store,
    /// Namespaces used so far; each gets a Namespace object at the end.
    pub(super) namespaces: BTreeSet<String>,
}

/// The generated load pods of a zone (not in the seed file): how many, and in which namespace.
#[derive(Debug, Clone)]
pub struct LoadPods {
    /// How many pods, in Deployments of at most a few thousand replicas each.
    pub count: usize,
    /// Their namespace; it gets a Namespace object like every namespace used.
    pub namespace: String,
}

/// Expand a zone of the seed into objects in `store`, plus the generated `load` pods.
pub fn build_zone(
    seed: &Seed,
    zone: &ZoneSeed,
    load: &LoadPods,
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
        scheduler_host: scheduler_host(zone),
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
    builder.load(load)?;
    builder.events();
    builder.namespace_objects()?;
    // Last, so the random draws of everything seeded before stay as they were.
    builder.classes()?;
    Ok(ZoneBuild {
        profile: builder.profile,
        rng: builder.rng,
    })
}

/// Where a zone's scheduler runs: on its control-plane node (k3s), else on the provider's
/// managed control plane, which no node of the zone names.
fn scheduler_host(zone: &ZoneSeed) -> String {
    zone.nodes
        .iter()
        .find(|node| node.roles.iter().any(|role| role == "control-plane"))
        .map_or_else(
            || format!("{}-control-plane-0", zone.name),
            |node| node.name.clone(),
        )
}

impl ZoneBuilder<'_> {
    /// The moment `age` before now.
    pub(super) fn ago(&self, age: &Spanned<String>) -> Result<Timestamp, DemoError> {
        let duration = self.source.age(age)?;
        self.now
            .checked_sub(duration)
            .map_err(|_| self.source.error(age.span().start, "age too large"))
    }

    /// The Node objects, labelled and annotated as UpCloud or k3s nodes.
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

    /// A stable cluster IP for a Service, derived from its namespace and name.
    fn cluster_ip(&self, name: &str, namespace: &str) -> String {
        let hash = factory::fnv64(format!("{namespace}/{name}").as_bytes());
        format!(
            "{}.{}.{}",
            self.zone.service_network,
            hash % 256,
            (hash >> 8) % 253 + 2
        )
    }

    /// The zone's IngressClasses and StorageClasses, as old as the zone.
    fn classes(&mut self) -> Result<(), DemoError> {
        let created = timestamp(self.ago(&self.zone.age)?);
        for class in &self.zone.ingress_classes {
            let uid = self.rng.uid();
            let mut metadata =
                json!({"name": class.name, "uid": uid, "creationTimestamp": created});
            if class.default {
                metadata["annotations"] =
                    json!({"ingressclass.kubernetes.io/is-default-class": "true"});
            }
            self.store.seed(
                ServedKind::IngressClass,
                json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                "metadata": metadata, "spec": {"controller": class.controller}}),
            );
        }
        for class in &self.zone.storage_classes {
            let uid = self.rng.uid();
            let mut metadata =
                json!({"name": class.name, "uid": uid, "creationTimestamp": created});
            if class.default {
                metadata["annotations"] =
                    json!({"storageclass.kubernetes.io/is-default-class": "true"});
            }
            let mut object = json!({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": metadata,
                "provisioner": class.provisioner,
                "reclaimPolicy": class.reclaim_policy.as_deref().unwrap_or("Delete"),
                "volumeBindingMode": class.volume_binding_mode.as_deref().unwrap_or("Immediate"),
                "allowVolumeExpansion": class.allow_volume_expansion});
            if !class.parameters.is_empty() {
                object["parameters"] = json!(class.parameters);
            }
            self.store.seed(ServedKind::StorageClass, object);
        }
        Ok(())
    }

    /// The `default/kubernetes` Service.
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

    /// The Service in front of `workload`.
    pub(super) fn service(
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

    /// A Namespace object for every namespace used.
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
