//! Behaviour every [`Store`] backend must have, written once against the trait and run for
//! each backend: units of work commit whole or not at all (checked by injecting a database
//! failure between their writes), status changes are conditional, time comes from the
//! injected clock.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use composio_core::ConnectionStatus;

use super::*;
use crate::catalog::AuthScheme;
use crate::clock::{Clock, ManualClock};
use crate::testing::{postgres_database, TestDatabase};

mod auth_configs;
mod group_commit;
mod webhooks;

/// A statement of a unit of work that the harness makes the database refuse.
#[derive(Debug, Clone, Copy)]
enum FailPoint {
    /// Inserting a link (the second write of `create_connection`).
    InsertLink,
    /// Updating an account (the second write of `complete_link`).
    UpdateAccount,
    /// Deleting an account (the second write of `delete_account`).
    DeleteAccount,
    /// Inserting a webhook delivery (the outbox write of a status change).
    InsertDelivery,
}

#[async_trait]
trait Harness: Send + Sync {
    fn store(&self) -> &dyn Store;
    fn clock(&self) -> &ManualClock;
    async fn fail_on(&self, point: FailPoint);
    async fn heal(&self);
}

struct Sqlite {
    store: SqliteStore,
    clock: Arc<ManualClock>,
}

impl Sqlite {
    async fn new() -> Self {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let store = SqliteStore::memory(clock.clone()).await.expect("store");
        Self { store, clock }
    }
}

#[async_trait]
impl Harness for Sqlite {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn clock(&self) -> &ManualClock {
        &self.clock
    }

    async fn fail_on(&self, point: FailPoint) {
        let (when, table) = match point {
            FailPoint::InsertLink => ("INSERT", "links"),
            FailPoint::UpdateAccount => ("UPDATE", "connected_accounts"),
            FailPoint::DeleteAccount => ("DELETE", "connected_accounts"),
            FailPoint::InsertDelivery => ("INSERT", "webhook_deliveries"),
        };
        let sql = format!(
            "CREATE TRIGGER injected_failure BEFORE {when} ON {table} \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        );
        sqlx::raw_sql(&sql)
            .execute(self.store.pool())
            .await
            .expect("trigger");
    }

    async fn heal(&self) {
        sqlx::raw_sql("DROP TRIGGER IF EXISTS injected_failure")
            .execute(self.store.pool())
            .await
            .expect("drop trigger");
    }
}

/// A fresh PostgreSQL database per test ([`crate::testing`] decides what happens when
/// PostgreSQL is not reachable).
struct Postgres {
    // Dropped in this order: the pool closes before the database is dropped.
    store: PgStore,
    clock: Arc<ManualClock>,
    _db: TestDatabase,
}

impl Postgres {
    async fn new() -> Option<Self> {
        let db = postgres_database().await?;
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let store = pg_connect(&db, clock.clone()).await.expect("store");
        Some(Self {
            store,
            clock,
            _db: db,
        })
    }
}

async fn pg_connect(db: &TestDatabase, clock: crate::clock::SharedClock) -> StoreResult<PgStore> {
    let options = postgres::connect_options(db.url()).expect("url");
    PgStore::connect(options, 4, clock).await
}

#[async_trait]
impl Harness for Postgres {
    fn store(&self) -> &dyn Store {
        &self.store
    }

    fn clock(&self) -> &ManualClock {
        &self.clock
    }

    async fn fail_on(&self, point: FailPoint) {
        let (when, table) = match point {
            FailPoint::InsertLink => ("INSERT", "links"),
            FailPoint::UpdateAccount => ("UPDATE", "connected_accounts"),
            FailPoint::DeleteAccount => ("DELETE", "connected_accounts"),
            FailPoint::InsertDelivery => ("INSERT", "webhook_deliveries"),
        };
        let sql = format!(
            "CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; \
             CREATE TRIGGER injected_failure BEFORE {when} ON {table} \
             FOR EACH ROW EXECUTE FUNCTION injected_failure();"
        );
        sqlx::raw_sql(&sql)
            .execute(self.store.pool())
            .await
            .expect("trigger");
    }

