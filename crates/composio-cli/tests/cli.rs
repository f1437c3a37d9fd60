//! End-to-end tests of the `composio` binary on its embedded server.

use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;

fn composio(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("composio").unwrap();
    cmd.env_remove("COMPOSIO_API_KEY")
        .env_remove("COMPOSIO_BASE_URL")
        .env_remove("COMPOSIO_SERVER_API_KEY")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

#[test]
fn demo_walks_through_the_documented_flows() {
    let out = Command::cargo_bin("composio")
        .unwrap()
        .env_remove("COMPOSIO_API_KEY")
        .arg("demo")
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("automated"),
        "says the click is automated:\n{stdout}"
    );
    assert!(
        stdout.contains("sandbox"),
        "says it runs on the sandbox:\n{stdout}"
    );
    assert!(stdout.contains("ACTIVE"), "{stdout}");
    assert!(
        stdout.contains("status=success&connected_account_id=ca_"),
        "callback URL with status and id:\n{stdout}"
    );
    assert!(
        stdout.contains("user_id=user_123&source=onboarding&status=success"),
        "{stdout}"
    );
    assert!(
        stdout.contains("All toolkits connected! MCP URL: http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(stdout.contains("/mcp"), "{stdout}");
}

fn status_json(data_dir: &std::path::Path, user: &str) -> serde_json::Value {
    let out = composio(data_dir)
        .args([
            "status",
            "--user",
            user,
            "--toolkits",
            "gmail,github",
            "--json",
        ])
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn gmail_connected(status: &serde_json::Value) -> bool {
    status
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "gmail")
        .map(|t| t["connected"].as_bool().unwrap())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_json_waits_for_the_approval_and_status_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let before = status_json(dir.path(), "cli_user");
    assert!(!gmail_connected(&before), "{before}");
    assert_eq!(before.as_array().unwrap().len(), 2, "{before}");

    let bin = assert_cmd::cargo::cargo_bin("composio");
    let mut child = StdCommand::new(bin)
        .env_remove("COMPOSIO_API_KEY")
        .env_remove("COMPOSIO_SERVER_API_KEY")
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "connect",
            "gmail",
            "--user",
            "cli_user",
            "--json",
            "--timeout",
            "60s",
        ])
        .args(["--callback-url", "https://app.example.com/done?from=cli"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let link = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        loop {
            let line = lines.next().expect("stderr ended before the link")?;
            if let Some(link) = line.strip_prefix("Connect Link: ") {
                return Ok::<_, std::io::Error>(link.to_owned());
            }
        }
    })
    .await
    .unwrap()
    .unwrap();
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");

    let browser = composio_server::sandbox::Browser::new().unwrap();
    let landed = browser.approve(&link).await.unwrap();
    assert!(
        landed.starts_with(
            "https://app.example.com/done?from=cli&status=success&connected_account_id=ca_"
        ),
        "{landed}"
    );

    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["status"], "ACTIVE");
    assert_eq!(json["toolkit"], "gmail");
    let id = json["connected_account_id"].as_str().unwrap();
    assert!(landed.ends_with(id), "{landed} vs {id}");

    let after = status_json(dir.path(), "cli_user");
    assert!(gmail_connected(&after), "{after}");

    // The account is listed and can be disabled and enabled again.
    let out = composio(dir.path())
        .args(["accounts", "list", "--user", "cli_user", "--json"])
        .assert()
        .success();
    let list: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        list.as_array().unwrap().iter().any(|a| a["id"] == id),
        "{list}"
    );
    composio(dir.path())
        .args(["accounts", "disable", id])
        .assert()
        .success();
    let out = composio(dir.path())
        .args(["accounts", "get", id, "--json"])
        .assert()
        .success();
    let got: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(got["status"], "INACTIVE", "{got}");
    composio(dir.path())
        .args(["accounts", "enable", id])
        .assert()
        .success();
    composio(dir.path())
        .args(["accounts", "delete", id])
        .assert()
        .success();
    composio(dir.path())
        .args(["accounts", "get", id])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not found"));
}

#[test]
fn unknown_toolkit_is_one_line_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    composio(dir.path())
        .args(["connect", "gmial", "--user", "u1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("error: "))
        .stderr(predicate::str::contains("gmial"))
        .stderr(predicate::str::contains("hint: "))
        .stderr(predicate::str::contains("gmail"));
}

#[test]
fn short_timeout_exits_with_the_timeout_code() {
    let dir = tempfile::tempdir().unwrap();
    composio(dir.path())
        .args(["connect", "github", "--user", "u1", "--timeout", "1s"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("did not finish connecting"));
}

#[test]
fn short_timeout_in_json_mode_prints_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = composio(dir.path())
        .args([
            "connect",
            "github",
            "--user",
            "u1",
            "--timeout",
            "1s",
            "--json",
        ])
        .assert()
        .code(5);
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["exit_code"], 5);
}

#[test]
fn bad_flag_is_a_usage_error() {
    Command::cargo_bin("composio")
        .unwrap()
        .args(["connect", "gmail", "--usr", "u1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--usr"));
    Command::cargo_bin("composio")
        .unwrap()
        .args(["connect", "gmail", "--user", "u1", "--timeout", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a duration"));
}

#[test]
fn help_documents_exit_codes() {
    Command::cargo_bin("composio")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("timed out waiting"));
}

#[test]
fn hosted_api_without_reachable_server_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Command::cargo_bin("composio")
        .unwrap()
        .env("COMPOSIO_API_KEY", "ck_test")
        .env("COMPOSIO_BASE_URL", format!("http://127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["status", "--user", "u1"])
        .assert()
        .code(6)
        .stderr(predicate::str::contains("could not reach"))
        .stderr(predicate::str::contains("hint:"));
}

#[test]
fn plain_http_to_a_remote_host_needs_an_explicit_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("composio")
        .unwrap()
        .env("COMPOSIO_API_KEY", "ck_test")
        .env("COMPOSIO_BASE_URL", "http://composio.example.com")
        .env_remove("COMPOSIO_ALLOW_INSECURE_HTTP")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["status", "--user", "u1"])
        .assert()
        .code(7)
        .stderr(predicate::str::contains("plain http"))
        .stderr(predicate::str::contains("COMPOSIO_ALLOW_INSECURE_HTTP"));
}

#[test]
fn toolkits_list_and_get() {
    let dir = tempfile::tempdir().unwrap();
    let out = composio(dir.path()).arg("toolkits").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("SERVER APP"), "{stdout}");
    assert!(
        stdout.contains("gmail") && stdout.contains("hackernews"),
        "{stdout}"
    );
    let out = composio(dir.path())
        .args(["toolkits", "get", "serpapi"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("API_KEY connection fields: api_key"),
        "{stdout}"
    );
    let out = composio(dir.path())
        .args(["toolkits", "list", "--category", "email", "--json"])
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json[0]["slug"], "gmail");
    composio(dir.path())
        .args(["toolkits", "get", "gmial"])
        .assert()
        .code(3);
}
