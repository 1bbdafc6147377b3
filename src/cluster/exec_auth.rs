//! Exec credential plugins (kubelogin/OIDC, cloud CLIs), run by the console rather than by
//! kube-rs.
//!
//! kube-rs runs a kubeconfig's `exec` plugin with the terminal's stdin and stderr unless the
//! kubeconfig says `interactiveMode: Never`, with no time limit, and again on every token
//! refresh: while the console owns the screen, whatever the plugin prints would land on it, a
//! prompt would wait for keys the console reads, and a hanging plugin would hang the zone. So
//! the plugin is taken out of the kubeconfig kube-rs sees, and this module runs it instead:
//! stdin closed, stdout read as the `ExecCredential`, stderr sent to the log line by line, a
//! deadline, and the token kept until it expires. A request gets the token through a layer on
//! the zone's client ([`ExecTokenLayer`]).
//!
//! A plugin that may prompt (`interactiveMode` Always or IfAvailable, the default) and fails
//! with stdin closed needs a login: [`ExecAuth::login_in_terminal`] runs it once with the
//! terminal before the full screen starts, and otherwise the zone says *login needed* with the
//! exact command to run.

use std::fmt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kube::config::{ExecConfig, ExecInteractiveMode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use crate::sanitize::clean_owned;

/// How long a plugin may take before the zone says it did not answer.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(30);

/// A token this close to its expiry is fetched again.
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

/// The most of a plugin's stderr kept for a message.
const STDERR_KEPT: usize = 4096;

/// Why no credential came from the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecFailure {
    /// The plugin wants a person: it failed with stdin closed and may prompt.
    LoginNeeded {
        /// The command to run in a terminal, as the user would type it.
        command: String,
        /// The plugin's last words on stderr, if any.
        said: String,
    },
    /// The plugin is not installed (with the kubeconfig's install hint).
    NotFound {
        /// The command.
        command: String,
        /// `installHint` from the kubeconfig.
        hint: Option<String>,
    },
    /// The plugin did not finish within its time.
    TimedOut {
        /// The command.
        command: String,
        /// How long it was given.
        after: Duration,
    },
    /// The plugin failed, or printed something that is not a usable credential.
    Failed {
        /// The command.
        command: String,
        /// What went wrong: its stderr, or what was wrong with its output.
        message: String,
    },
}

impl fmt::Display for ExecFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecFailure::LoginNeeded { command, said } => {
                write!(f, "login needed: run `{command}` in a terminal")?;
                if !said.is_empty() {
                    write!(f, " (the plugin said: {said})")?;
                }
                Ok(())
            }
            ExecFailure::NotFound { command, hint } => {
                write!(f, "credential plugin `{command}` is not installed")?;
                match hint {
                    Some(hint) => write!(f, ": {}", hint.trim()),
                    None => Ok(()),
                }
            }
            ExecFailure::TimedOut { command, after } if after.as_secs() == 0 => write!(
                f,
                "credential plugin `{command}` did not answer within {}ms",
                after.as_millis()
            ),
            ExecFailure::TimedOut { command, after } => write!(
                f,
                "credential plugin `{command}` did not answer within {}s",
                after.as_secs()
            ),
            ExecFailure::Failed { command, message } => {
                write!(f, "credential plugin `{command}` failed: {message}")
            }
        }
    }
}

impl std::error::Error for ExecFailure {}

/// A token and when it stops being good.
#[derive(Clone)]
struct Credential {
    token: SecretString,
    expires: Option<Timestamp>,
}

impl Credential {
    fn fresh_at(&self, now: Timestamp) -> bool {
        let margin = jiff::SignedDuration::try_from(EXPIRY_MARGIN).unwrap_or_default();
        self.expires
            .is_none_or(|t| t.checked_sub(margin).is_ok_and(|t| t > now))
    }
}

/// The `status` of an `ExecCredential`, as the plugin prints it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    token: Option<String>,
    expiration_timestamp: Option<String>,
    client_certificate_data: Option<String>,
}

