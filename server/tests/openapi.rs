//! The OpenAPI document (`GET /api/v1/openapi.json`) is kept in step with
//! the router: every route it answers is described, with its methods, and
//! nothing else; and what is served is what the code generates.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use beatbook_server::http::openapi;
use beatbook_server::http::router::ApiRoute;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// (method, path) of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

async fn routed(dir: &std::path::Path) -> Vec<ApiRoute> {
    write_dist(&dir.join("dist"));
    let db = db_target(dir);
    let app = beatbook_server::http::server::App::open(&db, &dir.join("dist"))
        .await
        .unwrap();
    app.routes().to_vec()
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_with_its_methods_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let routes = routed(dir.path()).await;
    let routed: BTreeSet<(String, String)> = routes
        .iter()
        .map(|r| (r.method.to_owned(), r.full_path()))
        .collect();
    assert_eq!(routed.len(), routes.len(), "a route is listed twice");
    let documented = documented();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routed but not documented: {missing:?}");
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");
}

/// The list is the router's own: each listed method and path reaches a
/// handler (not the API's 404 or 405 fallback).
#[tokio::test]
async fn every_listed_route_is_answered_by_the_router_with_that_method() {
    let server = TestServer::start().await;
    let routes = {
        let dir = tempfile::tempdir().unwrap();
        routed(dir.path()).await
    };
    let shift = "5f8a0000-0000-4000-8000-000000000001";
    for route in &routes {
        let url = format!(
            "{}{}",
            server.base,
            route.full_path().replace("{shift_id}", shift)
        );
        let method = reqwest::Method::from_bytes(route.method.as_bytes()).unwrap();
        let res = client().request(method, &url).send().await.unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_ne!(status, 405, "{route:?} is not routed with its method");
        assert!(
            !(status == 404 && body["message"] == "no such API endpoint"),
            "{route:?} is not routed"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_needs_no_sign_in() {
    let server = TestServer::start().await;
    let res = client()
        .get(format!("{}/api/v1/openapi.json", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let served: Value = res.json().await.unwrap();
    let generated = serde_json::to_value(openapi::document()).unwrap();
    assert_eq!(served, generated);
    assert_eq!(served["openapi"], "3.1.0");
    server.stop().await;
}

/// Every `$ref` names a schema the document holds (utoipa does not collect
/// a schema that only a query parameter refers to; schemathesis found one).
#[test]
fn every_reference_in_the_document_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in found {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling reference {r}"
        );
    }
}

#[test]
fn the_record_schemas_name_each_kind_by_its_wire_code() {
    use beatbook_core::RecordKind;
    let doc = serde_json::to_value(openapi::document()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let mut tags: Vec<String> = schemas["Record"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|one| one["required"][0].as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    let mut codes: Vec<String> = RecordKind::ALL
        .iter()
        .map(|k| k.code().to_owned())
        .collect();
    codes.sort();
    assert_eq!(
        tags, codes,
        "a record is {{\"<code>\": {{...}}}} on the wire"
    );
    let mut kinds: Vec<String> = schemas["RecordKind"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, codes);
}
