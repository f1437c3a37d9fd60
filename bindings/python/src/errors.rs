//! The exception hierarchy of `composio_rs`, and the mapping from [`composio::Error`].
//!
//! ```text
//! ComposioError(Exception)
//! ├── ConfigurationError                      no API key, bad base URL
//! ├── ApiError                                the API answered with an error
//! │   ├── BadRequestError (400)  AuthenticationError (401)  PermissionDeniedError (403)
//! │   ├── NotFoundError (404)    ConflictError (409)        UnprocessableEntityError (422)
//! │   ├── RateLimitError (429)   ServerError (>= 500)
//! │   └── SessionConfigConflictError (a ConflictError)  session.update() met a newer config
//! ├── APIConnectionError                      could not reach the API
//! │   └── APITimeoutError (also TimeoutError) an HTTP request timed out
//! ├── ResponseDecodeError                     the response could not be read
//! ├── ConnectionRequestTimeoutError (also TimeoutError)
//! ├── ConnectionRequestFailedError            FAILED / EXPIRED / REVOKED
//! └── ConnectedAccountNotFoundError
//! ```
//!
//! Invalid arguments are plain `TypeError` / `ValueError`.

use composio::Error;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::BoundObject;

create_exception!(
    composio_rs,
    ComposioError,
    PyException,
    "Base class of every error raised by composio_rs (except TypeError/ValueError for bad arguments)."
);
create_exception!(
    composio_rs,
    ConfigurationError,
    ComposioError,
    "The client is misconfigured: no API key (pass api_key= or set COMPOSIO_API_KEY), or an invalid base URL."
);
create_exception!(
    composio_rs,
    ApiError,
    ComposioError,
    "The API answered with an error. Attributes: status_code, message, code, slug, request_id, suggested_fix, errors."
);
create_exception!(
    composio_rs,
    BadRequestError,
    ApiError,
    "HTTP 400: the request was invalid (for example an unknown or no-auth toolkit)."
);
create_exception!(
    composio_rs,
    AuthenticationError,
    ApiError,
    "HTTP 401: the API key is missing or invalid."
);
create_exception!(
    composio_rs,
    PermissionDeniedError,
    ApiError,
    "HTTP 403: the resource belongs to another project."
);
create_exception!(
    composio_rs,
    NotFoundError,
    ApiError,
    "HTTP 404: the session, toolkit or account does not exist."
);
create_exception!(composio_rs, ConflictError, ApiError, "HTTP 409: conflict.");
create_exception!(
    composio_rs,
    SessionConfigConflictError,
    ConflictError,
    "HTTP 409 from session.update(): the session's config changed since it was read (a stale expected_config_version). Nothing changed; re-fetch the session with composio.use(session_id) and retry. Attributes: session_id, expected_config_version, current_config_version, and those of ApiError."
);
create_exception!(
    composio_rs,
    UnprocessableEntityError,
    ApiError,
    "HTTP 422: the request could not be processed."
);
create_exception!(
    composio_rs,
    RateLimitError,
    ApiError,
    "HTTP 429: too many requests; retry later."
);
create_exception!(
    composio_rs,
    ServerError,
    ApiError,
    "HTTP 5xx: the server failed."
);
create_exception!(
    composio_rs,
    APIConnectionError,
    ComposioError,
    "The API could not be reached (connection refused, DNS, TLS, broken connection)."
);
create_exception!(
    composio_rs,
    ResponseDecodeError,
    ComposioError,
    "The API's response could not be decoded. Attributes: status_code, request_id."
);
create_exception!(
    composio_rs,
    ConnectionRequestFailedError,
    ComposioError,
    "The connection ended FAILED, EXPIRED or REVOKED. Attributes: status, status_reason, connected_account_id."
);
create_exception!(
    composio_rs,
    ConnectedAccountNotFoundError,
    ComposioError,
    "The connected account being waited for does not exist. Attribute: connected_account_id."
);

create_exception!(
    composio_rs,
    ComposioMultipleConnectedAccountsError,
    ComposioError,
    "connected_accounts.link() refused: the user already has an ACTIVE account for the auth config \
     (pass allow_multiple=True to connect another). Attributes: user_id, auth_config_id."
);

