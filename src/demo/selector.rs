//! Label and field selectors, parsed and matched like the Kubernetes API server does.

use super::resources::ServedKind;
use super::store::StoredObject;

/// One label requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed label selector; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

impl LabelSelector {
    /// Parse `app=x,tier!=db,env in (a,b),!legacy`.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether the selector has no requirements.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, label: &dyn Fn(&str) -> Option<String>) -> bool {
        self.requirements
            .iter()
            .all(|requirement| match requirement {
                LabelRequirement::Equals(key, value) => {
                    label(key).as_deref() == Some(value.as_str())
                }
                LabelRequirement::NotEquals(key, value) => {
                    label(key).as_deref() != Some(value.as_str())
                }
                LabelRequirement::In(key, values) => {
                    label(key).is_some_and(|v| values.contains(&v))
                }
                LabelRequirement::NotIn(key, values) => {
                    label(key).is_none_or(|v| !values.contains(&v))
                }
                LabelRequirement::Exists(key) => label(key).is_some(),
                LabelRequirement::DoesNotExist(key) => label(key).is_none(),
            })
    }

    /// Whether a stored object's labels match.
    pub fn matches_object(&self, object: &StoredObject) -> bool {
        self.is_empty() || self.matches(&|key| object.label(key).map(str::to_string))
    }
}

/// Split on commas that are not inside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn validate_key(key: &str, whole: &str) -> Result<String, String> {
    let valid = !key.is_empty()
        && key.len() <= 317
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if valid {
        Ok(key.to_string())
    } else {
        Err(format!(
            "unable to parse requirement: <nil>: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.' (in selector \"{whole}\")"
        ))
    }
}

fn validate_value(value: &str, whole: &str) -> Result<String, String> {
    let valid = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(format!(
            "unable to parse requirement: values[0][{whole}]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"
        ))
    }
}

fn parse_set(rest: &str, whole: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("found '{rest}', expected: '(' in selector \"{whole}\""))?;
    inner
        .split(',')
        .map(|value| validate_value(value.trim(), whole))
        .collect()
}

fn parse_requirement(part: &str) -> Result<LabelRequirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(LabelRequirement::DoesNotExist(validate_key(
            key.trim(),
            part,
        )?));
    }
    if let Some((key, value)) = part.split_once("!=") {
        return Ok(LabelRequirement::NotEquals(
            validate_key(key.trim(), part)?,
            validate_value(value.trim(), part)?,
        ));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        return Ok(LabelRequirement::Equals(
            validate_key(key.trim(), part)?,
            validate_value(value.trim(), part)?,
        ));
    }
    let mut words = part.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default().trim();
    let rest = words.next().unwrap_or_default().trim_start();
    if rest.is_empty() {
        return Ok(LabelRequirement::Exists(validate_key(key, part)?));
    }
    if let Some(set) = rest.strip_prefix("notin") {
        return Ok(LabelRequirement::NotIn(
            validate_key(key, part)?,
            parse_set(set, part)?,
        ));
    }
    if let Some(set) = rest.strip_prefix("in") {
        return Ok(LabelRequirement::In(
            validate_key(key, part)?,
            parse_set(set, part)?,
        ));
    }
    Err(format!(
        "unable to parse requirement: found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
    ))
}

/// One field requirement: field label, value, and whether it must equal (true) or differ.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldRequirement {
    field: String,
    value: String,
    equals: bool,
}

/// A parsed field selector; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parse `metadata.name=x,status.phase!=Running`, rejecting fields the kind does not
    /// support with the real server's message.
    pub fn parse(text: &str, kind: ServedKind) -> Result<FieldSelector, String> {
        let mut requirements = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (field, value, equals) = if let Some((field, value)) = part.split_once("!=") {
                (field, value, false)
            } else if let Some((field, value)) = part.split_once("==") {
                (field, value, true)
            } else if let Some((field, value)) = part.split_once('=') {
                (field, value, true)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            if !kind.supports_field(field) {
                return Err(format!("field label not supported: {field}"));
            }
            requirements.push(FieldRequirement {
                field: kind.stored_field(field),
                value: value.trim().to_string(),
                equals,
            });
        }
        Ok(FieldSelector { requirements })
    }

    /// Whether a stored object matches.
    pub fn matches_object(&self, object: &StoredObject) -> bool {
        self.requirements.iter().all(|requirement| {
            let actual = object.field(&requirement.field).unwrap_or_default();
            (actual == requirement.value) == requirement.equals
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn equality_and_inequality() {
        let selector = LabelSelector::parse("app=web,tier!=db").unwrap();
        assert!(selector.matches(&labels(&[("app", "web")])));
        assert!(selector.matches(&labels(&[("app", "web"), ("tier", "front")])));
        assert!(!selector.matches(&labels(&[("app", "web"), ("tier", "db")])));
        assert!(
            LabelSelector::parse("app==web")
                .unwrap()
                .matches(&labels(&[("app", "web")]))
        );
    }

    #[test]
    fn set_based_requirements() {
        let selector =
            LabelSelector::parse("env in (dev, staging),zone notin (eu-2),team,!legacy").unwrap();
        assert!(selector.matches(&labels(&[("env", "dev"), ("team", "ops")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("team", "ops")])));
        assert!(!selector.matches(&labels(&[
            ("env", "dev"),
            ("team", "ops"),
            ("zone", "eu-2")
        ])));
        assert!(!selector.matches(&labels(&[("env", "dev")])));
        assert!(!selector.matches(&labels(&[("env", "dev"), ("team", "x"), ("legacy", "")])));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        assert!(LabelSelector::parse("app in dev").is_err());
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("=x").is_err());
    }

    #[test]
    fn unknown_field_labels_are_rejected_like_the_real_server() {
        let error = FieldSelector::parse("spec.foo=bar", ServedKind::Pod).unwrap_err();
        assert_eq!(error, "field label not supported: spec.foo");
        assert!(
            FieldSelector::parse("spec.nodeName=n1,status.phase!=Running", ServedKind::Pod).is_ok()
        );
        assert!(FieldSelector::parse("spec.nodeName=n1", ServedKind::Deployment).is_err());
        assert!(FieldSelector::parse("metadata.namespace=x", ServedKind::Node).is_err());
    }

    #[test]
    fn events_k8s_io_labels_select_the_stored_core_fields() {
        assert!(
            FieldSelector::parse("involvedObject.name=x,source=kubelet", ServedKind::Event).is_ok()
        );
        assert_eq!(
            FieldSelector::parse("source=kubelet", ServedKind::EventV1).unwrap_err(),
            "field label not supported: source"
        );
        assert!(FieldSelector::parse("involvedObject.name=x", ServedKind::EventV1).is_err());
        assert_eq!(
            FieldSelector::parse(
                "regarding.name=x,reportingController=kubelet",
                ServedKind::EventV1
            ),
            FieldSelector::parse(
                "involvedObject.name=x,reportingComponent=kubelet",
                ServedKind::Event
            )
        );
    }
}