    async fn heal(&self) {
        sqlx::raw_sql(
            "DROP TRIGGER IF EXISTS injected_failure ON links; \
             DROP TRIGGER IF EXISTS injected_failure ON connected_accounts; \
             DROP TRIGGER IF EXISTS injected_failure ON webhook_deliveries;",
        )
        .execute(self.store.pool())
        .await
        .expect("drop trigger");
    }
}

const TTL: Duration = Duration::from_secs(600);

fn new_connection(user: &str) -> NewConnection {
    NewConnection {
        account_id: crate::ids::account(),
        link_token: crate::ids::link_token(),
        project_id: "prj_test".into(),
        user_id: user.into(),
        toolkit: "gmail".into(),
        auth_config_id: "ac_test".into(),
        auth_scheme: AuthScheme::OAuth2,
        callback_url: Some("https://app.example.com/cb".into()),
        ttl: TTL,
        alias: None,
        word_id: crate::alias::word_id("gmail") + &crate::ids::link_token(),
        idempotency: None,
    }
}

/// The connection of a [`Created`] that must have succeeded.
fn created(c: Created) -> Connection {
    match c {
        Created::Connection(c) => *c,
        other => panic!("expected a connection, got {other:?}"),
    }
}

fn connected(secret: &str) -> Completion {
    Completion::Connected {
        credentials: secret.as_bytes().to_vec(),
        info: Some(r#"{"email":"a@example.com"}"#.into()),
    }
}

async fn connect(h: &dyn Harness, user: &str) -> Connection {
    created(
        h.store()
            .create_connection(&new_connection(user))
            .await
            .expect("create"),
    )
}

async fn status_of(h: &dyn Harness, id: &str) -> Option<ConnectionStatus> {
    h.store()
        .get_account_any(id)
        .await
        .expect("read")
        .map(|a| a.status)
}

async fn creates_and_completes_a_connection(h: &dyn Harness) {
    let now = h.clock().now_ms();
    let c = connect(h, "u1").await;
    assert_eq!(c.account.status, ConnectionStatus::Initiated);
    assert_eq!(c.account.created_at, now);
    assert_eq!(c.link.expires_at, now + 600_000);
    let link = link_of(h, &c.link.token).await;
    assert!(link.is_some_and(|l| !l.used && l.account_id == c.account.id));

    h.clock().advance(Duration::from_secs(1));
    let done = h
        .store()
        .complete_link(&c.link.token, &connected("s1"), "expired")
        .await
        .expect("complete");
    let Completed::Applied(a) = done else {
        panic!("not applied: {done:?}")
    };
    assert_eq!(a.status, ConnectionStatus::Active);
    assert_eq!(a.credentials.as_deref(), Some(&b"s1"[..]));
    assert_eq!(a.credentials_version, 1);
    assert_eq!(a.updated_at, now + 1000);
    let link = link_of(h, &c.link.token).await;
    assert!(link.is_some_and(|l| l.used));

    // A second completion (a replayed callback) changes nothing.
    let again = h
        .store()
        .complete_link(&c.link.token, &Completion::Failed("late".into()), "expired")
        .await
        .expect("complete");
    assert!(matches!(again, Completed::LinkUsed), "{again:?}");
    assert_eq!(
        status_of(h, &c.account.id).await,
        Some(ConnectionStatus::Active)
    );
}

async fn an_expired_link_never_activates(h: &dyn Harness) {
    // Completed after the expiry, before any sweep: the completion itself expires it.
    let c = connect(h, "u2").await;
    h.clock().advance(TTL);
    let done = h
        .store()
        .complete_link(&c.link.token, &connected("s"), "too late")
        .await
        .expect("complete");
    let Completed::Expired(a) = done else {
        panic!("not expired: {done:?}")
    };
    assert_eq!(a.status, ConnectionStatus::Expired);
    assert_eq!(a.status_reason.as_deref(), Some("too late"));
    assert!(a.credentials.is_none());

    // Swept first, completed afterwards: still expired, credentials never stored.
    let c = connect(h, "u3").await;
    h.clock().advance(TTL + Duration::from_millis(1));
    let swept = h.store().expire_overdue("swept").await.expect("sweep");
    assert_eq!(swept, vec![c.account.id.clone()]);
    let done = h
        .store()
        .complete_link(&c.link.token, &connected("s"), "too late")
        .await
        .expect("complete");
    assert!(
        matches!(&done, Completed::Expired(a) if a.credentials.is_none() && a.status_reason.as_deref() == Some("swept")),
        "{done:?}"
    );
    // A sweep never touches accounts that are not pending.
    assert!(h
        .store()
        .expire_overdue("again")
        .await
        .expect("sweep")
        .is_empty());
}

async fn status_changes_are_conditional(h: &dyn Harness) {
    let c = connect(h, "u4").await;
    let id = c.account.id.as_str();
    let t = h
        .store()
        .apply(id, &AccountEvent::Disabled)
        .await
        .expect("apply");
    assert!(
        matches!(&t, Transition::Rejected(a) if a.status == ConnectionStatus::Initiated),
        "{t:?}"
    );
    h.store()
        .complete_link(&c.link.token, &connected("s"), "x")
        .await
        .expect("complete");
    let t = h
        .store()
        .apply(id, &AccountEvent::Disabled)
        .await
        .expect("apply");
    assert!(
        matches!(&t, Transition::Applied(a) if a.status == ConnectionStatus::Inactive && a.is_disabled),
        "{t:?}"
    );
    let t = h
        .store()
        .apply(id, &AccountEvent::RefreshExhausted("x".into()))
        .await
        .expect("apply");
    assert!(matches!(t, Transition::Rejected(_)), "{t:?}");
    let t = h
        .store()
        .apply(id, &AccountEvent::Enabled)
        .await
        .expect("apply");
    assert!(
        matches!(&t, Transition::Applied(a) if a.is_usable() && a.status_reason.is_none()),
        "{t:?}"
    );
    let t = h
        .store()
        .apply(id, &AccountEvent::RefreshExhausted("gone".into()))
        .await
        .expect("apply");
    assert!(matches!(&t, Transition::Applied(a) if a.status == ConnectionStatus::Expired));
    // EXPIRED is final for activation.
    let t = h
        .store()
        .apply(id, &AccountEvent::Enabled)
        .await
        .expect("apply");
    assert!(matches!(t, Transition::Rejected(_)), "{t:?}");
    let t = h
        .store()
        .apply("ca_missing", &AccountEvent::Enabled)
        .await
        .expect("apply");
    assert!(matches!(t, Transition::NotFound));
}

async fn links_are_claimed_once(h: &dyn Harness) {
    let c = connect(h, "u5").await;
    assert!(matches!(
        h.store().claim_link("nope").await.expect("claim"),
        Claim::Unknown
    ));
    assert!(h
        .store()
        .start_link(&c.link.token, "st5", b"v", None)
        .await
        .expect("start"));
    let first = h.store().claim_link("st5").await.expect("claim");
    assert!(
        matches!(&first, Claim::Claimed(l) if l.pkce_verifier.as_deref() == Some(&b"v"[..])),
        "{first:?}"
    );
    assert!(matches!(
        h.store().claim_link("st5").await.expect("claim"),
        Claim::Taken
    ));
    // A claimed link cannot be restarted.
    assert!(!h
        .store()
        .start_link(&c.link.token, "st6", b"w", None)
        .await
        .expect("start"));
}

async fn refresh_leases_and_versions(h: &dyn Harness) {
    let c = connect(h, "u6").await;
    let id = c.account.id.as_str();
    h.store()
        .complete_link(&c.link.token, &connected("v1"), "x")
        .await
        .expect("complete");
    let ttl = Duration::from_secs(30);
    let Lease::Acquired(a) = h.store().lease_refresh(id, "A", ttl).await.expect("lease") else {
        panic!("A should get the lease")
    };
    assert!(matches!(
        h.store().lease_refresh(id, "B", ttl).await.expect("lease"),
        Lease::Busy
    ));
    // The holder may take its own lease again.
    assert!(matches!(
        h.store().lease_refresh(id, "A", ttl).await.expect("lease"),
        Lease::Acquired(_)
    ));
    // A stale version or a non-holder cannot write.
    assert!(!h
        .store()
        .store_refreshed(id, "A", a.credentials_version + 1, b"x")
        .await
        .expect("store"));
    assert!(!h
        .store()
        .store_refreshed(id, "B", a.credentials_version, b"x")
        .await
        .expect("store"));
    assert!(h
        .store()
        .store_refreshed(id, "A", a.credentials_version, b"v2")
        .await
        .expect("store"));
    let now = h
        .store()
        .get_account_any(id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(now.credentials.as_deref(), Some(&b"v2"[..]));
    assert_eq!(now.credentials_version, a.credentials_version + 1);
    // The write released the lease; an expired lease is free too.
    let Lease::Acquired(_) = h.store().lease_refresh(id, "B", ttl).await.expect("lease") else {
        panic!("B should get the released lease")
    };
    h.clock().advance(ttl);
    assert!(matches!(
        h.store().lease_refresh(id, "C", ttl).await.expect("lease"),
        Lease::Acquired(_)
    ));
    assert!(matches!(
        h.store()
            .lease_refresh("ca_missing", "C", ttl)
            .await
            .expect("lease"),
        Lease::NotFound
    ));
}

async fn units_of_work_are_atomic(h: &dyn Harness) {
    // create_connection: the link insert fails, so no account is left behind.
    h.fail_on(FailPoint::InsertLink).await;
    let new = new_connection("u7");
    assert!(h.store().create_connection(&new).await.is_err());
    h.heal().await;
    assert_eq!(status_of(h, &new.account_id).await, None);

    // complete_link: the account update fails, so the link is not spent.
    let c = created(h.store().create_connection(&new).await.expect("create"));
    h.fail_on(FailPoint::UpdateAccount).await;
    assert!(h
        .store()
        .complete_link(&c.link.token, &connected("s"), "x")
        .await
        .is_err());
    h.heal().await;
    let link = link_of(h, &c.link.token).await;
    assert!(link.is_some_and(|l| !l.used), "the link must not be used");
    assert_eq!(
        status_of(h, &c.account.id).await,
        Some(ConnectionStatus::Initiated)
    );

    // delete_account: the account delete fails, so its link is kept.
    h.fail_on(FailPoint::DeleteAccount).await;
    assert!(h
        .store()
        .delete_account("prj_test", &c.account.id)
        .await
        .is_err());
    h.heal().await;
    assert!(h
        .store()
        .get_link_and_account(&c.link.token)
        .await
        .expect("read")
        .is_some());
    assert!(h
        .store()
        .delete_account("prj_test", &c.account.id)
        .await
        .expect("delete"));
    assert!(h
        .store()
        .get_link_and_account(&c.link.token)
        .await
        .expect("read")
        .is_none());
    assert_eq!(status_of(h, &c.account.id).await, None);
}

async fn lists_and_idempotency(h: &dyn Harness) {
    let mut ids = Vec::new();
    for _ in 0..3 {
        let c = connect(h, "u8").await;
        ids.push(c.account.id);
        h.clock().advance(Duration::from_millis(5));
    }
    let filter = AccountFilter {
        user_ids: vec!["u8".into()],
        statuses: vec![ConnectionStatus::Initiated],
        order: AccountOrder {
            by: composio_core::models::OrderBy::CreatedAt,
            direction: composio_core::models::OrderDirection::Asc,
        },
        limit: 2,
        ..Default::default()
    };
    let page = h
        .store()
        .list_accounts("prj_test", &filter)
        .await
        .expect("list");
    assert_eq!(page.total, 3);
    let got: Vec<_> = page.rows.iter().map(|a| a.id.clone()).collect();
    assert_eq!(got, ids[..2].to_vec());
    let none = AccountFilter {
        statuses: vec![ConnectionStatus::Active],
        user_ids: vec!["u8".into()],
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        h.store()
            .list_accounts("prj_test", &none)
            .await
            .expect("list")
            .total,
        0
    );

    let resp = IdempotentResponse {
        status: 201,
        body: "{}".into(),
    };
    let (ttl, lease) = (Duration::from_secs(60), Duration::from_secs(5));
    let begin = |key: &'static str| h.store().idempotent_begin("prj_test", key, ttl, lease);
    // The first request reserves the key; a concurrent retry finds it in flight.
    assert_eq!(begin("k").await.expect("begin"), Reservation::Run);
    assert_eq!(begin("k").await.expect("begin"), Reservation::InFlight);
    h.store()
        .idempotent_finish("prj_test", "k", &resp)
        .await
        .expect("finish");
    assert_eq!(
        begin("k").await.expect("begin"),
        Reservation::Replay(resp.clone())
    );
    // A failed request gives the key back.
    assert_eq!(begin("failed").await.expect("begin"), Reservation::Run);
    h.store()
        .idempotent_abandon("prj_test", "failed")
        .await
        .expect("abandon");
    assert_eq!(begin("failed").await.expect("begin"), Reservation::Run);
    // A holder that died frees the key when its lease runs out.
    assert_eq!(begin("failed").await.expect("begin"), Reservation::InFlight);
    h.clock().advance(lease);
    assert_eq!(begin("failed").await.expect("begin"), Reservation::Run);
    // A response older than the TTL is forgotten: the key runs again.
    h.clock().advance(ttl + Duration::from_millis(1));
    assert_eq!(begin("k").await.expect("begin"), Reservation::Run);
    h.store()
        .idempotent_finish("prj_test", "k", &resp)
        .await
        .expect("finish");
    h.clock().advance(ttl + Duration::from_millis(1));
    // The response and the reservation its holder never finished are both old now.
    assert_eq!(h.store().idempotent_purge(ttl).await.expect("purge"), 2);
}

async fn projects_keys_and_meta(h: &dyn Harness) {
    let p = h.store().ensure_project("acme").await.expect("project");
    assert_eq!(h.store().ensure_project("acme").await.expect("again"), p);
    h.store().add_api_key(&p, b"hash").await.expect("key");
    h.store().add_api_key(&p, b"hash").await.expect("key twice");
    let keys = h.store().api_keys().await.expect("keys");
    assert_eq!(
        keys,
        vec![ApiKeyRow {
            hash: b"hash".to_vec(),
            project_id: p
        }]
    );
    assert_eq!(h.store().get_meta("m").await.expect("meta"), None);
    assert_eq!(h.store().init_meta("m", b"1").await.expect("init"), b"1");
    assert_eq!(h.store().init_meta("m", b"2").await.expect("init"), b"1");
}

async fn duplicates_are_conflicts(h: &dyn Harness) {
    let s = NewSession {
        id: crate::ids::session(),
        project_id: "prj_test".into(),
        user_id: "u9".into(),
        config: "{}".into(),
    };
    h.store().insert_session(&s).await.expect("insert");
    let again = h.store().insert_session(&s).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let c = connect(h, "u9").await;
    let mut same_link = new_connection("u9");
    same_link.link_token = c.link.token.clone();
    let again = h.store().create_connection(&same_link).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // The unit of work left no account behind.
    assert_eq!(status_of(h, &same_link.account_id).await, None);
}

async fn aliases_and_word_ids_are_unique_per_user_and_toolkit(h: &dyn Harness) {
    let alias = |a: &str| crate::alias::Alias::parse(a).expect("valid");
    let mut first = new_connection("u10");
    first.alias = alias("Work");
    let first = created(h.store().create_connection(&first).await.expect("create"));
    assert_eq!(first.account.alias.as_deref(), Some("Work"));

    let mut same = new_connection("u10");
    same.alias = alias("  work ");
    match h.store().create_connection(&same).await.expect("create") {
        Created::AliasTaken(holder) => assert_eq!(holder.id, first.account.id),
        other => panic!("expected AliasTaken, got {other:?}"),
    }
    assert_eq!(
        status_of(h, &same.account_id).await,
        None,
        "nothing written"
    );
    let mut same_word = new_connection("u10");
    same_word.word_id = first.account.word_id.clone().expect("word id");
    assert!(matches!(
        h.store()
            .create_connection(&same_word)
            .await
            .expect("create"),
        Created::WordIdTaken
    ));
    // Another user may use both.
    let mut other = same_word.clone();
    other.user_id = "u11".into();
    other.alias = alias("WORK");
    created(h.store().create_connection(&other).await.expect("create"));

    // Renaming: taken, cleared, then free.
    let second = connect(h, "u10").await.account;
    let s = h.store();
    let work = alias("work");
    assert!(matches!(
        s.set_alias("prj_test", &second.id, work.as_ref()).await.expect("set"),
        AliasChange::Taken(holder) if holder.id == first.account.id
    ));
    assert!(matches!(
        s.set_alias("prj_test", &first.account.id, None).await.expect("clear"),
        AliasChange::Updated(row) if row.alias.is_none()
    ));
    assert!(matches!(
        s.set_alias("prj_test", &second.id, work.as_ref()).await.expect("set"),
        AliasChange::Updated(row) if row.alias.as_deref() == Some("work")
    ));
    assert!(matches!(
        s.set_alias("prj_other", &second.id, None)
            .await
            .expect("set"),
        AliasChange::NotFound
    ));
}

async fn mcp_sessions(h: &dyn Harness) {
    let s = h.store();
    assert_eq!(s.mcp_session("m1").await.expect("read"), None);
    // rmcp stores the state first; the guard binds the session after the response.
    s.mcp_session_save("m1", r#"{"a":1}"#).await.expect("save");
    s.mcp_session_bind("m1", "prj_test", "trs_1")
        .await
        .expect("bind");
    let row = s.mcp_session("m1").await.expect("read").expect("row");
    assert_eq!(row.state.as_deref(), Some(r#"{"a":1}"#));
    assert_eq!(row.project_id.as_deref(), Some("prj_test"));
    assert_eq!(row.router_session_id.as_deref(), Some("trs_1"));
    s.mcp_session_bind("m2", "prj_test", "trs_2")
        .await
        .expect("bind");
    s.mcp_session_save("m2", "{}").await.expect("save");
    assert_eq!(
        s.mcp_session("m2")
            .await
            .expect("read")
            .and_then(|r| r.router_session_id),
        Some("trs_2".into())
    );
    s.mcp_session_delete("m1").await.expect("delete");
    assert_eq!(s.mcp_session("m1").await.expect("read"), None);
    let ttl = Duration::from_secs(60);
    h.clock().advance(ttl + Duration::from_millis(1));
    assert_eq!(s.mcp_session_purge(ttl).await.expect("purge"), 1);
    assert_eq!(s.mcp_session("m2").await.expect("read"), None);
}

/// Session config updates: a compare-and-set on the version, the previous config archived,
/// nothing written on a lost race, history newest first, removed with its session.
async fn session_config_updates(h: &dyn Harness) {
    let s = h.store();
    let p = s.ensure_project("cfg").await.expect("project");
    let new = NewSession {
        id: "trs_cfg1".into(),
        project_id: p.clone(),
        user_id: "u".into(),
        config: "v1".into(),
    };
    let row = s.insert_session(&new).await.expect("insert");
    assert_eq!(
        (row.config_version, row.config_updated_at),
        (1, h.clock().now_ms())
    );
    let update = |expected: i64, previous: &str, config: &str| ConfigUpdate {
        expected_version: expected,
        previous: previous.into(),
        config: config.into(),
    };
    h.clock().advance(Duration::from_secs(5));
    let applied = s
        .update_session_config(&p, "trs_cfg1", &update(1, "v1", "v2"))
        .await
        .expect("update");
    let at = h.clock().now_ms();
    assert_eq!(
        applied,
        ConfigUpdated::Applied {
            version: 2,
            updated_at: at
        }
    );
    let stale = s
        .update_session_config(&p, "trs_cfg1", &update(1, "v1", "lost"))
        .await
        .expect("update");
    assert_eq!(stale, ConfigUpdated::Conflict { current: 2 });
    let row = s
        .get_session(&p, "trs_cfg1")
        .await
        .expect("get")
        .expect("row");
    assert_eq!((row.config.as_str(), row.config_version), ("v2", 2));
    assert_eq!(row.config_updated_at, at);
    assert_eq!(
        s.update_session_config("prj_other", "trs_cfg1", &update(2, "v2", "x"))
            .await
            .expect("update"),
        ConfigUpdated::NotFound
    );
    s.update_session_config(&p, "trs_cfg1", &update(2, "v2", "v3"))
        .await
        .expect("update");
    let (rows, total) = s
        .session_config_history("trs_cfg1", 0, 10)
        .await
        .expect("history");
    assert_eq!(total, 2);
    let got: Vec<(i64, &str)> = rows
        .iter()
        .map(|r| (r.version, r.config.as_str()))
        .collect();
    assert_eq!(got, [(2, "v2"), (1, "v1")]);
    assert_eq!(rows[1].archived_at, at);
    let (rows, _) = s
        .session_config_history("trs_cfg1", 1, 1)
        .await
        .expect("page");
    assert_eq!(rows[0].version, 1);
    assert!(s.delete_session(&p, "trs_cfg1").await.expect("delete"));
    let (rows, total) = s
        .session_config_history("trs_cfg1", 0, 10)
        .await
        .expect("history");
    assert!(
        rows.is_empty() && total == 0,
        "the history goes with its session"
    );
}

/// Runs every check against one backend.
/// `get_accounts` reads by id within one project: another project's account is not
/// returned, nor an unknown id.
async fn reads_accounts_by_id_within_a_project(h: &dyn Harness) {
    let a = connect(h, "u_many").await.account.id;
    let b = connect(h, "u_many").await.account.id;
    let mut theirs = new_connection("u_many");
    theirs.project_id = "prj_other".into();
    let theirs = created(h.store().create_connection(&theirs).await.expect("create"))
        .account
        .id;
    let ids = [a.clone(), theirs.clone(), "ca_missing".into(), b.clone()];
    let mut got: Vec<String> = h
        .store()
        .get_accounts("prj_test", &ids)
        .await
        .expect("read")
        .into_iter()
        .map(|r| r.id)
        .collect();
    got.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(got, want);
    let other = h
        .store()
        .get_accounts("prj_other", &ids)
        .await
        .expect("read");
    assert_eq!(other.len(), 1);
    assert_eq!(other[0].id, theirs);
    // A list filtered by ids is scoped the same way.
    let filter = AccountFilter {
        ids: ids.to_vec(),
        limit: 10,
        ..AccountFilter::default()
    };
    let page = h
        .store()
        .list_accounts("prj_other", &filter)
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].id, theirs);
}

/// On SQLite, reads of a list of ids go by the primary key, not by a scan of the project's
/// accounts through `accounts_project_user`.
#[tokio::test]
async fn sqlite_reads_a_list_of_ids_by_primary_key() {
    let store = Sqlite::new().await.store;
    let ids: Vec<String> = (0..7).map(|i| format!("ca_{i}")).collect();
    let filters = [
        AccountFilter {
            ids: ids.clone(),
            ..AccountFilter::default()
        },
        AccountFilter {
            ids,
            user_ids: vec!["u".into()],
            statuses: vec![ConnectionStatus::Active],
            ..AccountFilter::default()
        },
    ];
    for f in &filters {
        let st = super::sqlx_store::accounts_where::<sqlx::Sqlite>("id", "prj_test", f);
        let sql = format!("EXPLAIN QUERY PLAN {}", st.sql());
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as_with(&sql, st.arguments::<sqlx::Sqlite>().expect("args"))
                .fetch_all(&store.pool)
                .await
                .expect("plan");
        let plan: Vec<&str> = rows.iter().map(|r| r.3.as_str()).collect();
        assert!(
            plan.iter()
                .any(|d| d.contains("sqlite_autoindex_connected_accounts_1 (id=?)")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.contains("accounts_project_user")),
            "{plan:?}"
        );
    }
}

async fn conformance(h: &dyn Harness) {
    session_config_updates(h).await;
    mcp_sessions(h).await;
    creates_and_completes_a_connection(h).await;
    an_expired_link_never_activates(h).await;
    status_changes_are_conditional(h).await;
    links_are_claimed_once(h).await;
    refresh_leases_and_versions(h).await;
    units_of_work_are_atomic(h).await;
    aliases_and_word_ids_are_unique_per_user_and_toolkit(h).await;
    lists_and_idempotency(h).await;
    projects_keys_and_meta(h).await;
    duplicates_are_conflicts(h).await;
    webhooks::conformance(h).await;
    auth_configs::conformance(h).await;
    group_commit::conformance(h).await;
    reads_accounts_by_id_within_a_project(h).await;
}

#[tokio::test]
async fn sqlite_conforms() {
    conformance(&Sqlite::new().await).await;
}

#[tokio::test]
async fn sqlite_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("db.sqlite");
    let clock: crate::clock::SharedClock = Arc::new(ManualClock::new(0));
    let store = SqliteStore::open(&path, clock.clone()).await.expect("open");
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
        .execute(store.pool())
        .await
        .expect("insert");
    store.close().await;
    let err = SqliteStore::open(&path, clock).await.expect_err("too new");
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn postgres_conforms() {
    let Some(h) = Postgres::new().await else {
        return;
    };
    conformance(&h).await;
}

#[tokio::test]
async fn postgres_replicas_starting_together_migrate_once() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let clock: crate::clock::SharedClock = Arc::new(ManualClock::new(0));
    let (a, b, c) = tokio::join!(
        pg_connect(&db, clock.clone()),
        pg_connect(&db, clock.clone()),
        pg_connect(&db, clock.clone()),
    );
    let stores = [
        a.expect("replica 1"),
        b.expect("replica 2"),
        c.expect("replica 3"),
    ];
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(stores[0].pool())
            .await
            .expect("versions");
    let known: Vec<i64> = super::postgres::MIGRATIONS.iter().map(|m| m.0).collect();
    assert_eq!(versions, known);
    // Every replica sees the one schema.
    for s in &stores {
        assert_eq!(s.api_keys().await.expect("keys"), vec![]);
        s.close().await;
    }
    // A restart finds nothing to migrate.
    let again = pg_connect(&db, clock).await.expect("restart");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schema_migrations")
        .fetch_one(again.pool())
        .await
        .expect("count");
    assert_eq!(applied, i64::try_from(known.len()).expect("count"));
    again.close().await;
}

#[tokio::test]
async fn postgres_refuses_a_newer_schema() {
    let Some(db) = postgres_database().await else {
        return;
    };
    let clock: crate::clock::SharedClock = Arc::new(ManualClock::new(0));
    let store = pg_connect(&db, clock.clone()).await.expect("open");
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
        .execute(store.pool())
        .await
        .expect("insert");
    store.close().await;
    let err = pg_connect(&db, clock.clone()).await.expect_err("too new");
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 999,
                known
            } if Some(known) == super::postgres::MIGRATIONS.last().map(|m| m.0)
        ),
        "{err}"
    );
    // The refusal released the migration lock: the next start gets as far as the check.
    let err = pg_connect(&db, clock).await.expect_err("still too new");
    assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
}