/// Exception classes with two bases (a `ComposioError` and the builtin `TimeoutError`),
/// which `create_exception!` cannot express: made with `type(...)` at module import.
static API_TIMEOUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONNECTION_REQUEST_TIMEOUT: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn two_base_type<'py>(
    py: Python<'py>,
    name: &str,
    doc: &str,
    first: Bound<'py, PyType>,
) -> PyResult<Py<PyType>> {
    let bases = PyTuple::new(py, [first, py.get_type::<PyTimeoutError>()])?;
    let ns = PyDict::new(py);
    ns.set_item("__module__", "composio_rs")?;
    ns.set_item("__doc__", doc)?;
    let ty = py
        .get_type::<PyType>()
        .call1((name, bases, ns))?
        .cast_into::<PyType>()?;
    Ok(ty.unbind())
}

fn api_timeout_type(py: Python<'_>) -> PyResult<&Py<PyType>> {
    API_TIMEOUT.get_or_try_init(py, || {
        two_base_type(
            py,
            "APITimeoutError",
            "An HTTP request to the API timed out (see Composio(timeout=...)). Also a TimeoutError.",
            py.get_type::<APIConnectionError>(),
        )
    })
}

fn connection_request_timeout_type(py: Python<'_>) -> PyResult<&Py<PyType>> {
    CONNECTION_REQUEST_TIMEOUT.get_or_try_init(py, || {
        two_base_type(
            py,
            "ConnectionRequestTimeoutError",
            "wait_for_connection() timed out: the user did not finish the Connect Link in time. \
             Attributes: connected_account_id, timeout (seconds). Also a TimeoutError.",
            py.get_type::<ComposioError>(),
        )
    })
}

/// Adds every exception class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ComposioError", py.get_type::<ComposioError>())?;
    m.add("ConfigurationError", py.get_type::<ConfigurationError>())?;
    m.add("ApiError", py.get_type::<ApiError>())?;
    m.add("BadRequestError", py.get_type::<BadRequestError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add(
        "PermissionDeniedError",
        py.get_type::<PermissionDeniedError>(),
    )?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add(
        "UnprocessableEntityError",
        py.get_type::<UnprocessableEntityError>(),
    )?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("APIConnectionError", py.get_type::<APIConnectionError>())?;
    m.add("APITimeoutError", api_timeout_type(py)?.bind(py))?;
    m.add("ResponseDecodeError", py.get_type::<ResponseDecodeError>())?;
    m.add(
        "ConnectionRequestTimeoutError",
        connection_request_timeout_type(py)?.bind(py),
    )?;
    m.add(
        "ConnectionRequestFailedError",
        py.get_type::<ConnectionRequestFailedError>(),
    )?;
    m.add(
        "ConnectedAccountNotFoundError",
        py.get_type::<ConnectedAccountNotFoundError>(),
    )?;
    m.add(
        "SessionConfigConflictError",
        py.get_type::<SessionConfigConflictError>(),
    )?;
    m.add(
        "ComposioMultipleConnectedAccountsError",
        py.get_type::<ComposioMultipleConnectedAccountsError>(),
    )?;
    Ok(())
}

/// Builds an instance of `ty` with `message` and sets `attrs` on it.
fn build(ty: Bound<'_, PyType>, message: String, attrs: &[(&str, Py<PyAny>)]) -> PyResult<PyErr> {
    let value = ty.call1((message,))?;
    for (name, v) in attrs {
        value.setattr(*name, v)?;
    }
    Ok(PyErr::from_value(value))
}

fn opt_str(py: Python<'_>, v: Option<&str>) -> Py<PyAny> {
    match v {
        Some(s) => s.into_pyobject(py).map(|s| s.into_any().unbind()),
        None => Ok(py.None()),
    }
    .unwrap_or_else(|_| py.None())
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_pyobject(py)
        .map(|o| o.into_any().unbind())
        .unwrap_or_else(|_| py.None())
}

