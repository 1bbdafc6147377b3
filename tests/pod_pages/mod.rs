//! Helpers shared by the tests that compare a server's protobuf pod lists with its JSON ones:
//! a raw GET with a chosen Accept header, and what the console makes of a list.
#![allow(dead_code)]

use ge_console::cluster::project::{SlimPod, slim_pod};
use ge_console::fleet::PodInfo;
use http_body_util::BodyExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::ObjectList;
use kube::{Client, Resource};

/// What a server answered: status code, content type and body.
pub struct RawAnswer {
    pub code: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// GETs `path` accepting `accept`.
pub async fn get_raw(client: &Client, path: &str, accept: &str) -> RawAnswer {
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .unwrap();
    let response = client.send(request).await.unwrap();
    let code = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    RawAnswer {
        code,
        content_type,
        body: body.to_vec(),
    }
}

/// Each pod's metadata (as the console keeps it) and projection, in list order.
pub fn projected(list: ObjectList<SlimPod>) -> Vec<(ObjectMeta, PodInfo)> {
    list.items
        .into_iter()
        .map(|pod| (pod.meta().clone(), slim_pod(pod)))
        .collect()
}
