//! One pair of documents per check that `meridian api diff` once missed:
//! each differs by one change a client feels, and must be reported with
//! its id and level (and nothing breaking besides).

use contracts::diff::Level;
use contracts::{Document, NoFetch};

fn document(name: &str, text: &str) -> Document {
    Document::read(name, text, &NoFetch).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// (level, id) of every change from `old` to `new`.
fn changes(old: &str, new: &str) -> Vec<(Level, String)> {
    let mut found: Vec<(Level, String)> =
        contracts::diff(&document("old.yaml", old), &document("new.yaml", new)).into_iter().map(|c| (c.level, c.id)).collect();
    found.sort();
    found
}

fn expect(case: &str, old: &str, new: &str, expected: &[(Level, &str)]) {
    let mut expected: Vec<(Level, String)> = expected.iter().map(|(l, id)| (*l, id.to_string())).collect();
    expected.sort();
    assert_eq!(changes(old, new), expected, "{case}");
}

/// An OpenAPI 3.0 document with one `GET /items` whose parts are given.
fn openapi(servers: &str, parameter: &str, response: &str, item: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\n{servers}paths:\n  /items:\n    get:\n      parameters:\n{parameter}      responses:\n{response}components:\n  schemas:\n    Item:\n{item}"
    )
}

const NO_SERVERS: &str = "";
const PARAMETER: &str = "        - {name: tags, in: query, schema: {type: array, items: {type: string}}}\n";
const RESPONSE: &str =
    "        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}\n";
const ITEM: &str =
    "      type: object\n      required: [id]\n      properties:\n        id: {type: string}\n        size: {type: integer, minimum: 0}\n";

fn base() -> String {
    openapi(NO_SERVERS, PARAMETER, RESPONSE, ITEM)
}

use Level::*;

#[test]
fn a_required_response_property_that_becomes_write_only_leaves_responses() {
    let item = ITEM.replace("id: {type: string}", "id: {type: string, writeOnly: true}");
    expect(
        "writeOnly",
        &base(),
        &openapi(NO_SERVERS, PARAMETER, RESPONSE, &item),
        &[(Breaking, "response-required-property-became-write-only")],
    );
}

#[test]
fn response_headers_old_clients_read_are_compared() {
    let with = |required: bool| {
        RESPONSE.replace(
            "          description: ok\n",
            &format!("          description: ok\n          headers: {{Location: {{required: {required}, schema: {{type: string}}}}}}\n"),
        )
    };
    let old = openapi(NO_SERVERS, PARAMETER, &with(true), ITEM);
    expect("header removed", &old, &base(), &[(Breaking, "required-response-header-removed")]);
    expect("header optional", &old, &openapi(NO_SERVERS, PARAMETER, &with(false), ITEM), &[(Breaking, "response-header-became-optional")]);
    expect(
        "optional header removed",
        &openapi(NO_SERVERS, PARAMETER, &with(false), ITEM),
        &base(),
        &[(Warning, "optional-response-header-removed")],
    );
}

#[test]
fn serialization_changes_are_breaking_and_defaults_written_out_are_not() {
    let styled = |extra: &str| PARAMETER.replace("in: query,", &format!("in: query, {extra}"));
    let pipes = openapi(NO_SERVERS, &styled("style: pipeDelimited,"), RESPONSE, ITEM);
    expect("style", &base(), &pipes, &[(Breaking, "request-parameter-style-changed")]);
    let unexploded = openapi(NO_SERVERS, &styled("explode: false,"), RESPONSE, ITEM);
    expect("explode", &base(), &unexploded, &[(Breaking, "request-parameter-explode-changed")]);
    let defaults = openapi(NO_SERVERS, &styled("style: form, explode: true,"), RESPONSE, ITEM);
    expect("the defaults, written out", &base(), &defaults, &[]);

    let swagger = |format: &str| {
        format!(
            "swagger: '2.0'\ninfo: {{title: t, version: '1'}}\npaths:\n  /items:\n    get:\n      parameters:\n        - {{name: tags, in: query, type: array, items: {{type: string}}{format}}}\n      responses: {{'200': {{description: ok}}}}\n"
        )
    };
    expect(
        "collectionFormat csv → multi",
        &swagger(""),
        &swagger(", collectionFormat: multi"),
        &[(Breaking, "request-parameter-explode-changed")],
    );
    expect(
        "collectionFormat csv → pipes",
        &swagger(", collectionFormat: csv"),
        &swagger(", collectionFormat: pipes"),
        &[(Breaking, "request-parameter-style-changed")],
    );
    expect("csv written out", &swagger(""), &swagger(", collectionFormat: csv"), &[]);
}

