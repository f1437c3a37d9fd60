use super::*;
use crate::catalog::{AuthScheme, FieldDef, ToolkitDef};
use crate::domain::LinkOutcome;

fn toolkit(fields: Vec<FieldDef>) -> ToolkitDef {
    ToolkitDef {
        slug: "acme".into(),
        name: "Acme <Mail>".into(),
        description: "Mail & more".into(),
        logo: None,
        auth_scheme: if fields.is_empty() {
            AuthScheme::OAuth2
        } else {
            AuthScheme::ApiKey
        },
        authorize_url: None,
        token_url: None,
        userinfo_url: None,
        scopes: Vec::new(),
        pkce: false,
        authorize_params: Default::default(),
        fields,
        credential: None,
        tools: Vec::new(),
        revocation: None,
        categories: Vec::new(),
    }
}

async fn html(resp: Response) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn policy(resp: &Response) -> String {
    content_security_policy(resp.extensions().get::<PagePolicy>())
}

/// The one `<style>` element's content.
fn style(html: &str) -> &str {
    let s = html.find("<style>").unwrap() + 7;
    let e = html.find("</style>").unwrap();
    &html[s..e]
}

fn brand() -> Brand {
    Brand {
        name: "Bob's \"Tools\" <b>".into(),
        logo_url: Some("https://cdn.example.com/logo.png?a=1&b=\"2\"".into()),
        accent: Some("#0a7cff".into()),
    }
}

#[tokio::test]
async fn the_link_page_names_app_toolkit_and_user_escaped_in_the_brand() {
    let resp = link_page(
        &brand(),
        &toolkit(Vec::new()),
        "<script>alert(1)</script>",
        false,
        "/link/lk_x",
        vec!["https://accounts.example.com".into()],
        "tok\"en",
    );
    let csp = policy(&resp);
    let page = html(resp).await;
    assert!(page.contains("<strong>Bob&#x27;s &quot;Tools&quot; &lt;b&gt;</strong> asks you to connect a <strong>Acme &lt;Mail&gt;</strong> account for user <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"), "{page}");
    assert!(!page.contains("<script"), "{page}");
    assert!(
        page.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"tok&quot;en\">"),
        "{page}"
    );
    assert!(page.contains(
        "<img src=\"https://cdn.example.com/logo.png?a=1&amp;b=&quot;2&quot;\" alt=\"\">"
    ));
    assert!(style(&page).starts_with(":root{--accent:#0a7cff}"));
    // The policy allows exactly this style, the logo's origin and the form's targets.
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style(&page)));
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
    assert!(
        csp.contains("img-src data: https://cdn.example.com;"),
        "{csp}"
    );
    // The page declares its icon, so a browser never asks for /favicon.ico (which the
    // policy would block with a console error).
    assert!(
        page.contains("<link rel=\"icon\" href=\"data:,\">"),
        "{page}"
    );
    assert!(
        csp.ends_with("form-action 'self' https://accounts.example.com"),
        "{csp}"
    );
    assert!(csp.starts_with("default-src 'none'; base-uri 'none'; frame-ancestors 'none'"));
    assert!(
        !csp.contains("script-src") && !csp.contains("unsafe"),
        "{csp}"
    );
}

#[tokio::test]
async fn an_invalid_colour_or_logo_never_reaches_the_page() {
    let b = Brand {
        name: String::new(),
        logo_url: Some("javascript:alert(1)".into()),
        accent: Some("red;}body{display:none".into()),
    };
    let resp = message(StatusCode::OK, "success", "Done", "ok");
    assert!(
        policy(&resp).contains("img-src data:;"),
        "{}",
        policy(&resp)
    );
    let resp = result_page(StatusCode::OK, &b, "success", "Done", "ok", None);
    assert!(
        policy(&resp).contains("img-src data:;"),
        "{}",
        policy(&resp)
    );
    let page = html(resp).await;
    assert!(
        style(&page).starts_with(":root{--accent:#3b5bdb}"),
        "{page}"
    );
    assert!(!page.contains("javascript:") && !page.contains("<header>"));
    assert!(is_hex_colour("#A0b1C2") && !is_hex_colour("#abc") && !is_hex_colour("#ggg000"));
    assert!(is_logo_url("https://x.example/l.svg"));
    for bad in [
        "http://x.example/l.png",
        "data:image/png;base64,AA",
        "https://",
        "/logo.png",
    ] {
        assert!(!is_logo_url(bad), "{bad}");
    }
}

#[tokio::test]
async fn consent_names_app_toolkit_user_and_lists_scopes() {
    let resp = consent_page(
        Consent {
            app: "Acme",
            toolkit: "Gmail",
            login: "user-with-a-very-long-id-0123456789012345678901234567890123456789",
            scopes: "https://www.googleapis.com/auth/gmail.readonly openid <x>",
        },
        &[("state", "s\"1")],
    );
    assert_eq!(
        resp.extensions().get::<PagePolicy>().unwrap().forms,
        FormTargets::Any
    );
    let page = html(resp).await;
    assert!(
        page.contains("<title>Allow Acme to use your Gmail account?</title>"),
        "{page}"
    );
    assert!(page.contains("<strong>Acme</strong> wants to access the sandbox Gmail account of <strong>user-with-a-very-long-id"));
    assert!(page.contains(
        "<li>https://www.googleapis.com/auth/gmail.readonly</li><li>openid</li><li>&lt;x&gt;</li>"
    ));
    assert!(page.contains("<input type=\"hidden\" name=\"state\" value=\"s&quot;1\">"));
    assert!(!page.contains("Sandbox authorization"));
    // Long words wrap instead of widening the page.
    assert!(style(&page).contains("overflow-wrap:anywhere"));
}

#[tokio::test]
async fn result_pages_speak_the_users_words() {
    let b = Brand {
        name: "Acme".into(),
        ..Brand::default()
    };
    let denied = crate::flow::result_page(
        &b,
        "Gmail",
        &LinkOutcome::Denied("The user denied access (access_denied)".into()),
    );
    let page = html(denied).await;
    assert!(page.contains("You didn&#x27;t allow access"), "{page}");
    assert!(page.contains("Acme did not get access to your Gmail account"));
    assert!(!page.contains("access_denied"), "{page}");
    let page = html(crate::flow::result_page(
        &b,
        "Gmail",
        &LinkOutcome::Connected,
    ))
    .await;
    assert!(
        page.contains("<h1 class=\"ok\">Gmail is connected</h1>"),
        "{page}"
    );
    assert!(page.contains("content=\"success\""));
    let failed = crate::flow::result_page(
        &b,
        "Gmail",
        &LinkOutcome::Failed("Token exchange failed: invalid_grant".into()),
    );
    assert!(policy(&failed).ends_with("form-action 'none'"));
    let page = html(failed).await;
    assert!(page.contains("Gmail could not be connected"));
    assert!(page.contains("<summary>Details</summary><p>Token exchange failed: invalid_grant</p>"));
}

#[test]
fn responses_without_a_page_get_the_strictest_policy() {
    assert_eq!(
        content_security_policy(None),
        "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    );
}
