//! The column definitions of each kind's Table, matching the real server's printers.

use serde_json::{Value, json};

use crate::demo::resources::ServedKind;

/// One column definition.
pub(super) fn column(
    name: &str,
    kind: &str,
    format: &str,
    priority: i32,
    description: &str,
) -> Value {
    json!({"name": name, "type": kind, "format": format, "description": description, "priority": priority})
}

/// Column definitions for a kind, matching the real server's printers.
pub(super) fn columns(kind: ServedKind) -> Vec<Value> {
    let name = column(
        "Name",
        "string",
        "name",
        0,
        "Name must be unique within a namespace.",
    );
    let age = column(
        "Age",
        "string",
        "",
        0,
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    );
    let containers = column(
        "Containers",
        "string",
        "",
        1,
        "Names of each container in the template.",
    );
    let images = column(
        "Images",
        "string",
        "",
        1,
        "Images referenced by each container in the template.",
    );
    let selector = column("Selector", "string", "", 1, "Label selector for pods.");
    match kind {
        ServedKind::Event | ServedKind::EventV1 => super::events::columns(),
        ServedKind::IngressClass => super::classes::ingress_class_columns(),
        ServedKind::StorageClass => super::classes::storage_class_columns(),
        ServedKind::Pod => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            column(
                "Status",
                "string",
                "",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            column(
                "Restarts",
                "string",
                "",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age,
            column("IP", "string", "", 1, "IP address allocated to the pod."),
            column(
                "Node",
                "string",
                "",
                1,
                "Name of the node this pod is running on.",
            ),
            column(
                "Nominated Node",
                "string",
                "",
                1,
                "Name of the node this pod is nominated to run on.",
            ),
            column(
                "Readiness Gates",
                "string",
                "",
                1,
                "Readiness gates of the pod.",
            ),
        ],
        ServedKind::Node => vec![
            name,
            column("Status", "string", "", 0, "The status of the node"),
            column("Roles", "string", "", 0, "The roles of the node"),
            age,
            column(
                "Version",
                "string",
                "",
                0,
                "Kubelet Version reported by the node.",
            ),
            column(
                "Internal-IP",
                "string",
                "",
                1,
                "List of internal IPs that are assigned to the node.",
            ),
            column(
                "External-IP",
                "string",
                "",
                1,
                "List of external IPs that are assigned to the node.",
            ),
            column(
                "OS-Image",
                "string",
                "",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            column(
                "Kernel-Version",
                "string",
                "",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            column(
                "Container-Runtime",
                "string",
                "",
                1,
                "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        ServedKind::Namespace => vec![
            name,
            column("Status", "string", "", 0, "The status of the namespace"),
            age,
        ],
        ServedKind::Service => vec![
            name,
            column("Type", "string", "", 0, "The type of the service."),
            column(
                "Cluster-IP",
                "string",
                "",
                0,
                "The cluster IP of the service.",
            ),
            column(
                "External-IP",
                "string",
                "",
                0,
                "The external IP of the service.",
            ),
            column("Port(s)", "string", "", 0, "The ports of the service."),
            age,
            column(
                "Selector",
                "string",
                "",
                1,
                "The label selector of the service.",
            ),
        ],
        ServedKind::Deployment => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "Number of the pod with ready state",
            ),
            column(
                "Up-to-date",
                "integer",
                "",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            column(
                "Available",
                "integer",
                "",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::ReplicaSet => vec![
            name,
            column(
                "Desired",
                "integer",
                "",
                0,
                "Replicas is the number of desired replicas.",
            ),
            column(
                "Current",
                "integer",
                "",
                0,
                "Replicas is the most recently observed number of replicas.",
            ),
            column(
                "Ready",
                "integer",
                "",
                0,
                "The number of ready replicas for this replica set.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::StatefulSet => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "Number of the pod with ready state",
            ),
            age,
            containers,
            images,
        ],
        ServedKind::DaemonSet => vec![
            name,
            column(
                "Desired",
                "integer",
                "",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            column(
                "Current",
                "integer",
                "",
                0,
                "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            ),
            column(
                "Ready",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            ),
            column(
                "Up-to-date",
                "integer",
                "",
                0,
                "The total number of nodes that are running updated daemon pod",
            ),
            column(
                "Available",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
            ),
            column(
                "Node Selector",
                "string",
                "",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::Job => vec![
            name,
            column("Status", "string", "", 0, "Status of the job."),
            column(
                "Completions",
                "string",
                "",
                0,
                "The completion status of the job.",
            ),
            column(
                "Duration",
                "string",
                "",
                0,
                "Time required to complete the job.",
            ),
            age,
            containers,
            images,
            selector,
        ],
    }
}
