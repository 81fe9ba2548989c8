//! TLS on every listener: the real binary with a self-signed certificate,
//! the Python SDK exporting over OTLP/gRPC and OTLP/HTTP with TLS, and the
//! web port answering HTTPS only.

use std::time::Duration;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn every_listener_speaks_tls_and_the_python_sdk_exports_over_it() {
    let dir = tempfile::tempdir().unwrap();
    // A CA and a certificate it signed for 127.0.0.1 (OpenSSL, under the
    // Python SDK, trusts a CA, not a bare self-signed leaf).
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Meridian test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap()).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    let (ca_file, cert, key) = (dir.path().join("ca.pem"), dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    let meridian =
        Process::spawn(&["--tls-cert", &cert.display().to_string(), "--tls-key", &key.display().to_string(), "--flush-interval-ms", "200"]);
    let base = meridian.base.replace("http://", "https://");
    let trusted = reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder().add_root_certificate(trusted).timeout(Duration::from_secs(5)).build().unwrap();
    let mut up = false;
    for _ in 0..300 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the web port answers over TLS");
    // Plain HTTP on a TLS port gets no answer.
    let plain = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap();
    assert!(plain.get(format!("{}/healthz", meridian.base)).send().await.is_err());

    let Some(python) = test_venv("python") else { return };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/send_call.py");
    let grpc = meridian.otlp_grpc.clone();
    let http = meridian.otlp_http.clone();
    let ca_file = ca_file.display().to_string();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([
                "--grpc",
                &grpc,
                "--http",
                &http,
                "--ca",
                &ca_file,
                "--caller",
                "tls-grpc-client",
                "--callee",
                "tls-http-server",
                "--calls",
                "3",
            ])
            // requests lets these override the exporter's own CA file (psf/requests#3829).
            .env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE")
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // The call, paired from both transports, read back over HTTPS.
    let mut found = None;
    for _ in 0..100 {
        let graph: serde_json::Value = client.get(format!("{base}/api/v1/graph?window=5m")).send().await.unwrap().json().await.unwrap();
        found = graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["source"] == "service:tls-grpc-client" && e["target"] == "service:tls-http-server")
            .cloned();
        if found.as_ref().is_some_and(|e| e["requests"] == 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.map(|e| e["requests"].clone()), Some(serde_json::json!(3)), "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn a_missing_or_unreadable_certificate_is_refused_at_start_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    let missing = dir.path().join("missing.pem");
    for (cert, key, flag) in [(&missing, &garbage, "--tls-cert"), (&garbage, &garbage, "--tls-cert")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
            .args(["serve", "--database-url", &format!("sqlite://{}/m.db", dir.path().display())])
            .args(["--addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--otlp-http-addr", "127.0.0.1:0"])
            .args(["--tls-cert", &cert.display().to_string(), "--tls-key", &key.display().to_string()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(flag), "{stderr}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meridian")).args(["serve", "--tls-cert", "x.pem"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "--tls-cert needs --tls-key");
}
