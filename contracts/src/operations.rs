//! The operations a document offers, in one shape for Swagger 2.0 and
//! OpenAPI 3.x: [`views`] borrow the document (for the diff), and
//! [`operations`] are owned, with schemas as trees, for pages and the API.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::{Document, Format, Node};
use crate::path::{self, METHODS};

/// One operation, borrowed from its document.
pub struct View<'d> {
    /// Upper case: `GET`.
    pub method: String,
    /// As written in the document.
    pub path: &'d str,
    /// [`path::normalize`]d: how two versions' operations are matched.
    pub route: String,
    pub node: Node<'d>,
    pub parameters: Vec<Param<'d>>,
    pub request: Option<Body<'d>>,
    pub responses: Vec<Response<'d>>,
    /// The requirements that apply: the operation's own, else the document's.
    pub security: Option<Node<'d>>,
}

impl View<'_> {
    /// `GET /orders/{id}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    pub fn deprecated(&self) -> bool {
        self.node.bool("deprecated")
    }
}

pub struct Param<'d> {
    pub name: &'d str,
    /// `query`, `header`, `path`, `cookie` (and Swagger's `formData`).
    pub location: &'d str,
    /// What a parameter is matched by across versions: its place and name,
    /// a header's name in lower case, a path parameter's position (its
    /// name is not visible to clients).
    pub key: String,
    pub required: bool,
    pub node: Node<'d>,
    /// OpenAPI 3's `schema` (or the schema of its one `content` media
    /// type); in Swagger 2.0 the parameter itself holds it.
    pub schema: Option<Node<'d>>,
    /// How its value is written on the wire: OpenAPI 3's `style` and
    /// `explode` as they take effect (defaults written out), Swagger 2.0's
    /// `collectionFormat` read as the same pair.
    pub style: &'static str,
    pub explode: bool,
}

pub struct Body<'d> {
    pub required: bool,
    pub node: Node<'d>,
    pub content: Vec<(String, Option<Node<'d>>)>,
}

