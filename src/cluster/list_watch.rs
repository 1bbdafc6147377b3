//! List-then-watch for one kind, as kube-runtime's `watcher` does it, with each list page read
//! into one buffer the list reuses and decoded from it, in protobuf for a kind that has a
//! protobuf reader ([`ListPages`]).
//!
//! Written here because kube-runtime's watcher reads a page with `Client::request_text`: it
//! collects the body into a fresh buffer, copies that into a `String` to check it is UTF-8,
//! and queues the decoded page once more. At the page size both use (500, client-go's), a page
//! of the demo's pods is 1.25 MB of JSON, so each page cost two fresh buffers of that size,
//! faulted in and zeroed 4 KiB at a time: the profile of syncing 3 × 50,000 watched pods put two
//! thirds of the console's page faults there. Its list mode (`ApiMode`) is private, so the
//! paging cannot be swapped alone. Reading into one buffer, the console takes 81,000 page faults
//! instead of 231,000–241,000 to sync them, and 3.5 s of CPU instead of 4.1–4.2 s (alternating
//! runs of both). A JSON page is then checked to be UTF-8 once, as a whole, and decoded as text:
//! `serde_json` reading bytes checks every string it reads, keys included, which cost 10 % more
//! CPU (4.2–4.3 s against 3.6–4.1 s, alternating runs). kube-runtime also asks for JSON only;
//! pods are asked for as protobuf first, as client-go asks for built-in kinds, and read in
//! whichever format the server answered (see `project::slim_pod_protobuf`). The states,
//! requests, events and errors are kube-runtime's own (`watcher::Event`, `watcher::Error`), so
//! the code that drives a watch is unchanged:
//!
//! - a list in pages of [`PAGE_SIZE`] (`Init`, `InitApply` per object, `InitDone`), with the
//!   most recent semantic (no resourceVersion: a quorum read);
//! - then a watch from the list's resourceVersion, with bookmarks, restarted from the last
//!   version seen when the server ends it or it is idle longer than its timeout;
//! - a 410 inside the watch relists; any other error is passed on and the watch goes on.
//!
//! Watches stay JSON: during a sync they carry few events, and kube's watch stream reads JSON
//! lines only.

use std::fmt::Debug;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use http::header::{ACCEPT, HeaderValue};
use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Service};
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{ListParams, ObjectList, WatchEvent, WatchParams};
use kube::core::Status;
use kube::runtime::watcher::{Error, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::protobuf::{self, MAGIC, PROTOBUF_OR_JSON, ProtobufError};

/// Objects per list page: kube-runtime's and client-go's default.
pub const PAGE_SIZE: u32 = 500;

/// Reads a kind's list page sent as protobuf.
pub type ProtobufPage<K> = fn(&[u8]) -> Result<ObjectList<K>, ProtobufError>;

/// How a kind's list pages are read: as JSON, or, for a kind with a protobuf reader, asked for
/// as protobuf first (as client-go asks for built-in kinds) and read in whichever format the
/// server chose.
pub trait ListPages: Clone {
    /// The kind's protobuf reader, if the console has one.
    const PROTOBUF: Option<ProtobufPage<Self>> = None;
}

/// Kinds read as JSON: few objects each, or (a full `Pod`) read by tools and tests only.
macro_rules! json_pages {
    ($($kind:ty),* $(,)?) => { $(impl ListPages for $kind {})* };
}

json_pages!(
    Node,
    Namespace,
    Pod,
    ReplicaSet,
    Deployment,
    StatefulSet,
    DaemonSet,
    Service,
    IngressClass,
    StorageClass,
    k8s_openapi::api::core::v1::Event,
    k8s_openapi::api::events::v1::Event,
);

/// How long past the server's watch timeout a silent watch is taken for a dead connection:
/// kube-runtime's margin.
const IDLE_MARGIN: Duration = Duration::from_secs(5);

/// The server's default watch timeout, used when the request names none (kube-runtime's).
const SERVER_WATCH_TIMEOUT: Duration = Duration::from_secs(290);

/// Where a list-then-watch is.
enum State<K> {
    /// Nothing listed yet, or a relist is due.
    Empty,
    /// Handing out a page's objects; more pages follow while `continue_token` is set.
    InitPage {
        continue_token: Option<String>,
        objects: std::vec::IntoIter<K>,
        resource_version: Option<String>,
    },
    /// Listed: a watch starts from `resource_version`.
    InitListed { resource_version: String },
    /// Watching from `resource_version` (the last version seen).
    Watching {
        resource_version: String,
        stream: BoxStream<'static, kube::Result<WatchEvent<K>>>,
    },
}

/// What a list-then-watch works with: the kind's API, its client and the page buffer.
struct Lister<K> {
    api: Api<K>,
    client: Client,
    /// The body of the page being read; kept between the pages of one list, freed after it.
    page: Vec<u8>,
}

/// Lists `api`'s objects in pages, then watches them: kube-runtime's `watcher` with its
/// default configuration, reading each page into one reused buffer (see the module).
pub fn list_watch<K>(api: Api<K>) -> impl Stream<Item = Result<Event<K>, Error>> + Send
where
    K: Resource + ListPages + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let client = api.clone().into_client();
    let lister = Lister {
        api,
        client,
        page: Vec::new(),
    };
    futures::stream::unfold(
        (lister, State::Empty),
        |(mut lister, mut state)| async move {
            loop {
                let (event, next) = lister.step(state).await;
                state = next;
                if let Some(event) = event {
                    return Some((event, (lister, state)));
                }
            }
        },
    )
}

