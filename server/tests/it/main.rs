//! The server's integration tests, one binary (linking the server once, not
//! once per file). Each module starts real servers through `common`.

mod common;

mod api;
mod api_diff_cli;
mod apis;
mod architecture;
mod backstage_client;
mod cardinality;
mod connections;
mod core_join;
mod crash;
mod deploys;
mod errors;
mod graph_view;
mod instrumentation;
mod live;
mod openapi;
mod outage;
mod python_sdk;
mod readme;
mod registration;
mod replicas;
mod scorecards;
mod self_telemetry;
mod serve_cli;
mod slos;
mod store;
mod tls;
mod validate_cli;
mod web;
