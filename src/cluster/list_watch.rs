//! List-then-watch for one kind, as kube-runtime's `watcher` does it, with each list page read
//! into one buffer the list reuses and decoded from it.
//!
//! Written here because kube-runtime's watcher reads a page with `Client::request_text`: it
//! collects the body into a fresh buffer, copies that into a `String` to check it is UTF-8,
//! and queues the decoded page once more. At the page size both use (500, client-go's), a page
//! of the demo's pods is 1.25 MB, so each page cost two fresh buffers of that size, faulted in
//! and zeroed 4 KiB at a time: the profile of syncing 3 × 50,000 watched pods put two thirds
//! of the console's page faults there. Its list mode (`ApiMode`) is private, so the paging
//! cannot be swapped alone. Reading into one buffer, the console takes 81,000 page faults
//! instead of 231,000–241,000 to sync them, and 3.5 s of CPU instead of 4.1–4.2 s (alternating
//! runs of both). The page is then checked to be UTF-8 once, as a whole, and decoded as text:
//! `serde_json` reading bytes checks every string it reads, keys included, which cost 10 % more
//! CPU (4.2–4.3 s against 3.6–4.1 s, alternating runs). The states, requests, events and errors
//! are kube-runtime's own (`watcher::Event`, `watcher::Error`), so the code that drives a watch
//! is unchanged:
//!
//! - a list in pages of [`PAGE_SIZE`] (`Init`, `InitApply` per object, `InitDone`), with the
//!   most recent semantic (no resourceVersion: a quorum read);
//! - then a watch from the list's resourceVersion, with bookmarks, restarted from the last
//!   version seen when the server ends it or it is idle longer than its timeout;
//! - a 410 inside the watch relists; any other error is passed on and the watch goes on.

use std::fmt::Debug;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{AsyncReadExt, Stream, StreamExt};
use kube::api::{ListParams, ObjectList, WatchEvent, WatchParams};
use kube::runtime::watcher::{Error, Event};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;

/// Objects per list page: kube-runtime's and client-go's default.
pub const PAGE_SIZE: u32 = 500;

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
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
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
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
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

    /// Reads one list page into the page buffer and decodes it. Errors are kube's own: an
    /// API error (a `Status`) as kube makes it, a broken body as the body's error.
    async fn list_page(&mut self, params: &ListParams) -> kube::Result<ObjectList<K>> {
        let mut request = kube::core::Request::new(self.api.resource_url())
            .list(params)
            .map_err(kube::Error::BuildRequest)?;
        request.extensions_mut().insert("list");
        let body = self.client.request_stream(request).await?;
        self.page.clear();
        futures::pin_mut!(body);
        // The body's own error (kube's, wrapped by the reader) comes back out unchanged.
        body.read_to_end(&mut self.page).await.map_err(|err| {
            err.downcast::<kube::Error>()
                .unwrap_or_else(kube::Error::ReadEvents)
        })?;
        // One check of the whole page is cheaper than serde_json's check of each string it reads.
        let text = std::str::from_utf8(&self.page).map_err(|err| {
            tracing::warn!(error = %err, "list page is not UTF-8");
            kube::Error::SerdeError(serde::de::Error::custom(err))
        })?;
        serde_json::from_str(text).map_err(|err| {
            tracing::warn!(error = %err, "list page does not decode");
            kube::Error::SerdeError(err)
        })
    }
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
