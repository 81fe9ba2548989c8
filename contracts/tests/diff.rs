//! The breaking-change diff on a pair of documents that makes every change
//! family once (tests/data/orders-v1.yaml → orders-v2.yaml), and on a pair
//! that only adds.

use contracts::diff::{Change, Level};
use contracts::{Document, NoFetch};

fn read(name: &str) -> Document {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    Document::read(&path, &text, &NoFetch).unwrap()
}

fn summary(changes: &[Change]) -> Vec<(Level, String, String)> {
    let mut out: Vec<_> =
        changes.iter().map(|c| (c.level, c.id.clone(), c.operation.as_ref().map(ToString::to_string).unwrap_or_default())).collect();
    out.sort();
    out
}

#[test]
fn every_family_of_change_is_found_with_its_level() {
    let changes = contracts::diff(&read("orders-v1.yaml"), &read("orders-v2.yaml"));
    use Level::*;
    let mut expected: Vec<(Level, String, String)> = [
        // paths and operations removed
        (Breaking, "api-path-removed-without-deprecation", "GET /legacy"),
        (Info, "api-path-removed-with-deprecation", "GET /old"),
        (Breaking, "api-removed-without-deprecation", "DELETE /orders/{id}"),
        (Info, "endpoint-added", "GET /health"),
        // parameters removed, renamed, added as required, made required
        (Warning, "request-parameter-removed", "GET /orders"),
        (Warning, "request-parameter-renamed", "GET /orders"),
        (Breaking, "new-required-request-parameter", "GET /orders"),
        (Info, "new-optional-request-parameter", "GET /orders"),
        (Breaking, "request-parameter-became-required", "GET /orders"),
        // constraints narrowed, enum values removed from requests, types and formats changed
        (Breaking, "request-parameter-max-decreased", "GET /orders"),
        (Breaking, "request-parameter-max-length-set", "GET /orders"),
        (Breaking, "request-parameter-pattern-added", "GET /orders"),
        (Breaking, "request-parameter-enum-value-removed", "GET /orders"),
        (Breaking, "request-parameter-type-changed", "GET /orders"),
        // response properties removed, types changed, enum values added to responses
        (Breaking, "response-required-property-removed", "GET /orders"),
        (Warning, "response-optional-property-removed", "GET /orders"),
        (Breaking, "response-property-type-changed", "GET /orders"),
        (Breaking, "response-property-enum-value-added", "GET /orders"),
        (Info, "response-optional-property-added", "GET /orders"),
        // request properties added as required, made required, narrowed, removed
        (Breaking, "new-required-request-property", "POST /orders"),
        (Info, "new-optional-request-property", "POST /orders"),
        (Breaking, "request-property-became-required", "POST /orders"),
        (Breaking, "request-property-max-length-decreased", "POST /orders"),
        (Breaking, "request-property-enum-value-removed", "POST /orders"),
        (Info, "request-property-type-generalized", "POST /orders"),
        (Warning, "request-property-removed", "POST /orders"),
        // success responses removed; security requirements added
        (Breaking, "response-success-status-removed", "POST /orders"),
        (Info, "response-success-status-added", "POST /orders"),
        (Info, "response-non-success-status-removed", "POST /orders"),
        (Breaking, "api-security-added", "POST /orders"),
    ]
    .into_iter()
    .map(|(level, id, operation)| (level, id.to_string(), operation.to_string()))
    .collect();
    expected.sort();
    assert_eq!(summary(&changes), expected, "{changes:#?}");

    let renamed = changes.iter().find(|c| c.id == "request-parameter-renamed").unwrap();
    assert_eq!(renamed.message, "header parameter `X-Tenant` was renamed to `X-Org`");
    assert_eq!(renamed.pointer, "/paths/~1orders/get/parameters/8");
    let limit = changes.iter().find(|c| c.id == "request-parameter-max-decreased").unwrap();
    assert_eq!(limit.message, "`maximum` of query parameter `limit` changed from 100 to 50");
    assert_eq!(limit.pointer, "/paths/~1orders/get/parameters/0/schema/maximum");
    let total = changes.iter().find(|c| c.id == "response-required-property-removed").unwrap();
    assert_eq!(total.message, "response property `[].total` (200) was removed");
    assert_eq!(total.pointer, "/components/schemas/Order/properties/total", "a removal points into the old document");
    let enum_added = changes.iter().find(|c| c.id == "response-property-enum-value-added").unwrap();
    assert_eq!(enum_added.message, "enum value `refunded` was added to response property `[].status` (200)");
    assert!(
        !changes.iter().any(|c| c.message.contains("`id`") && c.operation.as_ref().is_some_and(|o| o.method == "POST")),
        "readOnly properties are not part of a request"
    );
}