/// The plugin's output.
#[derive(Deserialize)]
struct ExecCredentialOutput {
    status: Option<ExecCredentialStatus>,
}

/// One zone's plugin and its cached token.
pub struct ExecAuth {
    zone: String,
    plugin: ExecConfig,
    timeout: Duration,
    cached: tokio::sync::Mutex<Option<Credential>>,
}

impl fmt::Debug for ExecAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecAuth")
            .field("zone", &self.zone)
            .field("command", &self.command_line())
            .finish_non_exhaustive()
    }
}

/// `'it''s'`-style quoting where a word needs it, so the command can be pasted into a shell.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl ExecAuth {
    /// The plugin of zone `zone` with the default time limit.
    pub fn new(zone: &str, plugin: ExecConfig) -> ExecAuth {
        ExecAuth::with_timeout(zone, plugin, EXEC_TIMEOUT)
    }

    /// The plugin of zone `zone`, given `timeout` to answer.
    pub fn with_timeout(zone: &str, plugin: ExecConfig, timeout: Duration) -> ExecAuth {
        ExecAuth {
            zone: zone.to_string(),
            plugin,
            timeout,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// The command as a user would type it: `kubelogin get-token --oidc-issuer-url=…`.
    pub fn command_line(&self) -> String {
        let mut words = vec![shell_word(self.plugin.command.as_deref().unwrap_or(""))];
        words.extend(self.plugin.args.iter().flatten().map(|a| shell_word(a)));
        words.join(" ")
    }

    /// Whether the plugin may prompt (so a failure with stdin closed means "log in").
    pub fn may_prompt(&self) -> bool {
        self.plugin.interactive_mode != Some(ExecInteractiveMode::Never)
    }

    /// A token: the cached one while it is good, else a fresh one from the plugin.
    pub async fn token(&self) -> Result<SecretString, ExecFailure> {
        let mut cached = self.cached.lock().await;
        if let Some(credential) = cached.as_ref().filter(|c| c.fresh_at(Timestamp::now())) {
            return Ok(credential.token.clone());
        }
        let credential = self.fetch().await?;
        let token = credential.token.clone();
        *cached = Some(credential);
        Ok(token)
    }

    /// The plugin's command, without stdio set.
    fn command(&self, interactive: bool) -> Result<tokio::process::Command, ExecFailure> {
        let Some(program) = self.plugin.command.as_deref().filter(|c| !c.is_empty()) else {
            return Err(ExecFailure::Failed {
                command: String::new(),
                message: "the kubeconfig's exec section names no command".into(),
            });
        };
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(self.plugin.args.iter().flatten());
        for var in self.plugin.env.iter().flatten() {
            if let (Some(name), Some(value)) = (var.get("name"), var.get("value")) {
                cmd.env(name, value);
            }
        }
        for name in self.plugin.drop_env.iter().flatten() {
            cmd.env_remove(name);
        }
        let api_version = self
            .plugin
            .api_version
            .as_deref()
            .unwrap_or("client.authentication.k8s.io/v1");
        let info = serde_json::json!({
            "apiVersion": api_version,
            "kind": "ExecCredential",
            "spec": {"interactive": interactive},
        });
        cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
        cmd.kill_on_drop(true);
        Ok(cmd)
    }

    /// Runs the plugin with stdin closed and its stderr to the log.
    async fn fetch(&self) -> Result<Credential, ExecFailure> {
        let command = self.command_line();
        let mut cmd = self.command(false)?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| self.spawn_failure(&command, &e))?;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let read = async {
            let read_out = async {
                if let Some(s) = stdout.as_mut() {
                    let _ = s.read_to_end(&mut out).await;
                }
            };
            let read_err = async {
                if let Some(s) = stderr.as_mut() {
                    let _ = s.read_to_end(&mut err).await;
                }
            };
            tokio::join!(read_out, read_err);
            child.wait().await
        };
        let status = match tokio::time::timeout(self.timeout, read).await {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => {
                return Err(ExecFailure::Failed {
                    command,
                    message: clean_owned(&e.to_string()),
                });
            }
            Err(_) => {
                // Dropping the child kills it (kill_on_drop).
                tracing::warn!(zone = %self.zone, %command, "credential plugin timed out");
                return Err(ExecFailure::TimedOut {
                    command,
                    after: self.timeout,
                });
            }
        };
        let said = self.log_stderr(&err);
        if !status.success() {
            if self.may_prompt() {
                return Err(ExecFailure::LoginNeeded { command, said });
            }
            let message = if said.is_empty() {
                format!("it exited with {status}")
            } else {
                said
            };
            return Err(ExecFailure::Failed { command, message });
        }
        parse_credential(&out).map_err(|message| ExecFailure::Failed { command, message })
    }

    /// Sends each stderr line to the log; gives back the last non-empty line, cleaned.
    fn log_stderr(&self, err: &[u8]) -> String {
        let text = String::from_utf8_lossy(&err[err.len().saturating_sub(STDERR_KEPT)..]);
        let mut last = String::new();
        for line in text
            .lines()
            .map(clean_owned)
            .filter(|l| !l.trim().is_empty())
        {
            tracing::info!(zone = %self.zone, "credential plugin: {line}");
            last = line;
        }
        last
    }

    fn spawn_failure(&self, command: &str, e: &std::io::Error) -> ExecFailure {
        if e.kind() == std::io::ErrorKind::NotFound {
            ExecFailure::NotFound {
                command: command.to_string(),
                hint: self.plugin.install_hint.as_deref().map(clean_owned),
            }
        } else {
            ExecFailure::Failed {
                command: command.to_string(),
                message: clean_owned(&e.to_string()),
            }
        }
    }

    /// Before the full screen: if the plugin cannot give a token with stdin closed and may
    /// prompt, runs it once with the terminal (stdin and stderr are the user's; stdout is
    /// read), and keeps the token it gives. Says what it does on stderr first.
    pub async fn login_in_terminal(&self) -> Result<(), ExecFailure> {
        match self.token().await {
            Err(ExecFailure::LoginNeeded { .. }) => {}
            other => return other.map(|_| ()),
        }
        let command = self.command_line();
        eprintln!(
            "ge-console: zone {} needs a login; running `{command}`",
            self.zone
        );
        let mut cmd = self.command(true)?;
        cmd.stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let child = cmd.spawn().map_err(|e| self.spawn_failure(&command, &e))?;
        // A person is typing: no deadline here.
        let output = child
            .wait_with_output()
            .await
            .map_err(|e| ExecFailure::Failed {
                command: command.clone(),
                message: clean_owned(&e.to_string()),
            })?;
        if !output.status.success() {
            return Err(ExecFailure::Failed {
                command,
                message: format!("the login exited with {}", output.status),
            });
        }
        let credential = parse_credential(&output.stdout)
            .map_err(|message| ExecFailure::Failed { command, message })?;
        *self.cached.lock().await = Some(credential);
        Ok(())
    }
}

