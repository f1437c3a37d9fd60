//! Names of connected accounts a person or an agent can say: the user-chosen **alias**
//! (`work-gmail`) and the generated **word id** (`gmail_red-castle`), both unique per
//! (project, user, toolkit) (docs/spec/wire-2026.md §16.5–16.7).
//!
//! Aliases are trimmed, 1–64 characters without control characters, and compared without
//! regard to case (an agent that says "Work-Gmail" must not reach a different account than
//! "work-gmail"); the database enforces uniqueness on the comparison key.

use rand::seq::SliceRandom;
use rand::Rng;

/// Longest alias, in characters (after trimming).
pub(crate) const MAX_ALIAS_CHARS: usize = 64;

/// A valid alias: as the user wrote it (trimmed), and its comparison key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alias {
    /// As given, without surrounding whitespace.
    pub display: String,
    /// What uniqueness and lookups compare: lower-cased.
    pub key: String,
}

/// Why an alias was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AliasError {
    /// Longer than [`MAX_ALIAS_CHARS`].
    #[error("alias must be at most {MAX_ALIAS_CHARS} characters")]
    TooLong,
    /// Contains a control character.
    #[error("alias must not contain control characters")]
    Control,
}

impl Alias {
    /// Parses an alias; `Ok(None)` for an empty one (which clears an alias).
    pub(crate) fn parse(raw: &str) -> Result<Option<Self>, AliasError> {
        let display = raw.trim();
        if display.is_empty() {
            return Ok(None);
        }
        if display.chars().any(char::is_control) {
            return Err(AliasError::Control);
        }
        if display.chars().count() > MAX_ALIAS_CHARS {
            return Err(AliasError::TooLong);
        }
        Ok(Some(Self {
            display: display.to_owned(),
            key: key(display),
        }))
    }
}

/// The comparison key of an alias or of a name an agent gives.
pub(crate) fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

const ADJECTIVES: &[&str] = &[
    "amber", "azure", "bold", "brave", "bright", "brisk", "calm", "clear", "clever", "cool",
    "coral", "crisp", "dawn", "deep", "eager", "early", "fair", "fast", "fresh", "gentle", "glad",
    "golden", "grand", "green", "happy", "hazel", "honest", "ivory", "jolly", "keen", "kind",
    "lively", "lucky", "lunar", "mellow", "merry", "mild", "misty", "noble", "olive", "pale",
    "plain", "polar", "proud", "quick", "quiet", "rapid", "red", "rosy", "royal", "ruby", "rustic",
    "sandy", "sharp", "shiny", "silent", "silver", "simple", "sleek", "smart", "snowy", "solar",
    "steady", "sunny", "swift", "tidy", "topaz", "true", "urban", "vivid", "warm", "wild", "wise",
    "witty", "young", "zesty",
];

const NOUNS: &[&str] = &[
    "anchor", "arrow", "aspen", "badger", "beacon", "birch", "bison", "breeze", "brook", "canyon",
    "castle", "cedar", "cliff", "cloud", "comet", "coral", "crane", "creek", "delta", "dune",
    "eagle", "ember", "falcon", "fern", "field", "fjord", "forest", "fox", "garden", "glacier",
    "grove", "harbor", "hawk", "heron", "hill", "island", "jade", "lake", "lantern", "lark",
    "leaf", "lotus", "maple", "meadow", "mesa", "moon", "moss", "oak", "ocean", "orbit", "otter",
    "peak", "pebble", "pine", "planet", "pond", "prairie", "quartz", "rain", "raven", "reef",
    "ridge", "river", "robin", "sage", "shore", "sky", "spruce", "star", "stone", "summit",
    "thunder", "tide", "trail", "valley", "willow", "wolf",
];

/// A new word id for an account of `toolkit`: `<toolkit>_<adjective>-<noun>`.
pub(crate) fn word_id(toolkit: &str) -> String {
    let mut rng = rand::thread_rng();
    let adjective = ADJECTIVES.choose(&mut rng).copied().unwrap_or("calm");
    let noun = NOUNS.choose(&mut rng).copied().unwrap_or("river");
    format!("{toolkit}_{adjective}-{noun}")
}

/// A word id from a far larger space, for a user whose two-word ids of `toolkit` are
/// (nearly) all taken: `<toolkit>_<adjective>-<noun>-<2..=9999>`.
pub(crate) fn numbered_word_id(toolkit: &str) -> String {
    let n = rand::thread_rng().gen_range(2..=9999u32);
    format!("{}-{n}", word_id(toolkit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_trimmed_checked_and_compared_without_case() {
        let a = Alias::parse("  Work-Gmail ").unwrap().unwrap();
        assert_eq!(a.display, "Work-Gmail");
        assert_eq!(a.key, "work-gmail");
        assert_eq!(Alias::parse("   ").unwrap(), None);
        assert_eq!(Alias::parse(""), Ok(None));
        assert_eq!(Alias::parse("a\u{0}b"), Err(AliasError::Control));
        assert_eq!(Alias::parse("a\nb"), Err(AliasError::Control));
        assert!(Alias::parse(&"é".repeat(64)).unwrap().is_some());
        assert_eq!(Alias::parse(&"é".repeat(65)), Err(AliasError::TooLong));
        assert_eq!(key(" Ünïcode "), "ünïcode");
    }

    #[test]
    fn numbered_word_ids_add_a_number_to_two_words() {
        let w = numbered_word_id("gmail");
        let (two_words, n) = w.rsplit_once('-').unwrap();
        assert!((2..=9999).contains(&n.parse::<u32>().unwrap()), "{w}");
        let (adjective, noun) = two_words
            .strip_prefix("gmail_")
            .unwrap()
            .split_once('-')
            .unwrap();
        assert!(
            ADJECTIVES.contains(&adjective) && NOUNS.contains(&noun),
            "{w}"
        );
    }

    #[test]
    fn word_ids_name_the_toolkit_and_two_words() {
        let w = word_id("gmail");
        let (tk, words) = w.split_once('_').unwrap();
        assert_eq!(tk, "gmail");
        let (adjective, noun) = words.split_once('-').unwrap();
        assert!(
            ADJECTIVES.contains(&adjective) && NOUNS.contains(&noun),
            "{w}"
        );
    }
}
