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
use tokio::time::{Instant, Sleep};

/// A body that must be read whole before its deadline.
///
/// The timer is armed only when the body makes the reader wait: a body that came with its
/// head (most of them) is read without one, which spares a timer per request.
pub(crate) struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl DeadlineBody {
    /// `body` as an axum body that fails after `within`; an empty body as is.
    pub(crate) fn wrap(body: Incoming, within: Duration) -> Body {
        if http_body::Body::is_end_stream(&body) {
            return Body::new(body);
        }
        Body::new(Self {
            inner: body,
            deadline: Instant::now() + within,
            timer: None,
        })
    }
}

fn too_late() -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
    Poll::Ready(Some(Err("the request body took too long to arrive".into())))
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if let Some(timer) = &mut this.timer
            && timer.as_mut().poll(cx).is_ready()
        {
            return too_late();
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending if this.timer.is_none() => {
                let mut timer = Box::pin(tokio::time::sleep_until(this.deadline));
                if timer.as_mut().poll(cx).is_ready() {
                    return too_late();
                }
                this.timer = Some(timer);
                Poll::Pending
            }
            polled => polled.map_err(BoxError::from),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
