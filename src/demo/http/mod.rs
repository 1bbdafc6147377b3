//! The HTTP side of a zone: the server and its accept loop, request parsing, routing and
//! discovery, and the read and write handlers.

mod log;
mod read;
mod request;
mod response;
mod route;
mod server;
mod write;

pub use request::Representation;
pub use server::serve;

#[cfg(test)]
mod tests {
    use super::read::{decode_continue, encode_continue};
    use super::request::{Query, Representation, prefers_protobuf};
    use super::route::parse_target;
    use crate::demo::resources::ServedKind;

    #[test]
    fn accept_headers_are_negotiated_in_order() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            Representation::negotiate(kubectl),
            Representation::Table("meta.k8s.io/v1")
        );
        assert_eq!(
            Representation::negotiate("application/json"),
            Representation::Plain
        );
        assert_eq!(Representation::negotiate(""), Representation::Plain);
        let aggregated =
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert_eq!(Representation::negotiate(aggregated), Representation::Plain);
        assert_eq!(
            Representation::negotiate("application/vnd.kubernetes.protobuf, */*"),
            Representation::Plain
        );
        assert_eq!(
            Representation::negotiate(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
            ),
            Representation::Metadata
        );
    }

    #[test]
    fn protobuf_is_served_only_to_a_client_that_puts_it_first() {
        let client_go = "application/vnd.kubernetes.protobuf, application/json";
        assert!(prefers_protobuf(client_go));
        assert!(prefers_protobuf("application/vnd.kubernetes.protobuf, */*"));
        assert!(!prefers_protobuf(
            "application/json, application/vnd.kubernetes.protobuf"
        ));
        assert!(!prefers_protobuf("application/json"));
        assert!(!prefers_protobuf(""));
        let protobuf_table = "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, \
                              application/json;as=Table;v=v1;g=meta.k8s.io, application/json";
        assert!(!prefers_protobuf(protobuf_table));
    }

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(42, "ge-system", "wiki-1");
        assert_eq!(
            decode_continue(&token),
            Some((42, "ge-system".into(), "wiki-1".into()))
        );
        assert_eq!(decode_continue("zz"), None);
        assert_eq!(decode_continue("abc"), None);
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let query = Query::parse("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=true");
        assert_eq!(query.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(query.flag("watch"));
    }

    #[test]
    fn paths_resolve_to_targets() {
        let target = parse_target(
            "",
            "v1",
            &["namespaces", "ge-system", "pods", "x", "status"],
        )
        .unwrap();
        assert_eq!(target.kind, ServedKind::Pod);
        assert_eq!(target.namespace.as_deref(), Some("ge-system"));
        assert_eq!(target.subresource.as_deref(), Some("status"));
        let namespace = parse_target("", "v1", &["namespaces", "ge-system"]).unwrap();
        assert_eq!(namespace.kind, ServedKind::Namespace);
        assert_eq!(namespace.name.as_deref(), Some("ge-system"));
        assert!(parse_target("", "v1", &["pods", "x"]).is_err());
        assert!(parse_target("", "v1", &["widgets"]).is_err());
        assert!(
            parse_target(
                "apps",
                "v1",
                &["namespaces", "a", "daemonsets", "x", "scale"]
            )
            .is_err()
        );
    }
}