impl<K> Lister<K>
where
    K: Resource + ListPages + Clone + DeserializeOwned + Debug + Send + 'static,
{
    /// One step: what to hand out (if anything) and the state after it.
    async fn step(&mut self, state: State<K>) -> (Option<Result<Event<K>, Error>>, State<K>) {
        match state {
            State::Empty => (
                Some(Ok(Event::Init)),
                State::InitPage {
                    continue_token: None,
                    objects: Vec::new().into_iter(),
                    resource_version: None,
                },
            ),
            State::InitPage {
                continue_token,
                mut objects,
                resource_version,
            } => {
                if let Some(object) = objects.next() {
                    let next = State::InitPage {
                        continue_token,
                        objects,
                        resource_version,
                    };
                    return (Some(Ok(Event::InitApply(object))), next);
                }
                if continue_token.is_none()
                    && let Some(resource_version) = resource_version
                {
                    // The list's buffer is not needed until the next relist.
                    self.page = Vec::new();
                    return (
                        Some(Ok(Event::InitDone)),
                        State::InitListed { resource_version },
                    );
                }
                let params = ListParams {
                    limit: Some(PAGE_SIZE),
                    continue_token,
                    ..ListParams::default()
                };
                match self.list_page(&params).await {
                    Ok(list) => {
                        let resource_version =
                            list.metadata.resource_version.filter(|v| !v.is_empty());
                        let continue_token = list.metadata.continue_.filter(|t| !t.is_empty());
                        if resource_version.is_none() && continue_token.is_none() {
                            self.page = Vec::new();
                            return (Some(Err(Error::NoResourceVersion)), State::Empty);
                        }
                        let next = State::InitPage {
                            continue_token,
                            objects: list.items.into_iter(),
                            resource_version,
                        };
                        (None, next)
                    }
                    Err(err) => {
                        self.page = Vec::new();
                        (Some(Err(Error::InitialListFailed(err))), State::Empty)
                    }
                }
            }
            State::InitListed { resource_version } => {
                let params = WatchParams {
                    bookmarks: true,
                    ..WatchParams::default()
                };
                match self.api.watch(&params, &resource_version).await {
                    Ok(stream) => (
                        None,
                        State::Watching {
                            resource_version,
                            stream: stream.boxed(),
                        },
                    ),
                    Err(err) => (
                        Some(Err(Error::WatchStartFailed(err))),
                        State::InitListed { resource_version },
                    ),
                }
            }
            State::Watching {
                resource_version,
                mut stream,
            } => {
                let idle = SERVER_WATCH_TIMEOUT + IDLE_MARGIN;
                let item = tokio::time::timeout(idle, stream.next())
                    .await
                    .unwrap_or_else(|_| {
                        tracing::debug!("watch idle past its timeout; watching again");
                        None
                    });
                watching(resource_version, stream, item)
            }
        }
    }

    /// Reads one list page into the page buffer and decodes it, asking for protobuf when the
    /// kind has a reader for it. Errors are kube's own: an API error (a `Status`, in either
    /// format) as kube makes it, a broken body as the body's error.
    async fn list_page(&mut self, params: &ListParams) -> kube::Result<ObjectList<K>> {
        let mut request = kube::core::Request::new(self.api.resource_url())
            .list(params)
            .map_err(kube::Error::BuildRequest)?;
        request.extensions_mut().insert("list");
        if K::PROTOBUF.is_some() {
            request
                .headers_mut()
                .insert(ACCEPT, HeaderValue::from_static(PROTOBUF_OR_JSON));
        }
        let response = self
            .client
            .send(request.map(kube::client::Body::from))
            .await?;
        let code = response.status();
        self.page.clear();
        let mut body = response.into_body();
        while let Some(frame) = body.frame().await {
            if let Some(data) = frame?.data_ref() {
                self.page.extend_from_slice(data);
            }
        }
        if code.is_client_error() || code.is_server_error() {
            return Err(kube::Error::Api(api_error(code, &self.page).boxed()));
        }
        decode_page(&self.page)
    }
}

/// A list page in the format the server chose: protobuf when it starts with the magic bytes
/// and the kind has a reader, else JSON.
fn decode_page<K: ListPages + Clone + DeserializeOwned>(
    page: &[u8],
) -> kube::Result<ObjectList<K>> {
    if let Some(read) = K::PROTOBUF
        && page.starts_with(MAGIC)
    {
        return read(page).map_err(|err| {
            tracing::warn!(error = %err, "protobuf list page does not decode");
            kube::Error::SerdeError(serde::de::Error::custom(err))
        });
    }
    // One check of the whole page is cheaper than serde_json's check of each string it reads.
    let text = std::str::from_utf8(page).map_err(|err| {
        tracing::warn!(error = %err, "list page is not UTF-8");
        kube::Error::SerdeError(serde::de::Error::custom(err))
    })?;
    serde_json::from_str(text).map_err(|err| {
        tracing::warn!(error = %err, "list page does not decode");
        kube::Error::SerdeError(err)
    })
}

