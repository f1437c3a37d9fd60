//! The table a scenario prints and the JSON it writes under `target/bench/`.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::Size;

/// Rows of `(name, value, unit)`, printed as a table and written as JSON.
#[derive(Debug, Default)]
pub struct Report {
    rows: Vec<(String, f64, &'static str)>,
    notes: Vec<String>,
}

impl Report {
    /// Adds a figure.
    pub fn row(&mut self, name: impl Into<String>, value: f64, unit: &'static str) {
        self.rows.push((name.into(), value, unit));
    }

    /// Adds a line of context (printed under the table, kept in the JSON).
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Prints the table and writes `<out>/<scenario>.json`.
    pub fn finish(&self, scenario: &str, size: Size) {
        let width = self.rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let mode = if size == Size::Quick {
            " (--quick)"
        } else {
            ""
        };
        println!("\n== bench {scenario}{mode}");
        for (name, value, unit) in &self.rows {
            let shown = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                format!("{value:.2}")
            };
            println!("  {name:<width$}  {shown:>12} {unit}");
        }
        for note in &self.notes {
            println!("  {note}");
        }
        let mut figures = Map::new();
        for (name, value, unit) in &self.rows {
            figures.insert(name.clone(), json!({ "value": value, "unit": unit }));
        }
        let doc = json!({
            "scenario": scenario,
            "quick": size == Size::Quick,
            "figures": Value::Object(figures),
            "notes": self.notes,
        });
        let dir = out_dir();
        let path = dir.join(format!("{scenario}.json"));
        let written = std::fs::create_dir_all(&dir).and_then(|()| {
            std::fs::write(
                &path,
                serde_json::to_string_pretty(&doc).unwrap_or_default(),
            )
        });
        match written {
            Ok(()) => println!("  written to {}", path.display()),
            Err(e) => eprintln!("  cannot write {}: {e}", path.display()),
        }
    }
}

/// `$COMPOSIO_BENCH_OUT`, else the workspace's `target/bench`.
fn out_dir() -> PathBuf {
    match std::env::var_os("COMPOSIO_BENCH_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench"),
    }
}
