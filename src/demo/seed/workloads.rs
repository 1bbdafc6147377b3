//! Building a zone's workloads from the seed: Deployments with their ReplicaSets, StatefulSets,
//! DaemonSets and completed Jobs, each with steady-state pods (stamped when there are many),
//! plus the generated load Deployments.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use toml::Spanned;

use super::build::{LoadPods, ZoneBuilder};
use super::schema::WorkloadSeed;
use super::stamp::{SLOT_CID, SLOT_IP, SLOT_NAME, SLOT_RV, SLOT_UID, Stamp};
use crate::demo::DemoError;
use crate::demo::factory::{
    Behaviour, NodeSlot, PodStage, StageChange, new_pod, new_replica_set, set_pod_stage,
    template_hash, timestamp,
};
use crate::demo::resources::ServedKind;

/// How the generated load Deployments' names start (`load-generator-0`, …), and so their
/// pods' names: what tells them apart from the seeded pods of the same namespace.
pub const LOAD_WORKLOAD_PREFIX: &str = "load-generator-";

/// Deployments with more replicas than this get their pods stamped from a template.
const STAMP_THRESHOLD: i64 = 16;

impl ZoneBuilder<'_> {
    /// The pod template of `workload`: one container, its ports and resources.
    fn template(&self, workload: &WorkloadSeed, selector: &Value) -> Result<Value, DemoError> {
        // Only the image changes for a zone of `image_in`: its revisions, pods and their names
        // are drawn as in every other zone, so the rest of the zone is seeded as before.
        let image = workload
            .image_in
            .get(&self.zone.name)
            .unwrap_or(&workload.image)
            .replace("{ge_tag}", &self.zone.ge_tag);
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
        let mut containers = vec![container];
        for sidecar in &workload.sidecars {
            let mut ports = Vec::new();
            for port in &sidecar.ports {
                let spec = self.source.port(port)?;
                let mut entry = json!({"containerPort": spec.port, "protocol": spec.protocol});
                if let Some(name) = spec.name {
                    entry["name"] = json!(name);
                }
                ports.push(entry);
            }
            let mut container = json!({
                "name": sidecar.name,
                "image": sidecar.image,
                "imagePullPolicy": "IfNotPresent",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            });
            if !ports.is_empty() {
                container["ports"] = json!(ports);
            }
            containers.push(container);
        }
        let mut spec = json!({"containers": containers});
        if workload.kind.get_ref() == "Job" {
            spec["restartPolicy"] = json!("OnFailure");
        }
        Ok(json!({"metadata": {"labels": selector}, "spec": spec}))
    }

    /// Seed `workload`, its pods and its Service.
    pub(super) fn workload(&mut self, workload: &WorkloadSeed) -> Result<(), DemoError> {
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
                self.deployment(workload, &metadata, &selector, &template, created_at)?
            }
            "StatefulSet" => {
                self.stateful_set(workload, &metadata, &selector, &template, created_at)?
            }
            "DaemonSet" => {
                self.daemon_set(workload, &metadata, &selector, &template, created_at)?
            }
            _ => self.job(workload, metadata, template, created_at)?,
        }
        let service = workload
            .service_in
            .get(&self.zone.name)
            .or(workload.service.as_ref());
        if let Some(service) = service {
            self.service(workload, service, &selector, &created)?;
        }
        Ok(())
    }

    /// A Deployment, its current ReplicaSet with that ReplicaSet's pods, and its older ones.
    fn deployment(
        &mut self,
        workload: &WorkloadSeed,
        metadata: &Value,
        selector: &Value,
        template: &Value,
        created_at: Timestamp,
    ) -> Result<(), DemoError> {
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
        let image = template["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let history = self.history(workload, &image, created_at)?;
        Self::annotate_current(&mut deployment, &history);
        let hash = template_hash(&deployment["spec"]["template"]);
        let rs_uid = self.rng.uid();
        let replica_set = new_replica_set(
            &deployment,
            &hash,
            workload.revision,
            workload.replicas,
            history.current_at,
            &rs_uid,
        );
        if workload.replicas > STAMP_THRESHOLD {
            self.stamped_pods(&replica_set, &hash, workload, history.current_at)?;
        } else {
            for index in 0..workload.replicas {
                let name = format!("{}-{hash}-{}", workload.name, self.rng.name_suffix());
                let created = self.pod_created(&history, index);
                self.pod(&replica_set, &name, &[], workload.restarts, created, None)?;
            }
        }
        self.seed_older_replica_sets(&deployment, &history);
        self.store.seed(ServedKind::Deployment, deployment);
        self.store.seed(ServedKind::ReplicaSet, replica_set);
        Ok(())
    }

    /// A StatefulSet and its ordinal pods.
    fn stateful_set(
        &mut self,
        workload: &WorkloadSeed,
        metadata: &Value,
        selector: &Value,
        template: &Value,
        created_at: Timestamp,
    ) -> Result<(), DemoError> {
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
        statefulset["status"] = json!({"currentRevision": revision, "updateRevision": revision});
        self.store.seed(ServedKind::StatefulSet, statefulset);
        Ok(())
    }

    /// A DaemonSet and a pod on every node.
    fn daemon_set(
        &mut self,
        workload: &WorkloadSeed,
        metadata: &Value,
        selector: &Value,
        template: &Value,
        created_at: Timestamp,
    ) -> Result<(), DemoError> {
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
        Ok(())
    }

    /// A completed Job and its succeeded pod.
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

    /// Generated load Deployments holding `load.count` pods in total in `load.namespace` (not
    /// in the seed file).
    pub(super) fn load(&mut self, load: &LoadPods) -> Result<(), DemoError> {
        let count = load.count;
        if count == 0 {
            return Ok(());
        }
        const PODS_PER_DEPLOYMENT: usize = 2_500;
        let deployments = count.div_ceil(PODS_PER_DEPLOYMENT);
        for index in 0..deployments {
            let replicas = (count - index * PODS_PER_DEPLOYMENT).min(PODS_PER_DEPLOYMENT);
            let workload = WorkloadSeed {
                kind: Spanned::new(0..0, "Deployment".to_string()),
                namespace: load.namespace.clone(),
                name: format!("{LOAD_WORKLOAD_PREFIX}{index}"),
                replicas: replicas as i64,
                // Another team's load generator: not a GE image, so the placement check leaves
                // it alone in its own namespace.
                image: "registry.example.com/perf/load-generator:{ge_tag}".into(),
                ports: Vec::new(),
                service: None,
                service_in: Default::default(),
                image_in: Default::default(),
                revision: 1,
                age: Spanned::new(0..0, "3h".to_string()),
                restarts: 0,
                paused: false,
                progress_deadline_seconds: None,
                rolled_out: None,
                history: Vec::new(),
                requests: BTreeMap::new(),
                limits: BTreeMap::new(),
                sidecars: Vec::new(),
            };
            self.workload(&workload)?;
        }
        Ok(())
    }
}