/// The `Status` of an error answer, as kube's own requests make it: decoded when the server
/// sent one (as protobuf or JSON), else made from the status code and the body's text (a proxy's
/// plain-text or HTML page).
fn api_error(code: http::StatusCode, body: &[u8]) -> Status {
    if body.starts_with(MAGIC) {
        match protobuf::status(body) {
            Ok(status) => return status,
            Err(err) => tracing::debug!(error = %err, "protobuf error status does not decode"),
        }
    } else if let Ok(status) = serde_json::from_slice::<Status>(body) {
        return status;
    }
    let text = String::from_utf8_lossy(body);
    Status::failure(text.trim(), "Failed to parse error data").with_code(code.as_u16())
}

/// What one item of a running watch means, and where the watch goes on from.
fn watching<K: Resource>(
    resource_version: String,
    stream: BoxStream<'static, kube::Result<WatchEvent<K>>>,
    item: Option<kube::Result<WatchEvent<K>>>,
) -> (Option<Result<Event<K>, Error>>, State<K>) {
    let go_on = |resource_version, stream| State::Watching {
        resource_version,
        stream,
    };
    match item {
        Some(Ok(WatchEvent::Added(object) | WatchEvent::Modified(object))) => {
            match object.resource_version().filter(|v| !v.is_empty()) {
                Some(version) => (Some(Ok(Event::Apply(object))), go_on(version, stream)),
                None => (Some(Err(Error::NoResourceVersion)), State::Empty),
            }
        }
        Some(Ok(WatchEvent::Deleted(object))) => {
            match object.resource_version().filter(|v| !v.is_empty()) {
                Some(version) => (Some(Ok(Event::Delete(object))), go_on(version, stream)),
                None => (Some(Err(Error::NoResourceVersion)), State::Empty),
            }
        }
        Some(Ok(WatchEvent::Bookmark(bookmark))) => {
            (None, go_on(bookmark.metadata.resource_version, stream))
        }
        Some(Ok(WatchEvent::Error(status))) => {
            // 410 Gone: the version expired, only a relist catches up.
            let next = if status.code == 410 {
                State::Empty
            } else {
                go_on(resource_version, stream)
            };
            (Some(Err(Error::WatchError(status))), next)
        }
        Some(Err(err)) => (
            Some(Err(Error::WatchFailed(err))),
            go_on(resource_version, stream),
        ),
        None => (None, State::InitListed { resource_version }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use kube::core::Status;

    fn quiet() -> BoxStream<'static, kube::Result<WatchEvent<Pod>>> {
        futures::stream::pending().boxed()
    }

    fn pod(resource_version: Option<&str>) -> Pod {
        let mut pod = Pod::default();
        pod.metadata.name = Some("p".into());
        pod.metadata.resource_version = resource_version.map(str::to_string);
        pod
    }

    fn error_event(code: u16) -> Option<kube::Result<WatchEvent<Pod>>> {
        let status = Status::failure("too old resource version", "Expired").with_code(code);
        Some(Ok(WatchEvent::Error(Box::new(status))))
    }

    #[test]
    fn a_410_inside_the_watch_relists_and_other_errors_watch_on_from_the_same_version() {
        let (event, next) = watching("5".into(), quiet(), error_event(410));
        assert!(matches!(event, Some(Err(Error::WatchError(s))) if s.code == 410));
        assert!(matches!(next, State::Empty));

        let (event, next) = watching("5".into(), quiet(), error_event(500));
        assert!(matches!(event, Some(Err(Error::WatchError(s))) if s.code == 500));
        assert!(
            matches!(next, State::Watching { resource_version, .. } if resource_version == "5")
        );
    }

    #[test]
    fn a_change_moves_the_version_and_one_without_a_version_relists() {
        let change = Some(Ok(WatchEvent::Modified(pod(Some("6")))));
        let (event, next) = watching("5".into(), quiet(), change);
        assert!(matches!(event, Some(Ok(Event::Apply(_)))));
        assert!(
            matches!(next, State::Watching { resource_version, .. } if resource_version == "6")
        );

        let change = Some(Ok(WatchEvent::Deleted(pod(None))));
        let (event, next) = watching("5".into(), quiet(), change);
        assert!(matches!(event, Some(Err(Error::NoResourceVersion))));
        assert!(matches!(next, State::Empty));
    }

    #[test]
    fn an_ended_watch_starts_again_from_the_last_version_without_a_word() {
        let (event, next) = watching::<Pod>("9".into(), quiet(), None);
        assert!(event.is_none());
        assert!(matches!(next, State::InitListed { resource_version } if resource_version == "9"));
    }
}
