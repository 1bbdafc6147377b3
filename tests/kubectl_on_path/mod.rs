//! The kubectl the tests that compare with kubectl run: the one on PATH, or a skip when
//! `GE_CONSOLE_SKIP_KUBECTL=1` says so.

use std::path::PathBuf;

/// The kubectl binary, or None when the tests are explicitly skipped.
pub fn kubectl_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.is_file())
    });
    match found {
        Some(path) => Some(path),
        None if std::env::var("GE_CONSOLE_SKIP_KUBECTL").as_deref() == Ok("1") => {
            eprintln!("kubectl not found on PATH; skipped because GE_CONSOLE_SKIP_KUBECTL=1");
            None
        }
        None => panic!(
            "kubectl is not on PATH: install kubectl (e.g. Debian's kubernetes-client) to run the \
             kubectl tests, or set GE_CONSOLE_SKIP_KUBECTL=1 to skip them"
        ),
    }
}
