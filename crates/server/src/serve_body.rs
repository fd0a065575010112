//! A request body with a deadline for the whole of it.
//!
//! tower-http's body timeout is an idle timeout between frames: a client sending a byte
//! every second resets it for ever. [`DeadlineBody`] fails the body once its deadline,
//! counted from the arrival of the request head, has passed, however it trickles in.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::BoxError;
use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::Sleep;

/// A body that must be read whole before its deadline.
pub(crate) struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl DeadlineBody {
    /// `body` as an axum body that fails after `within`; an empty body as is.
    pub(crate) fn wrap(body: Incoming, within: Duration) -> Body {
        if http_body::Body::is_end_stream(&body) {
            return Body::new(body);
        }
        Body::new(Self {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(within)),
        })
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err("the request body took too long to arrive".into())));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(BoxError::from)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