/// The token of an `ExecCredential` the plugin printed.
fn parse_credential(out: &[u8]) -> Result<Credential, String> {
    let parsed: ExecCredentialOutput = serde_json::from_slice(out)
        .map_err(|e| format!("its output is not an ExecCredential ({e})"))?;
    let Some(status) = parsed.status else {
        return Err("its ExecCredential has no status".into());
    };
    let expires = match status.expiration_timestamp.as_deref() {
        Some(text) => Some(
            text.parse::<Timestamp>()
                .map_err(|e| format!("its expirationTimestamp {text:?} is not a time ({e})"))?,
        ),
        None => None,
    };
    match status.token {
        Some(token) if !token.is_empty() => Ok(Credential {
            token: SecretString::from(token),
            expires,
        }),
        _ if status.client_certificate_data.is_some() => Err(
            "it gave a client certificate; the console takes only tokens from plugins (use a token-based plugin, or a kubeconfig with the certificate)"
                .into(),
        ),
        _ => Err("its ExecCredential has no token".into()),
    }
}

/// A layer for the zone's client that puts the plugin's token on every request.
///
/// The token is awaited before the request goes on (tower's `AsyncFilter`, as kube-rs does for
/// its own refreshable tokens). The client's service is boxed and cannot be cloned, which
/// `AsyncFilter` needs, so it is put behind a `Buffer` first; a failed plugin fails the request,
/// never the buffer (`poll_ready` never sees it).
#[derive(Clone)]
pub struct ExecTokenLayer(pub Arc<ExecAuth>);

