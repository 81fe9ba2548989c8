//! Path templates as documents and traffic write them, brought to one form
//! so that `/orders/{id}`, `/orders/:id/`, `/orders/<int:id>` and
//! `/orders/{orderId}` are the same route.

/// HTTP methods an OpenAPI path item may hold, in the order they are shown.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A path template with parameter names dropped (`{}` in their place), no
/// query, no trailing or doubled slash.
pub fn normalize(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(&normalize_segment(segment));
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `{id}`, `:id`, `<id>` and `<int:id>` become `{}`; so do parameters
/// inside a segment (`{name}.json` → `{}.json`).
fn normalize_segment(segment: &str) -> String {
    if let Some(rest) = segment.strip_prefix(':') {
        return if rest.is_empty() { segment.to_string() } else { "{}".to_string() };
    }
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(open) = rest.find(['{', '<']) {
        let close = if rest[open..].starts_with('{') { '}' } else { '>' };
        // An unclosed bracket is kept as written.
        let Some(length) = rest[open..].find(close) else { break };
        out.push_str(&rest[..open]);
        out.push_str("{}");
        rest = &rest[open + length + 1..];
    }
    out.push_str(rest);
    out
}

/// The path part of a server URL (`http://host/api/v1` → `/api/v1`), the
/// prefix traffic may carry before a documented path; `None` for `/`.
pub fn base_path(server_url: &str) -> Option<String> {
    let path = match server_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |start| &rest[start..]),
        None => server_url,
    };
    let path = normalize(path);
    (path != "/").then_some(path)
}

/// `METHOD /route` as the collector names an HTTP server operation, split
/// into an upper-case method and a normalised path; `None` when the name
/// is not of that form (an RPC method, a span name).
pub fn split_operation(name: &str) -> Option<(String, String)> {
    let (method, route) = name.split_once(' ')?;
    if !route.starts_with('/') || !method.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let method = method.to_ascii_uppercase();
    METHODS.iter().any(|m| m.eq_ignore_ascii_case(&method)).then(|| (method, normalize(route)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_a_parameter_is_one_route() {
        for written in ["/orders/{id}", "/orders/:id", "/orders/<id>", "/orders/<int:id>", "/orders/{orderId}/", "//orders/{id}?x=1"] {
            assert_eq!(normalize(written), "/orders/{}", "{written}");
        }
        assert_eq!(normalize("/files/{name}.json"), "/files/{}.json");
        assert_eq!(normalize("/a/{b}/c/{d}"), "/a/{}/c/{}");
        assert_eq!(normalize(""), "/");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("/odd/{unclosed"), "/odd/{unclosed");
        assert_eq!(normalize("/time/12:30"), "/time/12:30", "a colon inside a segment is text");
    }

    #[test]
    fn server_urls_give_their_base_path() {
        assert_eq!(base_path("http://gateway"), None);
        assert_eq!(base_path("https://api.example.com/v1/"), Some("/v1".to_string()));
        assert_eq!(base_path("/api"), Some("/api".to_string()));
        assert_eq!(base_path("/"), None);
    }

    #[test]
    fn operation_names_split_only_when_they_are_http_routes() {
        assert_eq!(split_operation("get /orders/{id}"), Some(("GET".into(), "/orders/{}".into())));
        assert_eq!(split_operation("POST /checkout/"), Some(("POST".into(), "/checkout".into())));
        assert_eq!(split_operation("inventory.Stock/Reserve"), None);
        assert_eq!(split_operation("SELECT orders"), None);
        assert_eq!(split_operation("GET"), None);
    }
}
