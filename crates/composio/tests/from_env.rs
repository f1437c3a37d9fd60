//! `Composio::from_env` (one test in its own binary: it changes the process environment).

use composio::{Composio, Error};

#[test]
fn from_env_reads_key_and_base_url() {
    std::env::remove_var("COMPOSIO_API_KEY");
    std::env::remove_var("COMPOSIO_BASE_URL");
    match Composio::from_env() {
        Err(Error::Configuration(msg)) => assert!(msg.contains("COMPOSIO_API_KEY"), "{msg}"),
        other => panic!("{other:?}"),
    }
    std::env::set_var("COMPOSIO_API_KEY", "  ");
    assert!(matches!(Composio::from_env(), Err(Error::Configuration(_))));

    std::env::set_var("COMPOSIO_API_KEY", "env-secret");
    let c = Composio::from_env().unwrap();
    assert_eq!(c.base_url(), composio::DEFAULT_BASE_URL);
    assert!(!format!("{c:?}").contains("env-secret"));

    std::env::set_var("COMPOSIO_BASE_URL", "http://127.0.0.1:8080/");
    let c = Composio::from_env().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:8080");

    std::env::set_var("COMPOSIO_BASE_URL", "http://composio.example.com");
    match Composio::from_env() {
        Err(Error::Configuration(msg)) => {
            assert!(msg.contains("COMPOSIO_ALLOW_INSECURE_HTTP"), "{msg}")
        }
        other => panic!("{other:?}"),
    }
    std::env::set_var("COMPOSIO_ALLOW_INSECURE_HTTP", "1");
    let c = Composio::from_env().unwrap();
    assert_eq!(c.base_url(), "http://composio.example.com");
    std::env::set_var("COMPOSIO_ALLOW_INSECURE_HTTP", "no");
    assert!(matches!(Composio::from_env(), Err(Error::Configuration(_))));

    // `with_env` is the same reader (the Python binding uses it); later settings win.
    std::env::set_var("COMPOSIO_ALLOW_INSECURE_HTTP", "TRUE");
    let c = Composio::builder()
        .with_env()
        .base_url("http://other.example.com")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://other.example.com");
    let b = Composio::builder()
        .with_env()
        .allow_insecure_http(false)
        .base_url("http://other.example.com");
    assert!(matches!(b.build(), Err(Error::Configuration(_))));
    std::env::remove_var("COMPOSIO_API_KEY");
    assert!(!Composio::builder().with_env().has_api_key());
    assert!(Composio::builder().api_key("k").with_env().has_api_key());
    std::env::set_var("COMPOSIO_API_KEY", "env-secret");
    std::env::remove_var("COMPOSIO_ALLOW_INSECURE_HTTP");
    std::env::remove_var("COMPOSIO_BASE_URL");
    std::env::remove_var("COMPOSIO_API_KEY");
}
