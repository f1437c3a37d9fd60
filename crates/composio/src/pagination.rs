//! Cursor pagination as a stream of items.

use std::collections::{HashSet, VecDeque};

use composio_core::Error;
use std::future::Future;

use composio_core::models::Page;
use composio_core::Result;
use futures_util::Stream;

struct State<F> {
    fetch: F,
    error: Option<Error>,
    cursor: Option<String>,
    seen: HashSet<String>,
    done: bool,
}

/// Streams every item of every page: calls `fetch(cursor)` starting at `first_cursor`, and
/// follows `next_cursor` until it is absent (or repeats, which would loop forever). An error
/// ends the stream after being yielded.
pub(crate) fn paginate<T, F, Fut>(
    first_cursor: Option<String>,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let state = State {
        fetch,
        error: None,
        cursor: first_cursor,
        seen: HashSet::new(),
        done: false,
    };
    futures_util::stream::unfold(
        (state, VecDeque::<T>::new()),
        |(mut state, mut items)| async move {
            loop {
                if let Some(item) = items.pop_front() {
                    return Some((Ok(item), (state, items)));
                }
                if let Some(e) = state.error.take() {
                    return Some((Err(e), (state, items)));
                }
                if state.done {
                    return None;
                }
                match (state.fetch)(state.cursor.clone()).await {
                    Ok(page) => {
                        items.extend(page.items);
                        match page.next_cursor.filter(|c| !c.is_empty()) {
                            Some(next) if state.seen.insert(next.clone()) => {
                                state.cursor = Some(next);
                            }
                            _ => state.done = true,
                        }
                    }
                    Err(e) => {
                        state.done = true;
                        state.error = Some(e);
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn follows_cursors_and_stops_on_repeats() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let c = calls.clone();
        let items: Vec<u32> = paginate(None, move |cursor: Option<String>| {
            c.lock().unwrap().push(cursor.clone());
            async move {
                Ok(match cursor.as_deref() {
                    None => Page::new(vec![1, 2], Some("b".into()), 3, 1, 5),
                    Some("b") => Page::new(vec![], Some("c".into()), 3, 2, 5),
                    // A buggy server that points back at "b".
                    _ => Page::new(vec![3], Some("b".into()), 3, 3, 5),
                })
            }
        })
        .map(|r| r.unwrap())
        .collect()
        .await;
        assert_eq!(items, vec![1, 2, 3]);
        assert_eq!(
            *calls.lock().unwrap(),
            vec![None, Some("b".to_owned()), Some("c".to_owned())]
        );
    }

    #[tokio::test]
    async fn an_error_ends_the_stream() {
        let out: Vec<Result<u32>> = paginate(None, |cursor: Option<String>| async move {
            match cursor {
                None => Ok(Page::new(vec![1], Some("x".into()), 2, 1, 2)),
                Some(_) => Err(composio_core::Error::InvalidInput("boom".into())),
            }
        })
        .collect()
        .await;
        assert_eq!(out.len(), 2);
        assert!(out[0].is_ok());
        assert!(out[1].is_err());
    }
}
