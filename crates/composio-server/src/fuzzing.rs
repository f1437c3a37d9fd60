//! Entry points of the fuzz targets under `fuzz/` for parsers that are not public API: the
//! provider's answer on `/oauth/callback` and the Connect Link form of API-key toolkits.
//! Hidden from the docs; not a stable API. (Config files and toolkit catalogs are fuzzed
//! through their public parsers, [`crate::Config::from_toml_str`] and
//! [`crate::catalog::Catalog::parse`].)

use crate::catalog::FieldDef;
use crate::flow::callback::ProviderAnswer;
use crate::flow::link::form_fields;
use crate::service::connections::AttemptFailure;

/// What `/oauth/callback` reads from a query string: the `state`, and the code or the
/// failure reason (`Err`).
pub fn provider_answer(query: &str) -> (Option<String>, Result<String, String>) {
    let a = ProviderAnswer::parse(query);
    let code = a.code.map_err(|f| match f {
        AttemptFailure::Denied(r) | AttemptFailure::Failed(r) => r,
    });
    (a.state, code)
}

/// What the Connect Link stores from a posted form for fields named `names`: the values
/// (trimmed, in the order of `names`), or the name of the first missing field.
pub fn link_form(body: &[u8], names: &[&str]) -> Result<Vec<(String, String)>, String> {
    let fields: Vec<FieldDef> = names
        .iter()
        .map(|n| FieldDef {
            name: (*n).to_owned(),
            label: None,
            secret: true,
        })
        .collect();
    match form_fields(body, &fields) {
        Ok(map) => Ok(names
            .iter()
            .filter_map(|n| map.get(*n).map(|v| ((*n).to_owned(), v.clone())))
            .collect()),
        Err(missing) => Err(missing.name.clone()),
    }
}
