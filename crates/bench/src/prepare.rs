//! `prepare`: accounts, client keys and tokens for every scenario, made through the SDK
//! and written as the files the wrk scripts read.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_client::Client;
use latchkey_client::api::{CreateClientKeyRequest, LoginRequest};
use serde_json::json;

use crate::{PASSWORD, write};

const EMAIL: &str = "bench@bench.test";
const SEED_EMAIL: &str = "seed@bench.test";
/// Accounts the login scenarios take turns with: latchkeyd runs at most `free_attempts`
/// (5) password checks of one account from one address at once (the lockout counts a
/// check before it runs), so a scenario logging in on many connections spreads them.
const LOGIN_ACCOUNTS: usize = 16;

pub async fn run(server: &str, dir: &Path, rotating: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let client = Client::new(server)?;
    client.signup(EMAIL, PASSWORD).await?;
    let account = client
        .login(EMAIL, PASSWORD, &LoginRequest::default())
        .await?
        .access_token;
    let key = client
        .create_client_key(&account, &CreateClientKeyRequest::default())
        .await?;
    let tokens = client
        .client_credentials(&key.client_id, &key.client_secret)
        .await?;
    let refresh = tokens
        .refresh_token
        .ok_or_else(|| anyhow::anyhow!("no refresh token from a client-credentials grant"))?;

    let cc = json!({
        "grantType": "clientCredentials",
        "clientId": key.client_id,
        "clientSecret": key.client_secret,
    });
    write(dir, "cc.json", &cc.to_string())?;
    let refresh_body = json!({"grantType": "refreshToken", "refreshToken": refresh});
    write(dir, "refresh.json", &refresh_body.to_string())?;
    write(dir, "account_token", &account)?;
    write(dir, "client_token", &tokens.access_token)?;
    crate::dpop::prepare(&client, dir, &key.client_id, &key.client_secret).await?;
    write(
        dir,
        "client_basic",
        &STANDARD.encode(format!("{}:{}", key.client_id, key.client_secret.expose())),
    )?;
    write(
        dir,
        "login_basic",
        &STANDARD.encode(format!("{EMAIL}:{PASSWORD}")),
    )?;
    let mut logins = String::new();
    for n in 0..LOGIN_ACCOUNTS {
        let email = format!("login{n}@bench.test");
        client.signup(&email, PASSWORD).await?;
        logins.push_str(&format!(
            "Basic {}\n",
            STANDARD.encode(format!("{email}:{PASSWORD}"))
        ));
    }
    write(dir, "login_auths.txt", &logins)?;
    write(
        dir,
        "introspect.form",
        &format!("token={}", tokens.access_token),
    )?;

    // Rotating refresh tokens: each wrk connection carries one chain.
    let rotating_key = client
        .create_client_key(
            &account,
            &CreateClientKeyRequest {
                rotate_refresh_tokens: Some(true),
                ..CreateClientKeyRequest::default()
            },
        )
        .await?;
    let mut chains = Vec::with_capacity(rotating);
    for _ in 0..rotating {
        let issued = client
            .client_credentials(&rotating_key.client_id, &rotating_key.client_secret)
            .await?;
        let refresh = issued
            .refresh_token
            .ok_or_else(|| anyhow::anyhow!("no rotating refresh token"))?;
        chains.push(refresh.expose().to_owned());
    }
    write(dir, "rotating.txt", &chains.join("\n"))?;

    // The owner of the seeded sessions (growth scenario).
    client.signup(SEED_EMAIL, PASSWORD).await?;
    let seed_token = client
        .login(SEED_EMAIL, PASSWORD, &LoginRequest::default())
        .await?
        .access_token;
    let seed_key = client
        .create_client_key(&seed_token, &CreateClientKeyRequest::default())
        .await?;
    write(dir, "seed_account", &client.me(&seed_token).await?.id)?;
    write(dir, "seed_client", &seed_key.client_id)?;
    Ok(())
}