/// The attributes of every `ApiError`.
fn api_attrs(py: Python<'_>, api: &composio::ApiError) -> Vec<(&'static str, Py<PyAny>)> {
    let errors = crate::convert::json_to_py(py, &serde_json::Value::Array(api.errors.clone()))
        .unwrap_or_else(|_| py.None());
    vec![
        ("status_code", obj(py, api.status)),
        ("message", obj(py, api.message.as_str())),
        ("code", obj(py, api.code)),
        ("slug", opt_str(py, api.slug.as_deref())),
        ("request_id", opt_str(py, api.request_id.as_deref())),
        ("suggested_fix", opt_str(py, api.suggested_fix.as_deref())),
        ("errors", errors),
    ]
}

/// Converts an SDK error into the matching Python exception (needs the GIL).
pub(crate) fn to_pyerr(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    let built = match &error {
        Error::InvalidInput(m) => return PyValueError::new_err(m.clone()),
        Error::Configuration(m) => build(py.get_type::<ConfigurationError>(), m.clone(), &[]),
        Error::Connect(_) | Error::Transport(_) => {
            build(py.get_type::<APIConnectionError>(), message, &[])
        }
        Error::Timeout(_) => match api_timeout_type(py) {
            Ok(ty) => build(ty.bind(py).clone(), message, &[]),
            Err(e) => Err(e),
        },
        Error::SessionConfigConflict {
            session_id,
            expected,
            current,
            error: api,
        } => {
            let mut attrs = api_attrs(py, api);
            attrs.push(("session_id", obj(py, session_id.as_str())));
            attrs.push(("expected_config_version", obj(py, *expected)));
            attrs.push(("current_config_version", obj(py, *current)));
            build(py.get_type::<SessionConfigConflictError>(), message, &attrs)
        }
        Error::Api(api) => {
            let ty = match api.status {
                400 => py.get_type::<BadRequestError>(),
                401 => py.get_type::<AuthenticationError>(),
                403 => py.get_type::<PermissionDeniedError>(),
                404 => py.get_type::<NotFoundError>(),
                409 => py.get_type::<ConflictError>(),
                422 => py.get_type::<UnprocessableEntityError>(),
                429 => py.get_type::<RateLimitError>(),
                s if s >= 500 => py.get_type::<ServerError>(),
                _ => py.get_type::<ApiError>(),
            };
            build(ty, message, &api_attrs(py, api))
        }
        Error::Decode {
            status, request_id, ..
        } => build(
            py.get_type::<ResponseDecodeError>(),
            message,
            &[
                ("status_code", obj(py, *status)),
                ("request_id", opt_str(py, request_id.as_deref())),
            ],
        ),
        Error::ConnectionRequestTimeout { id, timeout } => {
            match connection_request_timeout_type(py) {
                Ok(ty) => build(
                    ty.bind(py).clone(),
                    format!(
                        "connection request {id} did not complete within {} s",
                        timeout.as_secs_f64()
                    ),
                    &[
                        ("connected_account_id", obj(py, id.as_str())),
                        ("timeout", obj(py, timeout.as_secs_f64())),
                    ],
                ),
                Err(e) => Err(e),
            }
        }
        Error::ConnectionRequestFailed {
            id,
            status,
            status_reason,
        } => build(
            py.get_type::<ConnectionRequestFailedError>(),
            message,
            &[
                ("connected_account_id", obj(py, id.as_str())),
                ("status", obj(py, status.as_str())),
                ("status_reason", opt_str(py, status_reason.as_deref())),
            ],
        ),
        Error::ConnectedAccountNotFound { id } => build(
            py.get_type::<ConnectedAccountNotFoundError>(),
            message,
            &[("connected_account_id", obj(py, id.as_str()))],
        ),
        Error::MultipleConnectedAccounts {
            user_id,
            auth_config_id,
        } => build(
            py.get_type::<ComposioMultipleConnectedAccountsError>(),
            message,
            &[
                ("user_id", obj(py, user_id.as_str())),
                ("auth_config_id", obj(py, auth_config_id.as_str())),
            ],
        ),
        _ => build(py.get_type::<ComposioError>(), message, &[]),
    };
    built.unwrap_or_else(|e| e)
}
