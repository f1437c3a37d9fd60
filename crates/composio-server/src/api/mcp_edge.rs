//! What MCP clients see before the session's MCP server: the API key may come as
//! `Authorization: Bearer <api key>` (besides `x-api-key`), a 401 carries a
//! `WWW-Authenticate` challenge, and a POST body that is not JSON gets the JSON-RPC parse
//! error (`-32700`) instead of a transport error.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::SharedState;

/// The challenge of a 401 of the MCP endpoint.
const CHALLENGE: &str = "Bearer realm=\"composio\", error=\"invalid_token\", \
                         error_description=\"send the project API key as a Bearer token or in x-api-key\"";

/// The outermost layer of the MCP route; see the module docs.
pub(super) async fn edge(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if !parts.headers.contains_key("x-api-key") {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .and_then(|t| HeaderValue::from_str(t).ok());
        if let Some(key) = bearer {
            parts.headers.insert("x-api-key", key);
        }
    }
    let body = if parts.method == Method::POST {
        let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
            Ok(b) => b,
            Err(_) => {
                return rpc_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    -32600,
                    "Invalid request: the body is too large or could not be read",
                )
            }
        };
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            return rpc_error(
                StatusCode::BAD_REQUEST,
                -32700,
                &format!("Parse error: {e}"),
            );
        }
        Body::from(bytes)
    } else {
        body
    };
    let mut resp = next.run(Request::from_parts(parts, body)).await;
    if resp.status() == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(CHALLENGE),
        );
    }
    resp
}

/// A JSON-RPC error response without an id (the request could not be read).
fn rpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}
