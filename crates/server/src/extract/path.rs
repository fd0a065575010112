//! Path parameters, whose rejection is the API's JSON error.
//!
//! axum's own `Path` answers a malformed parameter (a percent-encoded byte sequence that
//! is not UTF-8, say) with a plain-text 400; every error of this API is the JSON body.
//! `clippy.toml` forbids axum's `Path` elsewhere, so every route goes through this one.

#![allow(clippy::disallowed_types)]

use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::request::Parts;
use latchkey_core::Error;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The route's path parameters, deserialised into `T`.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(rejection)
    }
}

/// A parameter the caller got wrong is 400 `invalid_request`; anything else (a route
/// declared without the parameters its handler takes) is a bug, so a 500.
fn rejection(rejection: PathRejection) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(failed) = &rejection else {
        return Error::Unexpected(anyhow::anyhow!(
            "path parameters: {}",
            rejection.body_text()
        ))
        .into();
    };
    match failed.kind() {
        ErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::invalid_request(format!("the path parameter {key} is not valid UTF-8"))
        }
        _ if rejection.status().is_client_error() => {
            ApiError::invalid_request(format!("invalid path: {}", failed.body_text()))
        }
        _ => Error::Unexpected(anyhow::anyhow!("path parameters: {}", failed.body_text())).into(),
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::Path;
    use crate::error::ApiError;

    async fn call(router: Router, uri: &str) -> (StatusCode, serde_json::Value) {
        let response = router
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_parameter_of_the_wrong_type_is_a_json_400() {
        let router = Router::new().route(
            "/n/{n}",
            get(|Path(n): Path<u32>| async move { axum::Json(n) }),
        );
        let (status, body) = call(router, "/n/seven").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "invalid_request");
    }

    #[tokio::test]
    async fn a_route_missing_its_parameter_is_a_500_without_detail() {
        let router = Router::new().route(
            "/n",
            get(|Path(n): Path<String>| async move { Ok::<_, ApiError>(n) }),
        );
        let (status, body) = call(router, "/n").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"], "internal");
    }
}
