//! Conversions between Python values and the SDK's types, and argument validation.
//!
//! Everything here runs with the GIL held, before any network call: bad arguments raise
//! `TypeError` / `ValueError` and nothing is sent.

use composio::{ManageConnections, MultiAccount, SessionOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

/// A JSON value handed back to Python as plain dicts/lists/str/int/float/bool/None.
pub(crate) struct Json(pub(crate) Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.0).map(|o| o.into_bound(py))
    }
}

/// Converts a JSON value to Python objects.
pub(crate) fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// Converts Python objects (dict with str keys, list/tuple, str, int, float, bool, None) to
/// JSON. `what` names the argument in error messages.
pub(crate) fn py_to_json(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = value.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyValueError::new_err(format!(
            "{what}: integer {value} does not fit in 64 bits"
        )));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let f = f.value();
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{what}: {f} is not a JSON number")));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{what}: dict keys must be str, not {}",
                    type_name(&k)
                ))
            })?;
            map.insert(key.to_str()?.to_owned(), py_to_json(&v, what)?);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in value.try_iter()? {
            out.push(py_to_json(&item?, what)?);
        }
        return Ok(Value::Array(out));
    }
    Err(PyTypeError::new_err(format!(
        "{what}: {} is not JSON-serializable (use dict, list, str, int, float, bool or None)",
        type_name(value)
    )))
}

/// The type name of a value, for error messages.
pub(crate) fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// A required non-empty string argument.
pub(crate) fn non_empty(value: &str, what: &str) -> PyResult<()> {
    if value.trim().is_empty() {
        return Err(PyValueError::new_err(format!("{what} must not be empty")));
    }
    Ok(())
}

/// A list of strings (list or tuple of str; a bare str is refused to avoid splitting it
/// into characters).
pub(crate) fn str_list(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a single str (did you mean [{:?}]?)",
            value.extract::<String>().unwrap_or_default()
        )));
    }
    if !(value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()) {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not {}",
            type_name(value)
        )));
    }
    let mut out = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let s = item.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{what} must contain only str, found {}",
                type_name(&item)
            ))
        })?;
        let s = s.to_str()?.to_owned();
        non_empty(&s, &format!("each item of {what}"))?;
        out.push(s);
    }
    Ok(out)
}

fn as_dict<'a, 'py>(value: &'a Bound<'py, PyAny>, what: &str) -> PyResult<&'a Bound<'py, PyDict>> {
    value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a dict, not {}", type_name(value)))
    })
}

fn dict_str_key(k: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    Ok(k.cast::<PyString>()
        .map_err(|_| {
            PyTypeError::new_err(format!("{what} keys must be str, not {}", type_name(k)))
        })?
        .to_str()?
        .to_owned())
}

/// `manage_connections`: `True`, `False` or
/// `{"enable": bool, "callback_url": str, "wait_for_connections": bool}`.
pub(crate) fn manage_connections(value: &Bound<'_, PyAny>) -> PyResult<ManageConnections> {
    const WHAT: &str = "manage_connections";
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(ManageConnections::new(b.is_true()));
    }
    let dict = value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{WHAT} must be a bool or a dict {{\"enable\", \"callback_url\", \"wait_for_connections\"}}, not {}",
            type_name(value)
        ))
    })?;
    let mut out = ManageConnections::new(true);
    for (k, v) in dict.iter() {
        let key = dict_str_key(&k, WHAT)?;
        match key.as_str() {
            "enable" => {
                out.enable = v.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
                    PyTypeError::new_err(format!("{WHAT}[\"enable\"] must be a bool"))
                })?
            }
            "callback_url" => {
                if !v.is_none() {
                    let url: String = v.extract().map_err(|_| {
                        PyTypeError::new_err(format!("{WHAT}[\"callback_url\"] must be a str"))
                    })?;
                    composio::validate_callback_url(&url)
                        .map_err(|e| PyValueError::new_err(e.to_string()))?;
                    out = out.callback_url(url);
                }
            }
            "wait_for_connections" | "enable_wait_for_connections" => {
                if !v.is_none() {
                    let on = v.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
                        PyTypeError::new_err(format!(
                            "{WHAT}[\"wait_for_connections\"] must be a bool"
                        ))
                    })?;
                    out = out.wait_for_connections(on);
                }
            }
            "enabled" => {
                return Err(PyValueError::new_err(format!(
                    "{WHAT}: use \"enable\", not \"enabled\""
                )))
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "{WHAT}: unknown key {other:?} (expected \"enable\", \"callback_url\", \"wait_for_connections\")"
                )))
            }
        }
    }
    Ok(out)
}

