//! Turns kube-rs errors into what the console shows: unauthorised, forbidden, not served,
//! unreachable or another failure, with a short human message.

use kube::runtime::watcher;

use super::exec_auth::ExecFailure;
use super::proxy::ThroughProxy;
use crate::fleet::FailureCause;
use crate::sanitize::clean_owned;

/// What an error means for a zone or kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorClass {
    /// 410 inside a watch stream: the resourceVersion expired; the watcher relists by itself.
    Gone,
    /// 410 as the answer to a new watch request: the list-then-watch (like kube-runtime's
    /// watcher) would retry the same expired resourceVersion forever, so the watcher must be
    /// restarted (which relists).
    GoneRestart,
    /// 403, with the server's message.
    Forbidden(String),
    /// 404 on a list: the server does not serve this kind.
    NotServed,
    /// Anything else.
    Failed {
        /// A short, sanitised message: the HTTP status and the server's words, or the error chain.
        message: String,
        /// Whether this counts as unauthorised, unreachable or another failure.
        cause: FailureCause,
    },
}

/// Classifies an error from a kube client call.
pub fn classify_client_error(err: &kube::Error) -> ErrorClass {
    match err {
        kube::Error::Api(status) => match status.code {
            401 => ErrorClass::Failed {
                message: format!("401 Unauthorized: {}", clean_owned(&status.message)),
                cause: FailureCause::Unauthorized,
            },
            403 => ErrorClass::Forbidden(clean_owned(&status.message)),
            404 => ErrorClass::NotServed,
            410 => ErrorClass::Gone,
            code => ErrorClass::Failed {
                message: format!("{code} {}: {}", status.reason, clean_owned(&status.message)),
                cause: FailureCause::Other,
            },
        },
        kube::Error::Auth(e) => ErrorClass::Failed {
            message: clean_owned(&format!("credentials: {e}")),
            cause: FailureCause::Unauthorized,
        },
        // A zone behind a proxy: whatever failed on the way (the proxy refusing the connection,
        // refusing the tunnel, the server behind it), the zone is unreachable via that proxy.
        kube::Error::Service(inner) if inner.is::<ThroughProxy>() => ErrorClass::Failed {
            message: clean_owned(&short_chain(&**inner)),
            cause: FailureCause::Unreachable,
        },
        // The zone's credential plugin (run by the console) gave no token: a credentials
        // problem, said as the plugin failure says it (login needed, not installed, ...).
        kube::Error::Service(inner) if inner.is::<ExecFailure>() => ErrorClass::Failed {
            message: clean_owned(&inner.to_string()),
            cause: FailureCause::Unauthorized,
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => ErrorClass::Failed {
            message: clean_owned(&short_chain(err)),
            cause: FailureCause::Unreachable,
        },
        other => ErrorClass::Failed {
            message: clean_owned(&short_chain(other)),
            cause: FailureCause::Other,
        },
    }
}

/// Classifies an error from a watch stream (kube-runtime's watcher errors, which the
/// list-then-watch hands out too).
pub fn classify_watcher_error(err: &watcher::Error) -> ErrorClass {
    match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => match classify_client_error(e) {
            ErrorClass::Gone => ErrorClass::GoneRestart,
            other => other,
        },
        watcher::Error::WatchError(status) => match status.code {
            410 => ErrorClass::Gone,
            401 => ErrorClass::Failed {
                message: format!("401 Unauthorized: {}", clean_owned(&status.message)),
                cause: FailureCause::Unauthorized,
            },
            403 => ErrorClass::Forbidden(clean_owned(&status.message)),
            code => ErrorClass::Failed {
                message: format!("watch error {code}: {}", clean_owned(&status.message)),
                cause: FailureCause::Other,
            },
        },
        watcher::Error::NoResourceVersion => ErrorClass::Failed {
            message: "the server sent no resourceVersion".into(),
            cause: FailureCause::Other,
        },
    }
}

/// The error and its sources on one line, innermost last, without repeats
/// (hyper's and tower's wrappers say the same thing several times).
pub fn short_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn status(code: u16) -> Box<Status> {
        Box::new(Status::failure("expired", "Expired").with_code(code))
    }

    #[test]
    fn a_410_in_the_stream_is_left_to_the_watcher_but_on_a_new_watch_restarts_it() {
        assert_eq!(
            classify_watcher_error(&watcher::Error::WatchError(status(410))),
            ErrorClass::Gone
        );
        assert_eq!(
            classify_watcher_error(&watcher::Error::WatchStartFailed(kube::Error::Api(status(
                410
            )))),
            ErrorClass::GoneRestart
        );
    }

    #[test]
    fn auth_errors_are_classified() {
        assert!(matches!(
            classify_client_error(&kube::Error::Api(status(401))),
            ErrorClass::Failed {
                cause: FailureCause::Unauthorized,
                ..
            }
        ));
        assert!(matches!(
            classify_client_error(&kube::Error::Api(status(403))),
            ErrorClass::Forbidden(_)
        ));
        assert_eq!(
            classify_client_error(&kube::Error::Api(status(404))),
            ErrorClass::NotServed
        );
    }
}
