//! Discovery: the RFC 8414 metadata document, and the OpenAPI examples of the OAuth 2
//! answers next to today's answers.

use latchkey_testkit::{TestApp, backend_tests};
use serde_json::Value;

use crate::oauth2_kit::{Auth, claim, client_token, form};

backend_tests!(
    the_metadata_document_lists_endpoints_methods_scopes_and_algorithms,
    the_openapi_examples_have_the_fields_of_today_s_oauth2_answers,
);

async fn the_metadata_document_lists_endpoints_methods_scopes_and_algorithms(app: TestApp) {
    let response = app
        .http
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    let issuer = app.address.as_str();
    assert_eq!(doc["issuer"], issuer);
    for (field, path) in [
        ("token_endpoint", "/oauth2/token"),
        ("introspection_endpoint", "/oauth2/introspect"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("jwks_uri", "/.well-known/jwks.json"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
    }
    let methods = serde_json::json!(["client_secret_basic", "client_secret_post"]);
    for field in [
        "token_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
    ] {
        assert_eq!(doc[field], methods, "{field}");
    }
    assert_eq!(
        doc["grant_types_supported"],
        serde_json::json!(["client_credentials", "refresh_token"])
    );
    assert_eq!(
        doc["scopes_supported"],
        serde_json::json!(["nodes:read", "nodes:write"])
    );
    assert_eq!(doc["response_types_supported"], serde_json::json!([]));
    assert_eq!(
        doc["token_signing_alg_values_supported"],
        serde_json::json!(["EdDSA"])
    );
    // The issuer is the tokens' `iss`, and the JWKS it names answers.
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    assert_eq!(claim(&issued, "access_token", "iss"), doc["issuer"]);
    let jwks = app
        .http
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
}

async fn the_openapi_examples_have_the_fields_of_today_s_oauth2_answers(app: TestApp) {
    let doc: Value = app.get_json("/openapi.json").await;
    let keys = |value: &Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let example = |pointer: &str| {
        doc.pointer(pointer)
            .unwrap_or_else(|| panic!("no example at {pointer}"))
            .clone()
    };
    let (_, key) = app.account_with_key("ada@example.com").await;
    let issued = client_token(&app, &key, None).await;
    let json = "content/application~1json/examples";
    assert_eq!(
        keys(&example(&format!(
            "/paths/~1oauth2~1token/post/responses/200/{json}/clientCredentials/value"
        ))),
        keys(&issued)
    );
    let introspected = form(
        &app,
        "/oauth2/introspect",
        Auth::Basic(&key),
        &[("token", issued["access_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(
        keys(&example(&format!(
            "/paths/~1oauth2~1introspect/post/responses/200/{json}/active/value"
        ))),
        keys(&introspected.body)
    );
    let metadata: Value = app
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(
        keys(&example(&format!(
            "/paths/~1.well-known~1oauth-authorization-server/get/responses/200/{json}/default/value"
        ))),
        keys(&metadata)
    );
}