#[tokio::test]
async fn postgres_out_of_reach_is_unavailable() {
    // Nothing listens on port 1: the connection is refused until the pool gives up.
    let options = postgres::connect_options("postgres://postgres@127.0.0.1:1/x").expect("url");
    let pool = sqlx::postgres::PgPoolOptions::new().acquire_timeout(Duration::from_millis(300));
    let clock: crate::clock::SharedClock = Arc::new(ManualClock::new(0));
    let err = PgStore::connect_with(options, pool, clock)
        .await
        .expect_err("unreachable");
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn postgres_lost_connections_are_unavailable() {
    let Some(h) = Postgres::new().await else {
        return;
    };
    // The server ends this session (SQLSTATE 57P01) as it does when shutting down.
    let mut conn = h.store.pool().acquire().await.expect("conn");
    let err = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
        .execute(&mut *conn)
        .await
        .expect_err("terminated");
    let err = sqlx_util::store_error(err);
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn database_urls_choose_the_backend() {
    assert_eq!(
        DatabaseKind::of("postgres://u:p@h/db").ok(),
        Some(DatabaseKind::Postgres)
    );
    assert_eq!(
        DatabaseKind::of("postgresql://h/db").ok(),
        Some(DatabaseKind::Postgres)
    );
    assert_eq!(
        DatabaseKind::of("sqlite:data/c.db").ok(),
        Some(DatabaseKind::SqliteFile("data/c.db".into()))
    );
    assert_eq!(
        DatabaseKind::of("sqlite:///var/lib/c.db").ok(),
        Some(DatabaseKind::SqliteFile("/var/lib/c.db".into()))
    );
    assert_eq!(
        DatabaseKind::of("sqlite::memory:").ok(),
        Some(DatabaseKind::SqliteMemory)
    );
    for bad in [
        "mysql://u:hunter2@h/db",
        "sqlite:",
        "sqlite://c.db?mode=ro",
        "c.db",
    ] {
        let err = DatabaseKind::of(bad).expect_err(bad).to_string();
        assert!(err.contains("sqlite:"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    // A sqlite: URL opens (and creates) that file, whatever the data directory.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("nested").join("c.db");
    let config = Config::default()
        .data_dir(dir.path().join("unused"))
        .database_url(format!("sqlite://{}", file.display()));
    let store = open(&config).await.expect("open").store;
    store.ensure_project("p").await.expect("write");
    store.close().await;
    assert!(file.exists());
    assert!(!dir.path().join("unused").join("composio.db").exists());
}

/// The link of `token`, read as the Connect Link pages read it (with its account).
async fn link_of(h: &dyn Harness, token: &str) -> Option<LinkRow> {
    let found = h.store().get_link_and_account(token).await.expect("read");
    if let Some((link, account)) = &found {
        assert!(
            account.as_ref().is_some_and(|a| a.id == link.account_id),
            "the link's account comes with it"
        );
    }
    found.map(|(link, _)| link)
}