/// Builds the SDK's session options from `create(...)`'s keyword arguments.
pub(crate) fn session_options(
    manage: Option<&Bound<'_, PyAny>>,
    toolkits: Option<&Bound<'_, PyAny>>,
    auth_configs: Option<&Bound<'_, PyAny>>,
    connected_accounts: Option<&Bound<'_, PyAny>>,
    tags: Option<&Bound<'_, PyAny>>,
    multi_account: Option<&Bound<'_, PyAny>>,
) -> PyResult<SessionOptions> {
    let mut options = SessionOptions::new();
    if let Some(m) = manage.filter(|m| !m.is_none()) {
        options = options.manage_connections(manage_connections(m)?);
    }
    if let Some(t) = toolkits.filter(|t| !t.is_none()) {
        if let Ok(d) = t.cast::<PyDict>() {
            let enable = d.get_item("enable")?;
            let disable = d.get_item("disable")?;
            if d.len() != 1 || (enable.is_none() && disable.is_none()) {
                return Err(PyValueError::new_err(
                    "toolkits as a dict must be exactly {\"enable\": [...]} or {\"disable\": [...]}",
                ));
            }
            if let Some(e) = enable {
                options = options.toolkits(str_list(&e, "toolkits[\"enable\"]")?);
            } else if let Some(dis) = disable {
                options = options.disable_toolkits(str_list(&dis, "toolkits[\"disable\"]")?);
            }
        } else {
            options = options.toolkits(str_list(t, "toolkits")?);
        }
    }
    if let Some(a) = auth_configs.filter(|a| !a.is_none()) {
        for (k, v) in as_dict(a, "auth_configs")?.iter() {
            let toolkit = dict_str_key(&k, "auth_configs")?;
            let id: String = v.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "auth_configs[{toolkit:?}] must be an auth config id (str), not {}",
                    type_name(&v)
                ))
            })?;
            non_empty(&id, &format!("auth_configs[{toolkit:?}]"))?;
            options = options.auth_config(toolkit, id);
        }
    }
    if let Some(c) = connected_accounts.filter(|c| !c.is_none()) {
        for (k, v) in as_dict(c, "connected_accounts")?.iter() {
            let toolkit = dict_str_key(&k, "connected_accounts")?;
            let what = format!("connected_accounts[{toolkit:?}]");
            let ids = if let Ok(s) = v.cast::<PyString>() {
                vec![s.to_str()?.to_owned()]
            } else {
                str_list(&v, &what)?
            };
            for id in ids {
                non_empty(&id, &what)?;
                options = options.connected_account(toolkit.clone(), id);
            }
        }
    }
    if let Some(t) = tags.filter(|t| !t.is_none()) {
        options = options.tags(str_list(t, "tags")?);
    }
    if let Some(m) = multi_account.filter(|m| !m.is_none()) {
        options = options.multi_account(multi_account_config(m)?);
    }
    Ok(options)
}

/// `create(multi_account={"enable": bool, "max_accounts_per_toolkit": 2..10,
/// "require_explicit_selection": bool})`, the official SDK's `ToolRouterMultiAccountConfig`.
fn multi_account_config(value: &Bound<'_, PyAny>) -> PyResult<MultiAccount> {
    let d = as_dict(value, "multi_account")?;
    let mut config = MultiAccount::enabled();
    let mut enable = None;
    for (k, v) in d.iter() {
        let key = dict_str_key(&k, "multi_account")?;
        let bool_of = |v: &Bound<'_, PyAny>| -> PyResult<bool> {
            v.cast::<PyBool>().map(|b| b.is_true()).map_err(|_| {
                PyTypeError::new_err(format!(
                    "multi_account[{key:?}] must be a bool, not {}",
                    type_name(v)
                ))
            })
        };
        match key.as_str() {
            "enable" => enable = Some(bool_of(&v)?),
            "require_explicit_selection" => {
                config = config.require_explicit_selection(bool_of(&v)?);
            }
            "max_accounts_per_toolkit" if v.is_none() => {}
            "max_accounts_per_toolkit" => {
                let n: i64 = if v.is_instance_of::<PyBool>() {
                    None
                } else {
                    v.extract().ok()
                }
                .ok_or_else(|| {
                    PyTypeError::new_err(format!(
                        "multi_account[\"max_accounts_per_toolkit\"] must be an int, not {}",
                        type_name(&v)
                    ))
                })?;
                let n = u8::try_from(n)
                    .ok()
                    .filter(|n| (2..=10).contains(n))
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "multi_account[\"max_accounts_per_toolkit\"] must be 2 to 10, not {n}"
                        ))
                    })?;
                config = config.max_accounts_per_toolkit(n);
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown multi_account key {other:?}: expected enable, \
                     max_accounts_per_toolkit, require_explicit_selection"
                )))
            }
        }
    }
    config.enable = enable
        .ok_or_else(|| PyValueError::new_err("multi_account needs \"enable\": True or False"))?;
    Ok(config)
}

/// An optional callback URL, checked before sending.
pub(crate) fn callback_url(url: Option<&str>) -> PyResult<()> {
    if let Some(url) = url {
        composio::validate_callback_url(url).map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    Ok(())
}