#[test]
fn a_moved_base_path_moves_every_operation() {
    let servers = |url: &str| format!("servers: [{{url: '{url}'}}]\n");
    let old = openapi(&servers("https://api.example.com/v1"), PARAMETER, RESPONSE, ITEM);
    let moved = openapi(&servers("https://api.example.com/v2/"), PARAMETER, RESPONSE, ITEM);
    expect("servers", &old, &moved, &[(Breaking, "api-base-path-changed")]);
    let other_host = openapi(&servers("https://eu.example.com/v1/"), PARAMETER, RESPONSE, ITEM);
    expect("another host, the same path", &old, &other_host, &[]);
    let swagger = |base: &str| format!("swagger: '2.0'\ninfo: {{title: t, version: '1'}}\nbasePath: {base}\npaths: {{}}\n");
    expect("basePath", &swagger("/v1"), &swagger("/v2"), &[(Breaking, "api-base-path-changed")]);
}

#[test]
fn parameters_described_by_content_are_compared() {
    let content = |kind: &str| {
        format!("        - name: filter\n          in: query\n          content: {{application/json: {{schema: {{type: {kind}}}}}}}\n")
    };
    expect(
        "content schema",
        &openapi(NO_SERVERS, &content("string"), RESPONSE, ITEM),
        &openapi(NO_SERVERS, &content("integer"), RESPONSE, ITEM),
        &[(Breaking, "request-parameter-type-changed")],
    );
}

#[test]
fn every_bound_is_compared_in_the_direction_data_flows() {
    let limited = |keywords: &str| PARAMETER.replace("items: {type: string}}", &format!("items: {{type: string}}, {keywords}}}"));
    let request = |old: &str, new: &str, expected: &[(Level, &str)]| {
        expect(new, &openapi(NO_SERVERS, &limited(old), RESPONSE, ITEM), &openapi(NO_SERVERS, &limited(new), RESPONSE, ITEM), expected);
    };
    request("minItems: 0", "uniqueItems: true, minItems: 0", &[(Breaking, "request-parameter-unique-items-set")]);
    request("uniqueItems: true", "uniqueItems: false", &[(Info, "request-parameter-unique-items-removed")]);
    request("minItems: 0", "minItems: 0, default: [a]", &[(Info, "request-parameter-default-value-added")]);
    request("default: [a]", "default: [b]", &[(Warning, "request-parameter-default-value-changed")]);

    let size = |keywords: &str| ITEM.replace("size: {type: integer, minimum: 0}", &format!("size: {{type: integer, {keywords}}}"));
    let response = |old: &str, new: &str, expected: &[(Level, &str)]| {
        expect(new, &openapi(NO_SERVERS, PARAMETER, RESPONSE, &size(old)), &openapi(NO_SERVERS, PARAMETER, RESPONSE, &size(new)), expected);
    };
    // In a response, a wider range may hand old clients values they never expected.
    response("multipleOf: 4", "multipleOf: 2", &[(Warning, "response-property-multiple-of-changed")]);
    response("multipleOf: 2", "multipleOf: 4", &[(Info, "response-property-multiple-of-changed")]);
    response("minimum: 0, exclusiveMinimum: true", "minimum: 0", &[(Warning, "response-property-exclusive-min-removed")]);
    response(
        "maximum: 9",
        "exclusiveMaximum: 9",
        &[(Warning, "response-property-max-removed"), (Info, "response-property-exclusive-max-set")],
    );
    response("minimum: 0", "minimum: 0, default: 3", &[(Info, "response-property-default-value-added")]);

    let object = |keywords: &str| format!("      type: object\n      {keywords}\n      properties:\n        id: {{type: string}}\n");
    let body = |old: &str, new: &str, expected: &[(Level, &str)]| {
        expect(
            new,
            &openapi(NO_SERVERS, PARAMETER, RESPONSE, &object(old)),
            &openapi(NO_SERVERS, PARAMETER, RESPONSE, &object(new)),
            expected,
        );
    };
    body("maxProperties: 5", "maxProperties: 9", &[(Warning, "response-body-max-properties-increased")]);
    body("minProperties: 1", "minProperties: 0", &[(Warning, "response-body-min-properties-decreased")]);
}

