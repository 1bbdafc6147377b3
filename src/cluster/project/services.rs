//! Projects Services, IngressClasses and StorageClasses into the small structs the runbook
//! checks read (ports, ingress, storage), sanitising every string.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::ResourceExt;

use crate::fleet::{IngressClassInfo, ServiceInfo, ServicePortInfo, StorageClassInfo};
use crate::sanitize::clean_owned as clean;

/// The annotation that makes an IngressClass the cluster's default.
pub const DEFAULT_INGRESS_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

/// The annotation that makes a StorageClass the cluster's default.
pub const DEFAULT_STORAGE_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// The annotation `annotation` is `"true"` (the API server compares it that way too).
fn annotated_true(meta: &ObjectMeta, annotation: &str) -> bool {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(annotation))
        .is_some_and(|v| v == "true")
}

/// Projects a Service: type (ClusterIP when unset, as the API server defaults it) and ports.
pub fn service(s: &Service) -> ServiceInfo {
    let spec = s.spec.as_ref();
    let ports = spec
        .and_then(|sp| sp.ports.as_ref())
        .map(|ports| {
            ports
                .iter()
                .map(|p| ServicePortInfo {
                    name: p.name.as_deref().map(clean).unwrap_or_default(),
                    port: p.port,
                    protocol: p.protocol.as_deref().map_or_else(|| "TCP".into(), clean),
                    node_port: p.node_port,
                    target_port: p.target_port.as_ref().map(|t| match t {
                        IntOrString::Int(n) => n.to_string(),
                        IntOrString::String(name) => clean(name),
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    ServiceInfo {
        namespace: clean(&s.namespace().unwrap_or_default()),
        name: clean(&s.name_any()),
        service_type: spec
            .and_then(|sp| sp.type_.as_deref())
            .map_or_else(|| "ClusterIP".into(), clean),
        ports,
        has_selector: spec
            .and_then(|sp| sp.selector.as_ref())
            .is_some_and(|sel| !sel.is_empty()),
    }
}

/// Projects an IngressClass.
pub fn ingress_class(c: &IngressClass) -> IngressClassInfo {
    IngressClassInfo {
        name: clean(&c.name_any()),
        controller: c
            .spec
            .as_ref()
            .and_then(|s| s.controller.as_deref())
            .map(clean)
            .unwrap_or_default(),
        is_default: annotated_true(&c.metadata, DEFAULT_INGRESS_CLASS_ANNOTATION),
    }
}

/// Projects a StorageClass.
pub fn storage_class(c: &StorageClass) -> StorageClassInfo {
    StorageClassInfo {
        name: clean(&c.name_any()),
        provisioner: clean(&c.provisioner),
        is_default: annotated_true(&c.metadata, DEFAULT_STORAGE_CLASS_ANNOTATION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_ports_type_and_selector_are_projected() {
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "redis", "namespace": "ge-data"},
            "spec": {"selector": {"app": "redis"}, "ports": [
                {"name": "redis", "port": 6379, "targetPort": "redis"},
                {"port": 9121, "protocol": "TCP", "targetPort": 9121, "nodePort": 31000}
            ]}
        }))
        .unwrap();
        let info = service(&svc);
        assert_eq!(info.service_type, "ClusterIP");
        assert!(info.has_selector);
        assert_eq!(info.ports[0].port, 6379);
        assert_eq!(info.ports[0].protocol, "TCP");
        assert_eq!(info.ports[0].target_port.as_deref(), Some("redis"));
        assert_eq!(info.ports[1].name, "");
        assert_eq!(info.ports[1].node_port, Some(31000));
        assert_eq!(info.ports[1].target_port.as_deref(), Some("9121"));
    }

    #[test]
    fn service_without_selector_or_ports_and_escape_sequences_are_cleaned() {
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": "ext\u{1b}[31m", "namespace": "ge-data"},
            "spec": {"type": "ExternalName", "externalName": "db.example"}
        }))
        .unwrap();
        let info = service(&svc);
        assert!(!info.has_selector);
        assert!(info.ports.is_empty());
        assert_eq!(info.service_type, "ExternalName");
        assert!(!info.name.contains('\u{1b}'));
    }

    #[test]
    fn default_class_annotations_must_say_true() {
        let ic: IngressClass = serde_json::from_value(json!({
            "metadata": {"name": "traefik", "annotations": {DEFAULT_INGRESS_CLASS_ANNOTATION: "true"}},
            "spec": {"controller": "traefik.io/ingress-controller"}
        }))
        .unwrap();
        let info = ingress_class(&ic);
        assert!(info.is_default);
        assert_eq!(info.controller, "traefik.io/ingress-controller");
        let sc: StorageClass = serde_json::from_value(json!({
            "metadata": {"name": "slow", "annotations": {DEFAULT_STORAGE_CLASS_ANNOTATION: "yes"}},
            "provisioner": "rancher.io/local-path"
        }))
        .unwrap();
        let info = storage_class(&sc);
        assert!(!info.is_default);
        assert_eq!(info.provisioner, "rancher.io/local-path");
    }
}
