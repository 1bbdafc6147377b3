//! ReplicaSet history in the demo fleet: every Deployment seeded with its older revisions,
//! and old ReplicaSets beyond `revisionHistoryLimit` cleaned up as the controller does.

mod demo_common;

use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

use demo_common::{client, eventually, fleet};

#[tokio::test]
async fn deployments_are_seeded_with_their_older_revisions() {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    use k8s_openapi::api::core::v1::Pod;
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let deployment = Api::<Deployment>::namespaced(dev.clone(), "ge-agents")
        .get("ge-executor")
        .await
        .unwrap();
    let annotations = deployment.metadata.annotations.clone().unwrap();
    assert_eq!(annotations["deployment.kubernetes.io/revision"], "23");
    let selector = ListParams::default().labels("app.kubernetes.io/name=ge-executor");
    let mut sets = Api::<ReplicaSet>::namespaced(dev.clone(), "ge-agents")
        .list(&selector)
        .await
        .unwrap()
        .items;
    let revision = |rs: &ReplicaSet| -> i64 {
        rs.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"]
            .parse()
            .unwrap()
    };
    sets.sort_by_key(revision);
    assert_eq!(
        sets.iter().map(revision).collect::<Vec<_>>(),
        [18, 19, 20, 21, 22, 23]
    );
    let image = |rs: &ReplicaSet| {
        rs.spec
            .as_ref()
            .unwrap()
            .template
            .as_ref()
            .unwrap()
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
            .image
            .clone()
            .unwrap()
    };
    let (current, older) = sets.split_last().unwrap();
    assert_eq!(
        image(current),
        "registry.ge.internal/ge-executor:2026.03.25-7c1e9a2"
    );
    assert_eq!(
        current
            .metadata
            .annotations
            .as_ref()
            .unwrap()
            .get("kubernetes.io/change-cause"),
        annotations.get("kubernetes.io/change-cause"),
        "the current ReplicaSet carries the Deployment's change-cause"
    );
    let mut images = std::collections::BTreeSet::new();
    for (older, newer) in sets.iter().zip(sets.iter().skip(1)) {
        assert!(
            older.metadata.creation_timestamp.as_ref().unwrap().0
                < newer.metadata.creation_timestamp.as_ref().unwrap().0
        );
    }
    for rs in older {
        assert_eq!(rs.spec.as_ref().unwrap().replicas, Some(0));
        assert_eq!(rs.status.as_ref().unwrap().replicas, 0);
        assert!(image(rs).starts_with("registry.ge.internal/ge-executor:20"));
        assert!(images.insert(image(rs)), "each revision runs its own image");
        let owner = &rs.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(Some(&owner.uid), deployment.metadata.uid.as_ref());
    }
    assert!(
        deployment.metadata.creation_timestamp.unwrap().0
            <= older[0].metadata.creation_timestamp.clone().unwrap().0
    );
    let current_created = current.metadata.creation_timestamp.as_ref().unwrap().0;
    let pods = Api::<Pod>::namespaced(dev, "ge-agents")
        .list(&selector)
        .await
        .unwrap()
        .items;
    assert_eq!(pods.len(), 2, "no pods of the old revisions");
    assert!(
        pods.iter()
            .all(|p| p.metadata.creation_timestamp.as_ref().unwrap().0 >= current_created)
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn old_revisions_beyond_the_history_limit_are_cleaned_up() {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let deployments: Api<Deployment> = Api::namespaced(dev.clone(), "ge-agents");
    let sets: Api<ReplicaSet> = Api::namespaced(dev, "ge-agents");
    let selector = ListParams::default().labels("app.kubernetes.io/name=ge-executor");
    deployments
        .patch(
            "ge-executor",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"revisionHistoryLimit": 2}})),
        )
        .await
        .unwrap();
    let kept = eventually("the oldest revisions to go", || async {
        let mut revisions: Vec<String> = sets
            .list(&selector)
            .await
            .ok()?
            .items
            .into_iter()
            .filter_map(|rs| {
                rs.metadata
                    .annotations?
                    .remove("deployment.kubernetes.io/revision")
            })
            .collect();
        revisions.sort();
        (revisions.len() == 3).then_some(revisions)
    })
    .await;
    assert_eq!(kept, ["21", "22", "23"]);
    fleet.shutdown().await;
}