#[test]
fn a_version_that_only_adds_has_no_breaking_change() {
    let old = r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      parameters: [{name: q, in: query, schema: {type: string, maxLength: 10, enum: [a, b]}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, properties: {n: {type: integer, maximum: 5}}}}}}
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [a], properties: {a: {type: integer, format: int32}}}}}}
      security: [{key: []}]
      responses: {'201': {description: created}}
"#;
    let new = r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      parameters:
        - {name: q, in: query, schema: {type: string, maxLength: 20, enum: [a, b, c]}}
        - {name: page, in: query, schema: {type: integer}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: object, required: [n], properties: {n: {type: integer, maximum: 3}, m: {type: string}}}}}}
        '404': {description: none}
    post:
      requestBody: {content: {application/json: {schema: {type: object, properties: {a: {type: [number, 'null']}, b: {type: string}}}}}}
      security: [{key: []}, {oauth: [read]}]
      responses: {'201': {description: created}, '200': {description: also}}
  /items/{id}:
    get: {responses: {'200': {description: one}}}
"#;
    let old = Document::read("old.yaml", old, &NoFetch).unwrap();
    let new = Document::read("new.yaml", new, &NoFetch).unwrap();
    let changes = contracts::diff(&old, &new);
    assert!(changes.len() >= 10, "the additions are all reported: {changes:#?}");
    let graded: Vec<_> = changes.iter().filter(|c| c.level > Level::Info).collect();
    assert!(graded.is_empty(), "additive changes graded above info: {graded:#?}");
}

#[test]
fn swagger_2_and_its_openapi_3_translation_have_no_changes() {
    let swagger = r#"
swagger: '2.0'
info: {title: pets, version: '1'}
produces: [application/json]
consumes: [application/json]
paths:
  /pets/{petId}:
    put:
      parameters:
        - {name: petId, in: path, required: true, type: string}
        - {name: verbose, in: query, type: boolean}
        - {name: pet, in: body, required: true, schema: {$ref: '#/definitions/Pet'}}
      responses:
        '200': {description: ok, schema: {$ref: '#/definitions/Pet'}}
definitions:
  Pet: {type: object, required: [name], properties: {name: {type: string, maxLength: 40}}}
"#;
    let openapi = r#"
openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pets/{id}:
    put:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: verbose, in: query, schema: {type: boolean}}
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
components:
  schemas:
    Pet: {type: object, required: [name], properties: {name: {type: string, maxLength: 40}}}
"#;
    let old = Document::read("swagger.yaml", swagger, &NoFetch).unwrap();
    let new = Document::read("openapi.yaml", openapi, &NoFetch).unwrap();
    assert_eq!(contracts::diff(&old, &new), []);
    assert_eq!(contracts::diff(&new, &old), []);
}

#[test]
fn recursive_schemas_end() {
    let text = |max: u32| {
        format!(
            "openapi: 3.0.0\npaths:\n  /t:\n    post:\n      requestBody: {{content: {{application/json: {{schema: {{$ref: '#/components/schemas/Node'}}}}}}}}\n      responses: {{'200': {{description: ok}}}}\ncomponents:\n  schemas:\n    Node: {{type: object, properties: {{name: {{type: string, maxLength: {max}}}, children: {{type: array, items: {{$ref: '#/components/schemas/Node'}}}}}}}}\n"
        )
    };
    let old = Document::read("a.yaml", &text(10), &NoFetch).unwrap();
    let new = Document::read("b.yaml", &text(5), &NoFetch).unwrap();
    let changes = contracts::diff(&old, &new);
    assert_eq!(summary(&changes), [(Level::Breaking, "request-property-max-length-decreased".to_string(), "POST /t".to_string())]);
}
