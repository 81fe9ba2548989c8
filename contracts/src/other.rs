//! The operations named by definitions other than OpenAPI: AsyncAPI
//! channels and operations, GraphQL root fields, protobuf `rpc`s. These are
//! shown as source with their operations listed; they are not diffed.
//!
//! GraphQL and protobuf are scanned, not parsed: comments and strings are
//! skipped and the few constructs that name operations are read. A full
//! grammar would add a dependency for a list of names.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One operation a definition names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema, Deserialize)]
pub struct Named {
    /// `publish`/`subscribe` (AsyncAPI 2), `send`/`receive` (3), `query`,
    /// `mutation`, `subscription`, `rpc`.
    pub kind: String,
    /// The channel, field or `package.Service/Method` (as RPC spans name it).
    pub name: String,
    pub summary: Option<String>,
}

/// The operations of an AsyncAPI document (2.x channels or 3.x operations).
pub fn asyncapi(root: &Value) -> Vec<Named> {
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let mut out = Vec::new();
    if let Some(operations) = root.get("operations").and_then(Value::as_object) {
        for (id, operation) in operations {
            let kind = text(operation, "action").unwrap_or_else(|| "operation".to_string());
            out.push(Named { kind, name: id.clone(), summary: text(operation, "summary") });
        }
        return out;
    }
    for (channel, item) in root.get("channels").and_then(Value::as_object).into_iter().flatten() {
        for kind in ["publish", "subscribe"] {
            if let Some(operation) = item.get(kind) {
                out.push(Named { kind: kind.to_string(), name: channel.clone(), summary: text(operation, "summary") });
            }
        }
    }
    out
}

