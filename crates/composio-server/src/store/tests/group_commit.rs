//! New connections are written in batches ([`super::super::group_commit`]); every link of a
//! batch gets its own outcome, and a batch that fails as a whole is written link by link.
//! `tokio::join!` polls its futures in order before the writer task runs (the tests run on
//! a current-thread runtime), so the links of one `join!` are queued together and written as
//! one batch.

use super::*;

fn claimed(user: &str, key: &str) -> NewConnection {
    let mut new = new_connection(user);
    new.idempotency = Some(IdempotencyClaim {
        key: key.into(),
        ttl: Duration::from_secs(60),
        response: IdempotentResponse {
            status: 201,
            body: format!(r#"{{"connected_account_id":"{}"}}"#, new.account_id),
        },
    });
    new
}

async fn each_link_of_a_batch_gets_its_own_outcome(h: &dyn Harness) {
    let s = h.store();
    let alias = |a: &str| crate::alias::Alias::parse(a).expect("valid");
    let mut work = new_connection("gc1");
    work.alias = alias("Work");
    let mut work_again = new_connection("gc1");
    work_again.alias = alias("work");
    let keyed = claimed("gc1", "gc-k1");
    let keyed_again = claimed("gc1", "gc-k1");
    let worded = new_connection("gc1");
    let mut same_word = new_connection("gc1");
    same_word.word_id = worded.word_id.clone();
    let plain = new_connection("gc2");

    let (a, b, c, d, e, f, g) = tokio::join!(
        s.create_connection(&work),
        s.create_connection(&work_again),
        s.create_connection(&keyed),
        s.create_connection(&keyed_again),
        s.create_connection(&worded),
        s.create_connection(&same_word),
        s.create_connection(&plain),
    );
    let work_row = created(a.expect("work"));
    match b.expect("work again") {
        Created::AliasTaken(holder) => assert_eq!(holder.id, work_row.account.id),
        other => panic!("expected AliasTaken, got {other:?}"),
    }
    created(c.expect("keyed"));
    assert!(matches!(d.expect("keyed again"), Created::KeyTaken));
    created(e.expect("worded"));
    assert!(matches!(f.expect("same word"), Created::WordIdTaken));
    let plain_row = created(g.expect("plain"));
    assert_eq!(plain_row.account.status, ConnectionStatus::Initiated);
    let link = link_of(h, &plain_row.link.token).await;
    assert!(link.is_some_and(|l| l.account_id == plain_row.account.id));

    // Only what was reported written is stored.
    for (new, stored) in [
        (&work, true),
        (&work_again, false),
        (&keyed, true),
        (&keyed_again, false),
        (&worded, true),
        (&same_word, false),
        (&plain, true),
    ] {
        assert_eq!(
            status_of(h, &new.account_id).await.is_some(),
            stored,
            "{}",
            new.account_id
        );
        assert_eq!(link_of(h, &new.link_token).await.is_some(), stored);
    }
    // The claimed response is stored with its connection: a repeat replays it.
    let (ttl, lease) = (Duration::from_secs(60), Duration::from_secs(5));
    let response = keyed.idempotency.as_ref().map(|c| c.response.clone());
    assert_eq!(
        s.idempotent_begin("prj_test", "gc-k1", ttl, lease)
            .await
            .expect("begin"),
        Reservation::Replay(response.expect("claim"))
    );
}

async fn claims_follow_the_rules_of_reservations(h: &dyn Harness) {
    let s = h.store();
    let (ttl, lease) = (Duration::from_secs(60), Duration::from_secs(5));
    // A key reserved by a request in flight is not taken over.
    assert_eq!(
        s.idempotent_begin("prj_test", "gc-k2", ttl, lease)
            .await
            .expect("begin"),
        Reservation::Run
    );
    let held = claimed("gc3", "gc-k2");
    assert!(matches!(
        s.create_connection(&held).await.expect("create"),
        Created::KeyTaken
    ));
    assert_eq!(status_of(h, &held.account_id).await, None);
    // Once its holder's lease ran out, it is.
    h.clock().advance(lease);
    created(s.create_connection(&held).await.expect("create"));
    // A response past its TTL is replaced by a new one.
    h.clock().advance(ttl + Duration::from_millis(1));
    let later = claimed("gc3", "gc-k2");
    created(s.create_connection(&later).await.expect("create"));
    assert_eq!(
        s.idempotent_begin("prj_test", "gc-k2", ttl, lease)
            .await
            .expect("begin"),
        Reservation::Replay(later.idempotency.expect("claim").response)
    );
    // A claim whose account breaks a rule is not kept: a retry runs again.
    let first = connect(h, "gc4").await;
    let mut clash = claimed("gc4", "gc-k3");
    clash.word_id = first.account.word_id.clone().expect("word id");
    assert!(matches!(
        s.create_connection(&clash).await.expect("create"),
        Created::WordIdTaken
    ));
    assert_eq!(
        s.idempotent_begin("prj_test", "gc-k3", ttl, lease)
            .await
            .expect("begin"),
        Reservation::Run
    );
}

async fn a_failed_batch_is_written_link_by_link(h: &dyn Harness) {
    let s = h.store();
    // Two links of the batch share a token: the batch's insert of links fails as a whole.
    let first = claimed("gc5", "gc-k4");
    let mut twin = claimed("gc5", "gc-k5");
    twin.link_token = first.link_token.clone();
    let other = new_connection("gc6");
    let (a, b, c) = tokio::join!(
        s.create_connection(&first),
        s.create_connection(&twin),
        s.create_connection(&other),
    );
    created(a.expect("first"));
    assert!(b.is_err(), "the twin cannot be written: {b:?}");
    created(c.expect("other"));
    assert_eq!(status_of(h, &twin.account_id).await, None);
    let (ttl, lease) = (Duration::from_secs(60), Duration::from_secs(5));
    assert_eq!(
        s.idempotent_begin("prj_test", "gc-k5", ttl, lease)
            .await
            .expect("begin"),
        Reservation::Run,
        "the twin's claim went with it"
    );
}

pub(super) async fn conformance(h: &dyn Harness) {
    each_link_of_a_batch_gets_its_own_outcome(h).await;
    claims_follow_the_rules_of_reservations(h).await;
    a_failed_batch_is_written_link_by_link(h).await;
}
