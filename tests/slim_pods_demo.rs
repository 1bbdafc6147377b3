//! The console's watches decode pods with only the fields it projects (`SlimPod`); over the demo
//! fleet's real HTTP, every pod of every zone projects exactly as when decoded in full.

#[path = "demo_common/mod.rs"]
mod demo_common;

use ge_console::cluster::project::{self, SlimPod};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};

#[tokio::test]
async fn every_demo_pod_projects_the_same_decoded_slim_or_in_full() {
    let (fleet, _state) = demo_common::fleet().await;
    let mut statuses = std::collections::BTreeSet::new();
    for context in fleet.contexts() {
        let client = demo_common::client(&fleet, &context).await;
        let full = Api::<Pod>::all(client.clone())
            .list(&ListParams::default())
            .await
            .unwrap();
        let slim = Api::<SlimPod>::all(client)
            .list(&ListParams::default())
            .await
            .unwrap();
        let mut full: Vec<_> = full.items.iter().map(project::pod).collect();
        let mut slim: Vec<_> = slim.items.into_iter().map(project::slim_pod).collect();
        full.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        slim.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        assert!(!full.is_empty(), "{context} serves pods");
        assert_eq!(
            full, slim,
            "{context}: slim and full decoding project alike"
        );
        statuses.extend(full.iter().map(|p| p.status.clone()));
    }
    // The comparison covers more than healthy pods: the demo's stories are in it.
    assert!(
        statuses.iter().any(|s| s != "Running" && s != "Completed"),
        "pods in trouble were compared too: {statuses:?}"
    );
}
