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
