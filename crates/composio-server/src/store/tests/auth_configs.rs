//! The auth config part of the store: the seed is idempotent and replaces only the client,
//! lists filter and page, and a config used by an account cannot be deleted.

use std::collections::BTreeMap;

use super::*;

fn row(id: &str, toolkit: &str, kind: AuthConfigKind) -> AuthConfigRow {
    AuthConfigRow {
        id: id.into(),
        project_id: "prj_ac".into(),
        toolkit: toolkit.into(),
        name: format!("{toolkit} config"),
        kind,
        auth_scheme: "OAUTH2".into(),
        client_id: Some("client-1".into()),
        client_secret: Some(b"sealed".to_vec()),
        scopes: vec!["repo".into()],
        authorize_params: BTreeMap::from([("prompt".into(), "consent".into())]),
        enabled: true,
        created_at: 0,
        updated_at: 0,
    }
}

async fn seed_is_idempotent_and_replaces_only_the_client(h: &dyn Harness) {
    let s = h.store();
    let mut seed = row("ac_seed", "gmail", AuthConfigKind::Default);
    s.seed_auth_config(&seed).await.expect("seed");
    s.seed_auth_config(&seed).await.expect("seed again");
    // The operator renamed it and changed its scopes through the API.
    let mut edited = s
        .auth_config("prj_ac", "ac_seed")
        .await
        .expect("get")
        .expect("row");
    edited.name = "Renamed".into();
    edited.scopes = vec!["email".into()];
    assert!(s.update_auth_config(&edited).await.expect("update"));
    // A restart with a new client in the configuration.
    seed.client_id = Some("client-2".into());
    s.seed_auth_config(&seed).await.expect("reseed");
    let got = s
        .auth_config("prj_ac", "ac_seed")
        .await
        .expect("get")
        .expect("row");
    assert_eq!(got.client_id.as_deref(), Some("client-2"));
    assert_eq!(got.name, "Renamed");
    assert_eq!(got.scopes, vec!["email".to_owned()]);
    assert_eq!(got.kind, AuthConfigKind::Default);
    assert!(s
        .auth_config("other", "ac_seed")
        .await
        .expect("get")
        .is_none());
}

async fn lists_filter_and_page(h: &dyn Harness) {
    let s = h.store();
    h.clock().advance(Duration::from_millis(1));
    s.insert_auth_config(&row("ac_c1", "github", AuthConfigKind::Custom))
        .await
        .expect("insert");
    h.clock().advance(Duration::from_millis(1));
    let mut off = row("ac_c2", "github", AuthConfigKind::Custom);
    off.enabled = false;
    s.insert_auth_config(&off).await.expect("insert");
    assert!(matches!(
        s.insert_auth_config(&off).await,
        Err(StoreError::Conflict(_))
    ));
    let all = |f: AuthConfigFilter| async move {
        let (rows, total) = s.list_auth_configs("prj_ac", &f).await.expect("list");
        (rows.into_iter().map(|r| r.id).collect::<Vec<_>>(), total)
    };
    let page = AuthConfigFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        all(page.clone()).await,
        (vec!["ac_seed".into(), "ac_c1".into()], 2)
    );
    let github = AuthConfigFilter {
        toolkits: vec!["github".into()],
        show_disabled: true,
        ..page.clone()
    };
    assert_eq!(
        all(github.clone()).await,
        (vec!["ac_c1".into(), "ac_c2".into()], 2)
    );
    let second = AuthConfigFilter {
        offset: 1,
        limit: 1,
        ..github
    };
    assert_eq!(all(second).await, (vec!["ac_c2".into()], 2));
    let managed = AuthConfigFilter {
        managed: Some(true),
        show_disabled: true,
        ..page.clone()
    };
    assert_eq!(all(managed).await, (vec!["ac_seed".into()], 1));
    let custom = AuthConfigFilter {
        managed: Some(false),
        show_disabled: true,
        ..page
    };
    assert_eq!(all(custom).await.1, 2);
}

async fn a_used_config_is_not_deleted(h: &dyn Harness) {
    let s = h.store();
    let mut new = new_connection("ac-user");
    new.project_id = "prj_ac".into();
    new.auth_config_id = "ac_c1".into();
    let conn = created(s.create_connection(&new).await.expect("create"));
    assert_eq!(
        s.delete_auth_config("prj_ac", "ac_c1")
            .await
            .expect("delete"),
        AuthConfigDeletion::InUse(1)
    );
    assert!(s
        .auth_config("prj_ac", "ac_c1")
        .await
        .expect("get")
        .is_some());
    let counts = s
        .auth_config_connections("prj_ac", &["ac_c1".into(), "ac_c2".into()])
        .await
        .expect("counts");
    assert!(
        counts.is_empty(),
        "an INITIATED account is not a connection"
    );
    s.delete_account("prj_ac", &conn.account.id)
        .await
        .expect("delete account");
    assert_eq!(
        s.delete_auth_config("prj_ac", "ac_c1")
            .await
            .expect("delete"),
        AuthConfigDeletion::Deleted
    );
    assert_eq!(
        s.delete_auth_config("prj_ac", "ac_c1")
            .await
            .expect("delete"),
        AuthConfigDeletion::NotFound
    );
}

pub(super) async fn conformance(h: &dyn Harness) {
    seed_is_idempotent_and_replaces_only_the_client(h).await;
    lists_filter_and_page(h).await;
    a_used_config_is_not_deleted(h).await;
}
