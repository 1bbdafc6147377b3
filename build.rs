//! Records the git commit the binary is built from, for `--version`: `git rev-parse --short
//! HEAD`, with `-dirty` when the work tree has uncommitted changes, or "unknown commit" when
//! there is no git or no repository (a crates tarball has no `.git`).

use std::process::Command;

/// What `--version` says when the commit cannot be known.
const UNKNOWN: &str = "unknown commit";

fn main() {
    let commit = commit().unwrap_or_else(|| UNKNOWN.to_string());
    println!("cargo:rustc-env=GE_CONSOLE_GIT_COMMIT={commit}");
    // Rebuild the string when HEAD moves, the index changes or a source file changes (dirty).
    for path in ["HEAD", "index", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    for path in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// `abc1234` or `abc1234-dirty`; `None` without git or outside a repository.
fn commit() -> Option<String> {
    let hash = git(&["rev-parse", "--short", "HEAD"])?;
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|changes| !changes.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// The trimmed standard output of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string())
}
