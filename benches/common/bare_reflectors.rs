//! The CPU baseline of the latency benchmark: plain kube-rs reflectors holding full objects of
//! every kind the console watches, cluster-wide, in every zone of a kubeconfig; what a program
//! that only keeps the fleet's objects in memory costs, with nothing derived or drawn. The
//! benchmark runs it as its own process (itself, with [`FLAG`]) so its CPU is measured apart.

use std::fmt::Debug;

use futures::StreamExt;
use futures::future::BoxFuture;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Service};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Api, Client, Config, Resource};
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

/// The argument that makes the benchmark binary run the reflectors instead of the benchmark.
pub const FLAG: &str = "--bare-reflectors";

/// The line printed once every reflector has its first list.
pub const SYNCED: &str = "synced";

/// Runs reflectors for every context of `kubeconfig` until killed; prints [`SYNCED`] once all
/// stores are filled.
pub fn run(kubeconfig: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let file = Kubeconfig::read_from(kubeconfig).expect("read the kubeconfig");
        let mut tasks = JoinSet::new();
        let mut ready: Vec<BoxFuture<'static, ()>> = Vec::new();
        for context in file.contexts.iter().map(|c| c.name.clone()) {
            let options = KubeConfigOptions {
                context: Some(context),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(file.clone(), &options)
                .await
                .expect("the context's config");
            let client = Client::try_from(config).expect("a client");
            reflect::<Pod>(&client, &mut tasks, &mut ready);
            reflect::<ReplicaSet>(&client, &mut tasks, &mut ready);
            reflect::<Deployment>(&client, &mut tasks, &mut ready);
            reflect::<StatefulSet>(&client, &mut tasks, &mut ready);
            reflect::<DaemonSet>(&client, &mut tasks, &mut ready);
            reflect::<Node>(&client, &mut tasks, &mut ready);
            reflect::<Namespace>(&client, &mut tasks, &mut ready);
            reflect::<Service>(&client, &mut tasks, &mut ready);
            reflect::<Event>(&client, &mut tasks, &mut ready);
            reflect::<IngressClass>(&client, &mut tasks, &mut ready);
            reflect::<StorageClass>(&client, &mut tasks, &mut ready);
        }
        futures::future::join_all(ready).await;
        println!("{SYNCED}");
        while tasks.join_next().await.is_some() {}
    });
}

/// One reflector of `K` across the cluster: its store is kept, every change applied.
fn reflect<K>(client: &Client, tasks: &mut JoinSet<()>, ready: &mut Vec<BoxFuture<'static, ()>>)
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    let (reader, writer) = reflector::store::<K>();
    let stream = reflector(
        writer,
        watcher(Api::<K>::all(client.clone()), watcher::Config::default()),
    )
    .default_backoff()
    .applied_objects();
    tasks.spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while stream.next().await.is_some() {}
    });
    ready.push(Box::pin(async move {
        let _ = reader.wait_until_ready().await;
    }));
}
