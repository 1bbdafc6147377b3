//! API errors rendered as `meta/v1` Status objects, shaped like the real API server's.

use serde_json::{Value, json};

use super::resources::ServedKind;

/// An error answer of the API server.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 401: missing or wrong bearer token.
    Unauthorized,
    /// 404 for an object: `pods "x" not found`.
    NotFound { kind: ServedKind, name: String },
    /// 404 for a path the server does not serve.
    NoRoute,
    /// 400 with a message.
    BadRequest(String),
    /// 405.
    MethodNotAllowed,
    /// 409: the object changed since the client read it.
    Conflict { kind: ServedKind, name: String },
    /// 409: create of an existing name.
    AlreadyExists { kind: ServedKind, name: String },
    /// 410: resourceVersion too old.
    Expired(String),
    /// 415: unknown patch content type.
    UnsupportedMediaType(String),
    /// 422: the resulting object is invalid.
    Invalid {
        kind: ServedKind,
        name: String,
        field: String,
        message: String,
    },
    /// 500.
    Internal(String),
}

impl ApiError {
    /// HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            ApiError::Unauthorized => 401,
            ApiError::NotFound { .. } | ApiError::NoRoute => 404,
            ApiError::BadRequest(_) => 400,
            ApiError::MethodNotAllowed => 405,
            ApiError::Conflict { .. } | ApiError::AlreadyExists { .. } => 409,
            ApiError::Expired(_) => 410,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::Invalid { .. } => 422,
            ApiError::Internal(_) => 500,
        }
    }

    /// The Status object.
    pub fn to_status(&self) -> Value {
        let details = |kind: &ServedKind, name: &str| {
            let mut details = json!({"name": name, "kind": kind.info().plural});
            if !kind.info().group.is_empty() {
                details["group"] = json!(kind.info().group);
            }
            details
        };
        let (reason, message, details) = match self {
            ApiError::Unauthorized => ("Unauthorized", "Unauthorized".to_string(), None),
            ApiError::NotFound { kind, name } => (
                "NotFound",
                format!("{} \"{name}\" not found", kind.qualified_plural()),
                Some(details(kind, name)),
            ),
            ApiError::NoRoute => (
                "NotFound",
                "the server could not find the requested resource".to_string(),
                Some(json!({})),
            ),
            ApiError::BadRequest(message) => ("BadRequest", message.clone(), None),
            ApiError::MethodNotAllowed => (
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource".to_string(),
                Some(json!({})),
            ),
            ApiError::Conflict { kind, name } => (
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    kind.qualified_plural()
                ),
                Some(details(kind, name)),
            ),
            ApiError::AlreadyExists { kind, name } => (
                "AlreadyExists",
                format!("{} \"{name}\" already exists", kind.qualified_plural()),
                Some(details(kind, name)),
            ),
            ApiError::Expired(message) => ("Expired", message.clone(), None),
            ApiError::UnsupportedMediaType(content_type) => (
                "UnsupportedMediaType",
                format!(
                    "the body of the request was in an unknown format ({content_type}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"
                ),
                None,
            ),
            ApiError::Invalid {
                kind,
                name,
                field,
                message,
            } => {
                let mut details = details(kind, name);
                details["kind"] = json!(kind.info().kind);
                details["causes"] =
                    json!([{"reason": "FieldValueInvalid", "message": message, "field": field}]);
                (
                    "Invalid",
                    format!(
                        "{} \"{name}\" is invalid: {field}: {message}",
                        kind.qualified_kind()
                    ),
                    Some(details),
                )
            }
            ApiError::Internal(message) => ("InternalError", message.clone(), None),
        };
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": self.code(),
        });
        if let Some(details) = details {
            status["details"] = details;
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_qualified_resource() {
        let status = ApiError::NotFound {
            kind: ServedKind::Deployment,
            name: "x".into(),
        }
        .to_status();
        assert_eq!(status["message"], "deployments.apps \"x\" not found");
        assert_eq!(status["details"]["group"], "apps");
        assert_eq!(status["code"], 404);
        assert_eq!(status["status"], "Failure");
    }
}
