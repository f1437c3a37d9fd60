//! The [`Transport`] trait: the one seam between the SDK and an HTTP stack.
//!
//! A transport performs **one attempt** of one HTTP request. Retries, authentication headers
//! and tracing wrap around it, so an in-memory transport goes through the same retry logic as
//! the reqwest one.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

use crate::error::TransportError;

/// A response body that arrives in chunks (for server-push streams).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send + 'static>>;

/// Sends one HTTP request and returns its response: one attempt, no retries.
///
/// Non-2xx statuses are *responses*, not errors: a transport returns `Err` only when no
/// response was received.
///
/// ```
/// use async_trait::async_trait;
/// use bytes::Bytes;
/// use composio_core::{Transport, TransportError};
///
/// /// A transport that answers every request with `{}`.
/// #[derive(Debug)]
/// struct Empty;
///
/// #[async_trait]
/// impl Transport for Empty {
///     async fn send(
///         &self,
///         _request: http::Request<Bytes>,
///     ) -> Result<http::Response<Bytes>, TransportError> {
///         Ok(http::Response::new(Bytes::from_static(b"{}")))
///     }
/// }
/// ```
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the whole response.
    ///
    /// The request's extensions may carry a [`RequestTimeout`] (the deadline for this attempt)
    /// and an [`Idempotency`] marker.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError>;

    /// Sends `request` and returns the response head as soon as it arrives, with the body as
    /// a stream of chunks. Used for long-lived server-push responses; a [`RequestTimeout`]
    /// applies to receiving the head only.
    ///
    /// The default buffers the whole body with [`send`](Self::send), which is correct but
    /// only useful for responses that end; HTTP transports override it.
    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        let response = self.send(request).await?;
        Ok(response.map(|body| Box::pin(Once(Some(body))) as ByteStream))
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        (**self).send_streaming(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        (**self).send_streaming(request).await
    }
}

/// A stream of exactly one chunk.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = Result<Bytes, TransportError>;
    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().filter(|b| !b.is_empty()).map(Ok))
    }
}

/// Request extension: how long one attempt may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Duration);

/// Response extension: how many attempts a retrying transport made to get this response
/// (1 when it was the first). `composio_http::RetryTransport` sets it; the SDK reports it as
/// [`ApiError::attempts`](crate::ApiError::attempts) when the response is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempts(pub u32);

/// Request extension: whether a request may be sent twice.
///
/// Tool execution is [`Idempotency::NonIdempotent`] and is never retried after it may have
/// reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Idempotency {
    /// Safe to retry (reads, and POSTs carrying an `Idempotency-Key`).
    #[default]
    Idempotent,
    /// Never retried once it may have been sent.
    NonIdempotent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Echo;

    #[async_trait]
    impl Transport for Echo {
        async fn send(
            &self,
            request: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            Ok(http::Response::new(request.into_body()))
        }
    }

    #[tokio::test]
    async fn default_streaming_yields_the_whole_body_once() {
        let t: Arc<dyn Transport> = Arc::new(Echo);
        let resp = t
            .send_streaming(http::Request::new(Bytes::from_static(b"hello")))
            .await
            .unwrap();
        let mut body = resp.into_body();
        let first = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await;
        assert_eq!(first.unwrap().unwrap(), Bytes::from_static(b"hello"));
        let second = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await;
        assert!(second.is_none());
    }
}
