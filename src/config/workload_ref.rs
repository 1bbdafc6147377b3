//! The workload a config file names (the redeploy target): `NAMESPACE/KIND/NAME`, checked when
//! the file is read so that a typo is reported with its line instead of at the first redeploy.

use serde::Serialize;

/// The three kinds of workload the console tracks and can restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    /// A Deployment.
    Deployment,
    /// A StatefulSet.
    StatefulSet,
    /// A DaemonSet.
    DaemonSet,
}

impl WorkloadKind {
    /// The kind name as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    /// The short name kubectl accepts (deploy, sts, ds).
    pub fn short(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deploy",
            WorkloadKind::StatefulSet => "sts",
            WorkloadKind::DaemonSet => "ds",
        }
    }

    /// Parses `deployment`, `deploy`, `Deployment`, `sts`, `statefulset`, `ds`, `daemonset`.
    pub fn parse(s: &str) -> Option<WorkloadKind> {
        match s.to_ascii_lowercase().as_str() {
            "deployment" | "deployments" | "deploy" => Some(WorkloadKind::Deployment),
            "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
            "daemonset" | "daemonsets" | "ds" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }
}

/// A workload named in a config file or on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRef {
    /// Its namespace.
    pub namespace: String,
    /// Deployment, StatefulSet or DaemonSet.
    pub kind: WorkloadKind,
    /// Its name.
    pub name: String,
}

impl WorkloadRef {
    /// Parses `NAMESPACE/KIND/NAME` (KIND as kubectl accepts it: deployment, deploy, sts, ...).
    pub fn parse(s: &str) -> Option<WorkloadRef> {
        let mut parts = s.split('/');
        let (namespace, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || namespace.is_empty() || name.is_empty() {
            return None;
        }
        Some(WorkloadRef {
            namespace: namespace.to_string(),
            kind: WorkloadKind::parse(kind)?,
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_need_all_three_parts_and_a_known_kind() {
        let target = WorkloadRef::parse("ge-agents/deploy/ge-executor");
        assert_eq!(
            target,
            Some(WorkloadRef {
                namespace: "ge-agents".into(),
                kind: WorkloadKind::Deployment,
                name: "ge-executor".into(),
            })
        );
        for bad in [
            "ge-agents/pod/x",
            "a/deployment",
            "a/sts/b/c",
            "/sts/b",
            "a/sts/",
        ] {
            assert_eq!(WorkloadRef::parse(bad), None, "{bad}");
        }
    }
}
