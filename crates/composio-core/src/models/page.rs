use serde::{Deserialize, Serialize};

/// One page of a cursor-paginated list.
///
/// ```
/// use composio_core::models::Page;
/// let p: Page<u32> = serde_json::from_str(r#"{"items":[1,2],"next_cursor":"c2","total_pages":3}"#).unwrap();
/// assert_eq!(p.items, vec![1, 2]);
/// assert_eq!(p.next_cursor.as_deref(), Some("c2"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// How many pages there are.
    #[serde(default)]
    pub total_pages: Option<u64>,
    /// Which page this is (1-based).
    #[serde(default)]
    pub current_page: Option<u64>,
    /// How many items there are in all pages.
    #[serde(default)]
    pub total_items: Option<u64>,
}

impl<T> Page<T> {
    /// A page with all its fields.
    pub fn new(
        items: Vec<T>,
        next_cursor: Option<String>,
        total_pages: u64,
        current_page: u64,
        total_items: u64,
    ) -> Self {
        Self {
            items,
            next_cursor,
            total_pages: Some(total_pages),
            current_page: Some(current_page),
            total_items: Some(total_items),
        }
    }
}
