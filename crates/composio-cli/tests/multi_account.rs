//! `composio connect --alias`, `accounts list` with aliases, `accounts alias` and
//! `accounts revoke` on the embedded server.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;

fn composio(data_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("composio").unwrap();
    cmd.env_remove("COMPOSIO_API_KEY")
        .env_remove("COMPOSIO_BASE_URL")
        .env_remove("COMPOSIO_SERVER_API_KEY")
        .arg("--data-dir")
        .arg(data_dir);
    cmd
}

/// `composio connect <toolkit> --user <user> --alias <alias> --json`, approved in the sandbox;
/// returns the printed JSON.
async fn connect(data_dir: &Path, toolkit: &str, user: &str, alias: &str) -> serde_json::Value {
    let bin = assert_cmd::cargo::cargo_bin("composio");
    let mut child = StdCommand::new(bin)
        .env_remove("COMPOSIO_API_KEY")
        .env_remove("COMPOSIO_BASE_URL")
        .env_remove("COMPOSIO_SERVER_API_KEY")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["connect", toolkit, "--user", user, "--alias", alias])
        .args(["--json", "--timeout", "60s"])
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
    composio_server::sandbox::Browser::new()
        .unwrap()
        .approve(&link)
        .await
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

fn json(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout(cmd)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gmail_accounts_with_aliases_renamed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let work = connect(dir.path(), "gmail", "cli_multi", "work").await;
    assert_eq!(work["status"], "ACTIVE", "{work}");
    assert_eq!(work["alias"], "work", "{work}");
    assert!(
        work["word_id"].as_str().unwrap().starts_with("gmail_"),
        "{work}"
    );
    let home = connect(dir.path(), "gmail", "cli_multi", "home").await;
    assert_eq!(home["alias"], "home", "{home}");
    let (work_id, home_id) = (
        work["connected_account_id"].as_str().unwrap().to_owned(),
        home["connected_account_id"].as_str().unwrap().to_owned(),
    );
    assert_ne!(work_id, home_id);

    // A taken alias (compared without case) is refused before any link is shown.
    composio(dir.path())
        .args(["connect", "gmail", "--user", "cli_multi", "--alias", "WORK"])
        .args(["--timeout", "5s"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("alias"));

    // The table shows both aliases.
    let table = stdout(composio(dir.path()).args(["accounts", "list", "--user", "cli_multi"]));
    assert!(table.contains("ALIAS"), "{table}");
    for (id, alias) in [(&work_id, "work"), (&home_id, "home")] {
        let row = table.lines().find(|l| l.contains(id.as_str())).unwrap();
        assert!(row.split_whitespace().any(|c| c == alias), "{row}");
    }

    // Rename, then clear.
    let out = stdout(composio(dir.path()).args(["accounts", "alias", &home_id, "personal"]));
    assert!(out.contains("is now personal"), "{out}");
    let got = json(composio(dir.path()).args(["accounts", "get", &home_id, "--json"]));
    assert_eq!(got["alias"], "personal", "{got}");
    let got = stdout(composio(dir.path()).args(["accounts", "get", &home_id]));
    assert!(got.contains("alias:         personal"), "{got}");
    composio(dir.path())
        .args(["accounts", "alias", &home_id, "Work"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("alias"));
    let cleared = json(composio(dir.path()).args(["accounts", "alias", &home_id, "", "--json"]));
    assert_eq!(cleared["alias"], serde_json::Value::Null, "{cleared}");
    let got = json(composio(dir.path()).args(["accounts", "get", &home_id, "--json"]));
    assert!(got.get("alias").is_none_or(|a| a.is_null()), "{got}");

    // Revoke: REVOKED, tokens revoked at the provider; again: nothing left to revoke.
    let out = stdout(composio(dir.path()).args(["accounts", "revoke", &work_id]));
    assert!(out.contains("revoked (REVOKED)"), "{out}");
    assert!(out.contains("access_token"), "{out}");
    let got = json(composio(dir.path()).args(["accounts", "get", &work_id, "--json"]));
    assert_eq!(got["status"], "REVOKED", "{got}");
    let again = json(composio(dir.path()).args(["accounts", "revoke", &work_id, "--json"]));
    assert_eq!(again["revoked_tokens"], serde_json::json!([]), "{again}");
    assert_eq!(again["connected_account"]["status"], "REVOKED", "{again}");

    composio(dir.path())
        .args(["accounts", "revoke", "ca_doesnotexist"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not found"));
}