pub struct Response<'d> {
    pub status: &'d str,
    pub node: Node<'d>,
    pub content: Vec<(String, Option<Node<'d>>)>,
    /// Its headers: (name in lower case, whether required, the header).
    pub headers: Vec<(String, bool, Node<'d>)>,
}

/// Every operation of a document: paths in sorted order (JSON objects are
/// read into sorted maps), methods in [`METHODS`] order.
pub fn views(document: &Document) -> Vec<View<'_>> {
    let root = document.root();
    let swagger = document.format == Format::Swagger2;
    let consumes = media_types(&root, "consumes");
    let produces = media_types(&root, "produces");
    let mut out = Vec::new();
    let Some(paths) = root.child("paths") else { return out };
    for (path, item) in paths.entries() {
        let item = document.resolve(item);
        let shared = item.child("parameters");
        for (method, operation) in METHODS.iter().filter_map(|m| Some((*m, item.child(m)?))) {
            let mut parameters = Vec::new();
            let mut body = None;
            for list in [shared.clone(), operation.child("parameters")].into_iter().flatten() {
                for parameter in list.items() {
                    let parameter = document.resolve(parameter);
                    let (Some(name), Some(location)) = (parameter.str("name"), parameter.str("in")) else { continue };
                    if swagger && location == "body" {
                        let media = media_types(&operation, "consumes").or_else(|| consumes.clone()).unwrap_or_else(json_only);
                        let schema = parameter.child("schema");
                        body = Some(Body {
                            required: parameter.bool("required"),
                            content: media.into_iter().map(|m| (m, schema.clone())).collect(),
                            node: parameter,
                        });
                        continue;
                    }
                    let key = parameter_key(path, name, location);
                    // An operation's parameter replaces the path item's of the same place and name.
                    parameters.retain(|p: &Param| p.key != key);
                    let schema = if swagger {
                        Some(parameter.clone())
                    } else {
                        parameter.child("schema").or_else(|| content(document, &parameter).into_iter().find_map(|(_, schema)| schema))
                    };
                    let (style, explode) = serialization(&parameter, location, swagger);
                    parameters.push(Param {
                        name,
                        location,
                        key,
                        required: location == "path" || parameter.bool("required"),
                        schema,
                        style,
                        explode,
                        node: parameter,
                    });
                }
            }
            if !swagger && let Some(request) = operation.child("requestBody") {
                let request = document.resolve(request);
                body = Some(Body { required: request.bool("required"), content: content(document, &request), node: request });
            }
            let produces = media_types(&operation, "produces").or_else(|| produces.clone()).unwrap_or_else(json_only);
            let responses = operation
                .child("responses")
                .map(|responses| {
                    responses
                        .entries()
                        .filter(|(status, _)| !status.starts_with("x-"))
                        .map(|(status, response)| {
                            let response = document.resolve(response);
                            let content = if swagger {
                                let schema = response.child("schema");
                                if schema.is_some() { produces.iter().map(|m| (m.clone(), schema.clone())).collect() } else { Vec::new() }
                            } else {
                                content(document, &response)
                            };
                            let headers = response
                                .child("headers")
                                .map(|headers| {
                                    headers
                                        .entries()
                                        .map(|(name, header)| {
                                            let header = document.resolve(header);
                                            (name.to_ascii_lowercase(), header.bool("required"), header)
                                        })
                                        .collect()
                                })
                                .unwrap_or_default();
                            Response { status, content, headers, node: response }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let security = operation.child("security").or_else(|| root.child("security"));
            out.push(View {
                method: method.to_ascii_uppercase(),
                path,
                route: path::normalize(path),
                request: body,
                parameters,
                responses,
                security,
                node: operation,
            });
        }
    }
    out
}

/// A parameter's wire format as (style, explode), defaults written out so
/// that writing a default is no change. Swagger 2.0's `collectionFormat`
/// (arrays only) reads as its OpenAPI 3 equivalent.
fn serialization(parameter: &Node<'_>, location: &str, swagger: bool) -> (&'static str, bool) {
    let form = matches!(location, "query" | "cookie" | "formData");
    if swagger {
        let array = parameter.str("type") == Some("array");
        return match parameter.str("collectionFormat").filter(|_| array) {
            Some("multi") => ("form", true),
            Some("ssv") => ("spaceDelimited", false),
            Some("pipes") => ("pipeDelimited", false),
            Some("tsv") => ("tabDelimited", false),
            // `csv`, the default.
            _ => (if form { "form" } else { "simple" }, false),
        };
    }
    let style = match parameter.str("style") {
        Some("matrix") => "matrix",
        Some("label") => "label",
        Some("form") => "form",
        Some("simple") => "simple",
        Some("spaceDelimited") => "spaceDelimited",
        Some("pipeDelimited") => "pipeDelimited",
        Some("deepObject") => "deepObject",
        _ if form => "form",
        _ => "simple",
    };
    (style, parameter.value.get("explode").and_then(Value::as_bool).unwrap_or(style == "form"))
}

fn json_only() -> Vec<String> {
    vec!["application/json".to_string()]
}

fn media_types(node: &Node<'_>, key: &str) -> Option<Vec<String>> {
    let list = node.value.get(key)?.as_array()?;
    Some(list.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

fn content<'d>(document: &'d Document, holder: &Node<'d>) -> Vec<(String, Option<Node<'d>>)> {
    let Some(content) = holder.child("content") else { return Vec::new() };
    content.entries().map(|(media, entry)| (media.to_string(), document.resolve(entry).child("schema"))).collect()
}

fn parameter_key(path: &str, name: &str, location: &str) -> String {
    match location {
        "path" => {
            let position = path.split('{').skip(1).position(|rest| rest.split('}').next() == Some(name));
            position.map_or_else(|| format!("path:{name}"), |p| format!("path#{p}"))
        }
        "header" => format!("header:{}", name.to_ascii_lowercase()),
        other => format!("{other}:{name}"),
    }
}

/// An operation as pages and the REST API show it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    pub tags: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub request: Option<Payload>,
    pub responses: Vec<ResponseDoc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub description: Option<String>,
    pub schema: Option<SchemaTree>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    pub required: bool,
    pub content: Vec<Content>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseDoc {
    pub status: String,
    pub description: Option<String>,
    pub content: Vec<Content>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub media_type: String,
    pub schema: Option<SchemaTree>,
    /// The first example given (of the media type, else of the schema), as pretty JSON.
    pub example: Option<String>,
}

/// A schema drawn as a tree: a node per property (sorted by name) or array item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaTree {
    /// The property name (`None` for the root and array items).
    pub name: Option<String>,
    /// The component it is, when reached through a `$ref` (`Order`).
    pub title: Option<String>,
    /// `string`, `integer(int64)`, `array`, `object`, `string | null`, `oneOf`…
    pub types: String,
    pub required: bool,
    pub description: Option<String>,
    pub enum_values: Vec<String>,
    /// A named schema drawn already in this operation (above it, or
    /// earlier): its children are not drawn again.
    pub recursive: bool,
    /// `no_recursion`: the OpenAPI document refers to this schema by name here.
    #[schema(no_recursion)]
    pub children: Vec<SchemaTree>,
}

/// Deeper schemas are cut, so one pathological document cannot make a huge page.
const MAX_TREE_DEPTH: usize = 16;
/// Schema tree nodes drawn per operation at most.
const MAX_TREE_NODES: usize = 500;

/// Every operation of a document, owned, with its schemas as trees.
pub fn operations(document: &Document) -> Vec<Operation> {
    views(document).into_iter().map(|view| operation(document, &view)).collect()
}

fn operation(document: &Document, view: &View<'_>) -> Operation {
    // Each named schema is drawn once per operation: large documents share
    // schemas between many operations, often in cycles.
    let mut drawn = Drawn { budget: MAX_TREE_NODES, named: HashSet::new() };
    let mut tree = |node: &Option<Node<'_>>| node.as_ref().map(|n| schema_tree(document, n, None, false, 0, &mut drawn));
    let text = |node: &Node<'_>, key: &str| node.str(key).map(str::to_string);
    let parameters = view
        .parameters
        .iter()
        .map(|p| Parameter {
            name: p.name.to_string(),
            location: p.location.to_string(),
            required: p.required,
            description: text(&p.node, "description"),
            schema: tree(&p.schema),
        })
        .collect();
    let mut contents = |list: &[(String, Option<Node<'_>>)], holder: &Node<'_>| -> Vec<Content> {
        list.iter()
            .map(|(media, schema)| Content {
                media_type: media.clone(),
                schema: tree(schema),
                example: example(document, holder, media, schema),
            })
            .collect()
    };
    let request = view.request.as_ref().map(|body| Payload { required: body.required, content: contents(&body.content, &body.node) });
    let responses = view
        .responses
        .iter()
        .map(|r| ResponseDoc {
            status: r.status.to_string(),
            description: text(&r.node, "description"),
            content: contents(&r.content, &r.node),
        })
        .collect();
    Operation {
        method: view.method.clone(),
        path: view.path.to_string(),
        operation_id: text(&view.node, "operationId"),
        summary: text(&view.node, "summary"),
        description: text(&view.node, "description"),
        deprecated: view.deprecated(),
        tags: view
            .node
            .value
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        parameters,
        request,
        responses,
    }
}

fn example(document: &Document, holder: &Node<'_>, media: &str, schema: &Option<Node<'_>>) -> Option<String> {
    let entry = holder.child("content").and_then(|c| c.child(media)).map(|e| document.resolve(e));
    let from_entry = entry.as_ref().and_then(|e| {
        e.value.get("example").cloned().or_else(|| {
            let examples = e.child("examples")?;
            let first = examples.entries().next()?.1;
            document.resolve(first).value.get("value").cloned()
        })
    });
    // Swagger 2.0 keeps examples per media type on the response.
    let from_swagger = || holder.value.get("examples").and_then(|e| e.get(media)).cloned();
    let from_schema = || schema.as_ref().and_then(|s| document.resolve(s.clone()).value.get("example").cloned());
    let value = from_entry.or_else(from_swagger).or_else(from_schema)?;
    serde_json::to_string_pretty(&value).ok()
}

/// The JSON Schema types of a schema as a set: `type` as a string or an
/// array (3.1), `nullable: true` (3.0) adding `null`.
pub fn types_of(schema: &Value) -> Vec<String> {
    let mut types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) && !types.iter().any(|t| t == "null") {
        types.push("null".to_string());
    }
    types
}

/// What an operation's trees have drawn so far.
struct Drawn {
    budget: usize,
    /// Named schemas (file, pointer) already drawn.
    named: HashSet<(usize, String)>,
}

fn schema_tree(document: &Document, node: &Node<'_>, name: Option<String>, required: bool, depth: usize, drawn: &mut Drawn) -> SchemaTree {
    drawn.budget = drawn.budget.saturating_sub(1);
    let title = Document::ref_name(node);
    let resolved = document.resolve(node.clone());
    let value = resolved.value;
    let mut types = types_of(value).join(" | ");
    if let Some(format) = value.get("format").and_then(Value::as_str) {
        types = format!("{types}({format})");
    }
    let composition = ["allOf", "oneOf", "anyOf"].into_iter().find(|k| value.get(*k).is_some());
    if types.is_empty() {
        types = composition.unwrap_or(if value.get("properties").is_some() { "object" } else { "any" }).to_string();
    }
    let recursive = title.is_some() && !drawn.named.insert((resolved.file, resolved.pointer.clone()));
    let mut tree = SchemaTree {
        name,
        title,
        types,
        required,
        description: value.get("description").and_then(Value::as_str).map(str::to_string),
        enum_values: value.get("enum").and_then(Value::as_array).into_iter().flatten().map(scalar_text).collect(),
        recursive,
        children: Vec::new(),
    };
    if recursive || depth >= MAX_TREE_DEPTH || drawn.budget == 0 {
        return tree;
    }
    let required_names: Vec<&str> =
        value.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if let Some(properties) = resolved.child("properties") {
        for (key, property) in properties.entries() {
            if drawn.budget == 0 {
                break;
            }
            tree.children.push(schema_tree(document, &property, Some(key.to_string()), required_names.contains(&key), depth + 1, drawn));
        }
    }
    if let Some(items) = resolved.child("items").filter(|i| i.value.is_object()) {
        tree.children.push(schema_tree(document, &items, Some("[]".to_string()), false, depth + 1, drawn));
    }
    if let Some(kind) = composition
        && let Some(branches) = resolved.child(kind)
    {
        for (index, branch) in branches.items().enumerate() {
            if drawn.budget == 0 {
                break;
            }
            tree.children.push(schema_tree(document, &branch, Some(format!("{kind}[{index}]")), false, depth + 1, drawn));
        }
    }
    tree
}

/// An enum value as text: strings bare, anything else as JSON.
pub fn scalar_text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::NoFetch;

    const OPENAPI: &str = r##"
openapi: 3.0.3
info: {title: orders, version: 1.0.0}
security: [{key: []}]
paths:
  /orders/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: trace, in: header, schema: {type: string}}
    get:
      summary: One order
      parameters:
        - {name: Trace, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: the order
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
              example: {id: o-1}
        '404': {description: no such order}
    delete:
      security: []
      responses: {'204': {description: gone}}
components:
  schemas:
    Order:
      type: object
      required: [id]
      properties:
        id: {type: string, format: uuid}
        status: {type: string, enum: [new, paid], nullable: true}
        parent: {$ref: '#/components/schemas/Order'}
        lines: {type: array, items: {type: object, properties: {sku: {type: string}}}}
"##;

    #[test]
    fn operations_of_openapi_3_with_inherited_parameters_and_recursive_schemas() {
        let document = Document::read("orders.yaml", OPENAPI, &NoFetch).unwrap();
        let views = views(&document);
        assert_eq!(views.iter().map(View::label).collect::<Vec<_>>(), ["GET /orders/{id}", "DELETE /orders/{id}"]);
        let get = &views[0];
        let keys: Vec<_> = get.parameters.iter().map(|p| (p.key.as_str(), p.required)).collect();
        assert_eq!(keys, [("path#0", true), ("header:trace", true)], "the operation's header replaces the path item's");
        assert_eq!(get.security.as_ref().map(|s| s.pointer.as_str()), Some("/security"));
        assert_eq!(views[1].security.as_ref().map(|s| s.pointer.as_str()), Some("/paths/~1orders~1{id}/delete/security"));

        let operations = operations(&document);
        let order = operations[0].responses[0].content[0].schema.as_ref().unwrap();
        assert_eq!(order.title.as_deref(), Some("Order"));
        let names: Vec<_> = order.children.iter().map(|c| (c.name.clone().unwrap(), c.types.clone(), c.required)).collect();
        assert_eq!(
            names,
            [
                ("id".into(), "string(uuid)".into(), true),
                ("lines".into(), "array".into(), false),
                ("parent".into(), "object".into(), false),
                ("status".into(), "string | null".into(), false),
            ]
        );
        assert!(order.children[2].recursive && order.children[2].children.is_empty(), "a schema that holds itself is cut");
        assert_eq!(order.children[3].enum_values, ["new", "paid"]);
        assert_eq!(order.children[1].children[0].children[0].name.as_deref(), Some("sku"));
        assert_eq!(operations[0].responses[0].content[0].example.as_deref(), Some("{\n  \"id\": \"o-1\"\n}"));
        assert_eq!(operations[0].summary.as_deref(), Some("One order"));
    }

    #[test]
    fn swagger_2_bodies_and_responses_take_the_openapi_3_shape() {
        let text = r##"
swagger: '2.0'
info: {title: pets, version: '1'}
produces: [application/json]
paths:
  /pets:
    post:
      consumes: [application/xml]
      parameters:
        - {name: pet, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
        - {name: limit, in: query, type: integer, maximum: 10}
      responses:
        '201': {description: created, schema: {$ref: '#/definitions/Pet'}, examples: {application/json: {name: rex}}}
definitions:
  Pet: {type: object, properties: {name: {type: string}}}
"##;
        let document = Document::read("pets.yaml", text, &NoFetch).unwrap();
        let views = views(&document);
        let post = &views[0];
        let body = post.request.as_ref().unwrap();
        assert!(body.required);
        assert_eq!(body.content[0].0, "application/xml");
        assert_eq!(post.parameters.len(), 1);
        assert_eq!(post.parameters[0].schema.as_ref().unwrap().value["maximum"], 10);
        assert_eq!(post.responses[0].content[0].0, "application/json");
        let operation = &operations(&document)[0];
        assert_eq!(operation.responses[0].content[0].example.as_deref(), Some("{\n  \"name\": \"rex\"\n}"));
        assert_eq!(operation.request.as_ref().unwrap().content[0].schema.as_ref().unwrap().children[0].name.as_deref(), Some("name"));
        let response = operation.responses[0].content[0].schema.as_ref().unwrap();
        assert!(response.recursive && response.children.is_empty(), "a named schema is drawn once per operation");
    }
}