/// The requests a zone's client sends.
type KubeRequest = http::Request<kube::client::Body>;

impl<S> tower::Layer<S> for ExecTokenLayer
where
    S: tower::Service<KubeRequest> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError> + Send + Sync,
{
    type Service =
        tower::filter::AsyncFilter<tower::buffer::Buffer<KubeRequest, S::Future>, ExecToken>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::filter::AsyncFilter::new(
            tower::buffer::Buffer::new(inner, 64),
            ExecToken(self.0.clone()),
        )
    }
}

/// The predicate of [`ExecTokenLayer`]: fetches (or reuses) the token and sets the header.
#[derive(Clone)]
pub struct ExecToken(Arc<ExecAuth>);

impl tower::filter::AsyncPredicate<KubeRequest> for ExecToken {
    type Future = futures::future::BoxFuture<'static, Result<KubeRequest, tower::BoxError>>;
    type Request = KubeRequest;

    fn check(&mut self, mut request: KubeRequest) -> Self::Future {
        let auth = self.0.clone();
        Box::pin(async move {
            let token = auth.token().await?;
            let mut value =
                http::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(
                    |_| ExecFailure::Failed {
                        command: auth.command_line(),
                        message: "its token is not a valid header value".into(),
                    },
                )?;
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
            Ok(request)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_read_as_a_user_would_type_them() {
        let plugin = ExecConfig {
            command: Some("kubelogin".into()),
            args: Some(vec![
                "get-token".into(),
                "--oidc-issuer-url=https://id.ge.internal".into(),
                "--scope".into(),
                "openid email".into(),
            ]),
            ..ExecConfig::default()
        };
        let auth = ExecAuth::new("staging", plugin);
        assert_eq!(
            auth.command_line(),
            "kubelogin get-token --oidc-issuer-url=https://id.ge.internal --scope 'openid email'"
        );
        assert!(auth.may_prompt(), "IfAvailable is the default");
    }

    #[test]
    fn credentials_give_a_token_and_its_expiry_or_say_what_is_wrong() {
        let c = parse_credential(
            br#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"abc","expirationTimestamp":"2026-12-01T00:00:00Z"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.token.expose_secret(), "abc");
        let before: Timestamp = "2026-11-30T23:00:00Z".parse().unwrap();
        let just_before: Timestamp = "2026-11-30T23:59:55Z".parse().unwrap();
        assert!(c.fresh_at(before));
        assert!(!c.fresh_at(just_before), "within the margin: fetched again");
        let err = |out: &[u8]| parse_credential(out).err().unwrap_or_default();
        assert!(err(b"Please log in").contains("not an ExecCredential"));
        assert!(err(br#"{"status":{}}"#).contains("no token"));
        assert!(
            err(br#"{"status":{"clientCertificateData":"x","clientKeyData":"y"}}"#)
                .contains("client certificate")
        );
        assert!(
            err(br#"{"status":{"token":"a","expirationTimestamp":"soon"}}"#).contains("not a time")
        );
    }

    #[test]
    fn failures_say_what_to_do() {
        let login = ExecFailure::LoginNeeded {
            command: "kubelogin get-token".into(),
            said: "error: no cached token".into(),
        };
        assert_eq!(
            login.to_string(),
            "login needed: run `kubelogin get-token` in a terminal (the plugin said: error: no cached token)"
        );
        let missing = ExecFailure::NotFound {
            command: "upctl".into(),
            hint: Some("install upctl from https://upcloud.com\n".into()),
        };
        assert_eq!(
            missing.to_string(),
            "credential plugin `upctl` is not installed: install upctl from https://upcloud.com"
        );
    }
}
