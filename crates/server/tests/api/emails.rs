//! Email addresses: one account per address however its Unicode is spelled, and no
//! invisible characters.

use latchkey_client::api::LoginRequest;

use latchkey_testkit::{PASSWORD, TestApp, assert_api_error, backend_tests};

backend_tests!(
    lookalike_emails_that_differ_only_in_normalisation_are_one_account,
    emails_with_control_or_invisible_characters_are_refused_with_400,
);

async fn lookalike_emails_that_differ_only_in_normalisation_are_one_account(app: TestApp) {
    // "renée@café.example", precomposed (NFC), as keyboards type it.
    let composed = "ren\u{e9}e@caf\u{e9}.example";
    let account = app.client.signup(composed, PASSWORD).await.unwrap();
    assert_eq!(account.email, composed);
    // The same address decomposed (e + U+0301), with the domain in capitals.
    let decomposed = "rene\u{301}e@CAFE\u{301}.EXAMPLE";
    assert_api_error(
        app.client.signup(decomposed, PASSWORD).await,
        409,
        "conflict",
    );
    let tokens = app
        .client
        .login(decomposed, PASSWORD, &LoginRequest::default())
        .await
        .unwrap();
    let me = app.client.me(&tokens.access_token).await.unwrap();
    assert_eq!((me.id, me.email), (account.id, composed.to_owned()));
}

async fn emails_with_control_or_invisible_characters_are_refused_with_400(app: TestApp) {
    for invisible in [
        "\u{200b}",  // zero-width space
        "\u{200c}",  // zero-width non-joiner
        "\u{200d}",  // zero-width joiner
        "\u{2060}",  // word joiner
        "\u{feff}",  // byte order mark
        "\u{ad}",    // soft hyphen
        "\u{202e}",  // right-to-left override
        "\u{2067}",  // right-to-left isolate
        "\u{200f}",  // right-to-left mark
        "\u{34f}",   // combining grapheme joiner
        "\u{fe0f}",  // variation selector 16
        "\u{3164}",  // Hangul filler
        "\u{e0041}", // tag latin capital letter A
        "\u{e000}",  // private use
        "\u{7}",     // bell
        "\u{85}",    // next line
    ] {
        let email = format!("ada{invisible}@example.com");
        assert_api_error(
            app.client.signup(&email, PASSWORD).await,
            400,
            "invalid_request",
        );
        let email = format!("ada@exam{invisible}ple.com");
        assert_api_error(
            app.client.signup(&email, PASSWORD).await,
            400,
            "invalid_request",
        );
    }
    app.signup("ada@example.com").await;
}
