//! `meridian serve` refuses bad configuration at start, naming the flag (or
//! its environment variable's flag) and the value; nothing is clamped.

use std::process::Command;

/// Runs `meridian serve` with `args` and `env` on ephemeral ports; exit code and stderr.
fn serve(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/m.db", dir.path().display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_meridian"));
    command.arg("serve").args(["--database-url", &database, "--addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0"]);
    command.args(["--otlp-http-addr", "127.0.0.1:0"]).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run meridian");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn out_of_range_numbers_are_refused_with_the_flag_and_value() {
    for (flag, value) in [
        ("--flush-interval-ms", "5"),
        ("--max-pending-spans", "0"),
        ("--pairing-window-ms", "0"),
        ("--url-refresh-secs", "0"),
        ("--minute-retention-hours", "0"),
        ("--hour-retention-days", "0"),
        ("--max-in-flight-bytes", "0"),
        ("--max-otlp-body-bytes", "0"),
        ("--slo-interval-secs", "0"),
    ] {
        let (code, stderr) = serve(&[flag, value], &[]);
        assert_eq!(code, 2, "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(&format!("'{value}'")), "{flag} {value}: {stderr}");
    }
    let (code, stderr) = serve(&[], &[("MERIDIAN_FLUSH_INTERVAL_MS", "1")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--flush-interval-ms") && stderr.contains("'1'"), "{stderr}");
}

#[test]
fn a_sample_rate_attribute_that_is_a_convention_or_empty_is_refused() {
    for value in ["http.route", ""] {
        let (code, stderr) = serve(&["--sample-rate-attribute", value], &[]);
        assert_eq!(code, 2, "{value}: {stderr}");
        assert!(stderr.contains("--sample-rate-attribute") && stderr.contains(&format!("'{value}'")), "{value}: {stderr}");
    }
    let (code, stderr) = serve(&[], &[("MERIDIAN_SAMPLE_RATE_ATTRIBUTE", "server.address")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a semantic-convention attribute, not a sample rate"), "{stderr}");
}

#[test]
fn bad_hosts_and_urls_are_refused_before_anything_starts() {
    let (code, stderr) = serve(&["--allow-url-host", "https://git.example/"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--allow-url-host") && stderr.contains("https://git.example/"), "{stderr}");
    let (code, stderr) = serve(&["--demo-fleet", "ftp://fleet"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--demo-fleet `ftp://fleet` must be an http(s) URL"), "{stderr}");
    let (code, stderr) = serve(&["--alert-webhook", "ftp://hooks"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("--alert-webhook: `ftp://hooks` is not an http or https URL"), "{stderr}");
}

#[test]
fn unreadable_or_empty_token_files_are_refused_naming_the_flag() {
    let (code, stderr) = serve(&["--api-token-file", "/nonexistent/tokens"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--api-token-file") && stderr.contains("/nonexistent/tokens") && stderr.contains("cannot read it"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("tokens");
    std::fs::write(&empty, "# none yet\n\n").unwrap();
    let (code, stderr) = serve(&["--otlp-token-file", &empty.display().to_string()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--otlp-token-file") && stderr.contains("holds no token"), "{stderr}");
}

/// Tokens from files authorise writes and OTLP exports like `--api-token`
/// and `--otlp-token`, and never appear on the command line.
#[tokio::test]
async fn tokens_from_files_authorise_writes_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let (api, otlp) = (dir.path().join("api-tokens"), dir.path().join("otlp-tokens"));
    std::fs::write(&api, "# rotated monthly\nfrom-a-file\n").unwrap();
    std::fs::write(&otlp, "exporter-secret\n").unwrap();
    let meridian =
        crate::common::Process::spawn(&["--api-token-file", &api.display().to_string(), "--otlp-token-file", &otlp.display().to_string()]);
    meridian.ready().await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/catalog/locations", meridian.base);
    let body = serde_json::json!({"type": "file", "target": "relative/path"});
    let anonymous = client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    // Authorised (any case of the scheme); then refused for the relative path.
    let authorised = client.post(&url).header("authorization", "bearer from-a-file").json(&body).send().await.unwrap();
    assert_eq!(authorised.status(), 400);
    let traces = format!("http://{}/v1/traces", meridian.otlp_http);
    let export = |token: Option<&str>| {
        let request = client.post(&traces).header("content-type", "application/json").body("{}");
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    assert_eq!(export(None).send().await.unwrap().status(), 401);
    assert_eq!(export(Some("exporter-secret")).send().await.unwrap().status(), 200);
}

/// Starts `meridian serve` (on ephemeral ports, with `env`), reads its log
/// until it says it is up, stops it: (stderr so far, stdout).
fn start_up_output(env: &[(&str, &std::ffi::OsStr)]) -> (String, String) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/m.db", dir.path().display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_meridian"));
    command
        .arg("serve")
        .args(["--database-url", &database, "--addr", "127.0.0.1:0", "--otlp-grpc-addr", "127.0.0.1:0", "--otlp-http-addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run meridian");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut logged = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap_or(0) > 0 {
        logged.push_str(&line);
        if line.contains("Meridian is up") {
            break;
        }
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let mut printed = String::new();
    child.stdout.take().unwrap().read_to_string(&mut printed).unwrap();
    (logged, printed)
}

/// Logs go to stderr, plain when stderr is not a terminal; stdout stays
/// for what a command answers.
#[test]
fn logs_go_to_stderr_without_colours_when_redirected() {
    let (logged, printed) = start_up_output(&[]);
    assert!(logged.contains("Meridian is up"), "the start is logged on stderr: {logged}");
    assert!(!logged.contains('\u{1b}'), "no colour codes in a redirected log: {logged:?}");
    assert_eq!(printed, "", "nothing logged on stdout");
}

/// Started where the web app's files are not, Meridian says so at once and
/// how to fix it, instead of serving unstyled pages in silence.
#[test]
fn missing_web_assets_are_warned_about_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("no-site");
    let (logged, _) = start_up_output(&[("LEPTOS_SITE_ROOT", site.as_os_str())]);
    assert!(logged.contains("the web app's files are not in") && logged.contains("--site-root"), "{logged}");
}
