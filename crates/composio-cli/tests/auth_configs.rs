//! `composio auth-configs create|list|get|delete` against composio-server.

use std::process::Command;

use serde_json::Value;

fn composio(server: &composio_server::ServerHandle) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("composio"));
    cmd.env("COMPOSIO_API_KEY", server.api_key().unwrap())
        .env("COMPOSIO_BASE_URL", server.url())
        .env_remove("COMPOSIO_SERVER_API_KEY")
        .env_remove("COMPOSIO_AUTH_CONFIG_CLIENT_SECRET");
    cmd
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn create_list_get_and_delete() {
    let server = composio_server::spawn(composio_server::Config::default())
        .await
        .unwrap();
    let created = json_of(
        composio(&server)
            .args(["auth-configs", "create", "github", "--client-id", "Iv1.cli"])
            .args([
                "--scopes",
                "repo,read:user",
                "--authorize-param",
                "prompt=consent",
                "--json",
            ])
            .env("COMPOSIO_AUTH_CONFIG_CLIENT_SECRET", "cli-secret"),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["type"], "custom");
    assert_eq!(created["credentials"]["client_id"], "Iv1.cli");
    assert_eq!(
        created["credentials"]["authorize_params"]["prompt"],
        "consent"
    );
    assert!(!created.to_string().contains("cli-secret"));

    let listed =
        json_of(composio(&server).args(["auth-configs", "list", "--toolkit", "github", "--json"]));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id.as_str()), "{listed}");

    let out = composio(&server)
        .args(["auth-configs", "get", &id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("redirect_uri: ") && text.contains("/oauth/callback"),
        "{text}"
    );
    assert!(!text.contains("cli-secret"), "{text}");

    let out = composio(&server)
        .args(["auth-configs", "delete", &id])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = composio(&server)
        .args(["auth-configs", "get", &id])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "a deleted config is an API error"
    );
}