/// The fields of a GraphQL schema's root types (`Query`, `Mutation`,
/// `Subscription`, or those a `schema { … }` block names), extensions included.
pub fn graphql(source: &str) -> Vec<Named> {
    let tokens = tokens(source, '#');
    let mut roots = [("query", "Query".to_string()), ("mutation", "Mutation".to_string()), ("subscription", "Subscription".to_string())];
    if let Some(start) = tokens.iter().position(|t| t == "schema")
        && tokens.get(start + 1).map(String::as_str) == Some("{")
    {
        let mut i = start + 2;
        while i + 2 < tokens.len() && tokens[i] != "}" {
            if tokens[i + 1] == ":"
                && let Some(root) = roots.iter_mut().find(|(kind, _)| *kind == tokens[i])
            {
                root.1 = tokens[i + 2].clone();
            }
            i += 1;
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "type"
            && let Some(name) = tokens.get(i + 1)
            && let Some((kind, _)) = roots.iter().find(|(_, root)| root == name)
        {
            // Skip `implements …` and directives up to the body.
            let Some(open) = tokens[i..].iter().position(|t| t == "{").map(|p| p + i) else { break };
            let mut depth = 0usize;
            let mut parens = 0usize;
            let mut j = open;
            while j < tokens.len() {
                match tokens[j].as_str() {
                    "{" => depth += 1,
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "(" => parens += 1,
                    ")" => parens = parens.saturating_sub(1),
                    // `name: Type` or `name(…): Type`, but not the `Type` after a colon.
                    word if depth == 1
                        && parens == 0
                        && is_name(word)
                        && matches!(tokens.get(j + 1).map(String::as_str), Some(":" | "("))
                        && tokens.get(j.wrapping_sub(1)).map(String::as_str) != Some(":") =>
                    {
                        out.push(Named { kind: kind.to_string(), name: word.to_string(), summary: None });
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
        }
        i += 1;
    }
    out
}

/// The `rpc`s of a protobuf file, named `package.Service/Method`.
pub fn protobuf(source: &str) -> Vec<Named> {
    let tokens = tokens(source, '\0');
    let package = tokens.iter().position(|t| t == "package").and_then(|p| tokens.get(p + 1)).filter(|p| p.as_str() != ";");
    let mut out = Vec::new();
    let mut service: Option<(String, usize)> = None;
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if service.as_ref().is_some_and(|(_, d)| *d == depth) {
                    service = None;
                }
            }
            "service" if service.is_none() => {
                if let Some(name) = tokens.get(i + 1) {
                    let qualified = package.map_or_else(|| name.clone(), |p| format!("{p}.{name}"));
                    service = Some((qualified, depth));
                }
            }
            "rpc" => {
                if let (Some((service, _)), Some(method)) = (&service, tokens.get(i + 1)) {
                    out.push(Named { kind: "rpc".into(), name: format!("{service}/{method}"), summary: None });
                }
            }
            _ => {}
        }
    }
    out
}

fn is_name(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') && word.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Words (letters, digits, `_` and `.`) and single punctuation marks, with
/// comments (`line_comment` to the end of the line; `//` and `/* */` for
/// protobuf) and strings left out.
fn tokens(source: &str, line_comment: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c == line_comment || (c == '/' && chars.peek() == Some(&'/')) => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut previous = ' ';
                for n in chars.by_ref() {
                    if previous == '*' && n == '/' {
                        break;
                    }
                    previous = n;
                }
            }
            '"' | '\'' => {
                // Block strings (`"""`) end at the next `"""`; others at the quote.
                let block = c == '"' && chars.peek() == Some(&'"') && {
                    let mut ahead = chars.clone();
                    ahead.next();
                    ahead.peek() == Some(&'"')
                };
                if block {
                    chars.next();
                    chars.next();
                    let mut quotes = 0;
                    for n in chars.by_ref() {
                        quotes = if n == '"' { quotes + 1 } else { 0 };
                        if quotes == 3 {
                            break;
                        }
                    }
                } else {
                    let mut escaped = false;
                    for n in chars.by_ref() {
                        if n == c && !escaped {
                            break;
                        }
                        escaped = n == '\\' && !escaped;
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n.is_alphanumeric() || n == '_' || n == '.' {
                        word.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(word);
            }
            c if c.is_whitespace() || c == ',' => {}
            c => out.push(c.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[Named]) -> Vec<(String, String)> {
        list.iter().map(|n| (n.kind.clone(), n.name.clone())).collect()
    }

    #[test]
    fn graphql_root_fields_skip_arguments_comments_and_descriptions() {
        let source = r#"
# type Query { commented: Int }
"""
The root. type Query { fake: Int }
"""
type Query implements Node @key(fields: "id") {
  "one order"
  order(id: ID!, filter: Filter = {status: "x"}): Order
  orders: [Order!]!
}
type Order { id: ID! }
extend type Query { me: User }
schema { query: Query, mutation: Changes }
type Changes { placeOrder(input: OrderInput!): Order }
"#;
        let expected: Vec<(String, String)> = [("query", "order"), ("query", "orders"), ("query", "me"), ("mutation", "placeOrder")]
            .iter()
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect();
        assert_eq!(names(&graphql(source)), expected);
    }

    #[test]
    fn protobuf_rpcs_are_named_as_rpc_spans_name_them() {
        let source = "syntax = \"proto3\";\npackage shop.inventory;\n// service Fake { rpc No(A) returns (B); }\nservice Stock {\n  rpc Reserve (ReserveRequest) returns (ReserveReply) { option (x) = {}; }\n  /* rpc Hidden */\n  rpc Release(R) returns (stream S);\n}\nmessage R { string service = 1; }\n";
        let expected: Vec<(String, String)> = [("rpc", "shop.inventory.Stock/Reserve"), ("rpc", "shop.inventory.Stock/Release")]
            .iter()
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .collect();
        assert_eq!(names(&protobuf(source)), expected);
    }

    #[test]
    fn asyncapi_2_channels_and_3_operations() {
        let v2 = serde_json::json!({"asyncapi": "2.6.0", "channels": {"orders.placed": {"subscribe": {"summary": "new orders"}, "publish": {}}}});
        assert_eq!(
            names(&asyncapi(&v2)),
            [("publish".to_string(), "orders.placed".to_string()), ("subscribe".into(), "orders.placed".into())]
        );
        let v3 =
            serde_json::json!({"asyncapi": "3.0.0", "operations": {"placeOrder": {"action": "send", "channel": {"$ref": "#/channels/o"}}}});
        assert_eq!(names(&asyncapi(&v3)), [("send".to_string(), "placeOrder".to_string())]);
    }
}