#[test]
fn a_status_range_said_as_its_statuses_narrows_and_the_reverse_widens() {
    let statuses = |codes: &[&str]| codes.iter().map(|c| format!("        '{c}': {{description: ok}}\n")).collect::<String>();
    let range = openapi(NO_SERVERS, PARAMETER, &statuses(&["2XX"]), ITEM);
    let exact = openapi(NO_SERVERS, PARAMETER, &statuses(&["201"]), ITEM);
    expect("2XX → 201", &range, &exact, &[(Info, "response-status-range-narrowed")]);
    expect("201 → 2XX", &exact, &range, &[(Warning, "response-status-widened-to-range")]);
    let odd = openapi(NO_SERVERS, PARAMETER, &statuses(&["é9"]), ITEM);
    assert!(!changes(&odd, &exact).is_empty(), "a status that is not a number is compared as text, without a panic");
}

#[test]
fn a_scope_added_to_a_requirement_is_one_change_of_scopes() {
    let with = |scopes: &str| {
        format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nsecurity: [{{oauth: [{scopes}]}}]\npaths:\n  /a: {{get: {{responses: {{'200': {{description: ok}}}}}}}}\n  /b: {{get: {{responses: {{'200': {{description: ok}}}}}}}}\n"
        )
    };
    expect(
        "global scope added",
        &with("read"),
        &with("read, write"),
        &[(Breaking, "api-global-security-scope-added"), (Breaking, "api-global-security-scope-added")],
    );
    expect(
        "global scope removed",
        &with("read, write"),
        &with("read"),
        &[(Info, "api-global-security-scope-removed"), (Info, "api-global-security-scope-removed")],
    );
}

/// The done-when of issue #32: one edit of a schema shared by 2,505
/// operations (read by some, written by others) prints as a handful of
/// groups, and JSON still names every operation.
#[test]
fn a_shared_schema_edit_reaching_2505_operations_reads_as_a_few_groups() {
    let document = |kind: &str| {
        let mut text = String::from("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n");
        for i in 0..2505 {
            let body = if i % 5 == 0 {
                "      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Address'}}}}\n"
            } else {
                ""
            };
            text.push_str(&format!(
                "  /r{i}:\n    post:\n{body}      responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Address'}}}}}}}}}}\n"
            ));
        }
        text.push_str(&format!(
            "components:\n  schemas:\n    Address:\n      type: object\n      properties:\n        zip: {{type: {kind}}}\n"
        ));
        text
    };
    let (old, new) = (document("integer"), document("number"));
    let changes =
        contracts::diff(&Document::read("old.yaml", &old, &NoFetch).unwrap(), &Document::read("new.yaml", &new, &NoFetch).unwrap());
    assert_eq!(changes.len(), 2505 + 501, "a change per operation reached, per direction");
    let text = contracts::report::render(&changes, contracts::report::Format::Text, Level::Breaking, Level::Info, &|_, _| None);
    assert!(text.lines().count() < 20, "{text}");
    assert!(text.contains("schema `Address`") && text.contains("reaches 2505 operations"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&contracts::report::render(
        &changes,
        contracts::report::Format::Json,
        Level::Breaking,
        Level::Info,
        &|_, _| None,
    ))
    .unwrap();
    let named: usize = json["groups"].as_array().unwrap().iter().map(|g| g["operations"].as_array().map_or(0, Vec::len)).sum();
    assert_eq!(named, 2505 + 501, "JSON names every operation of every group");
}

#[test]
fn a_change_says_which_version_its_pointer_is_into() {
    let parameters = |names: &[(&str, &str)]| {
        names.iter().map(|(n, t)| format!("        - {{name: {n}, in: query, schema: {{type: {t}}}}}\n")).collect::<String>()
    };
    // Not a rename: the one added is of another type.
    let old = openapi(NO_SERVERS, &parameters(&[("a", "string"), ("b", "string")]), RESPONSE, ITEM);
    let new = openapi(NO_SERVERS, &parameters(&[("b", "string"), ("c", "integer")]), RESPONSE, ITEM);
    let changes = contracts::diff(&document("old.yaml", &old), &document("new.yaml", &new));
    let side = |id: &str| changes.iter().find(|c| c.id == id).map(|c| (c.pointer.as_str(), c.old));
    // Both name `/parameters/0`, of two different versions.
    assert_eq!(side("request-parameter-removed"), Some(("/paths/~1items/get/parameters/0", true)), "{changes:#?}");
    assert_eq!(side("new-optional-request-parameter"), Some(("/paths/~1items/get/parameters/1", false)));
    let removed = ITEM.replace("        size: {type: integer, minimum: 0}\n", "");
    let changes =
        contracts::diff(&document("old.yaml", &base()), &document("new.yaml", &openapi(NO_SERVERS, PARAMETER, RESPONSE, &removed)));
    assert!(changes.iter().all(|c| c.old), "a property removed from a shared schema points into the old version: {changes:#?}");
}
