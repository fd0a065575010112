//! `signup`, `login`, `logout`, `whoami`.

use anyhow::ensure;
use latchkey_client::Client;
use latchkey_client::api::LoginRequest;
use serde_json::json;

use crate::args::Credentials;
use crate::context::Context;
use crate::explain::explain;
use crate::prompt;

pub async fn signup(context: &mut Context, credentials: Credentials) -> anyhow::Result<()> {
    let email = email(&credentials)?;
    let password = if credentials.password_stdin {
        prompt::read_line()?
    } else {
        let password = prompt::password("Password", "--password-stdin")?;
        let again = prompt::password("Password (again)", "--password-stdin")?;
        ensure!(password == again, "the passwords do not match");
        password
    };
    let client = context.client()?;
    let account = client
        .signup(&email, &password)
        .await
        .map_err(|e| explain(e, "sign up"))?;
    log_in(context, &client, &account.email, &password).await?;
    context.print(&account, || {
        println!(
            "✔ Signed up and logged in as {} (account {}).",
            account.email, account.id
        );
    })
}

pub async fn login(context: &mut Context, credentials: Credentials) -> anyhow::Result<()> {
    let email = email(&credentials)?;
    let password = if credentials.password_stdin {
        prompt::read_line()?
    } else {
        prompt::password("Password", "--password-stdin")?
    };
    let client = context.client()?;
    log_in(context, &client, &email, &password).await?;
    let profile = context.global.profile.clone();
    context.print(&json!({ "email": email, "profile": profile }), || {
        println!(
            "✔ Logged in as {email}. The account access token is stored in profile {profile:?}."
        );
    })
}

async fn log_in(
    context: &mut Context,
    client: &Client,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    let tokens = client
        .login(email, password, &LoginRequest::default())
        .await
        .map_err(|e| explain(e, "log in"))?;
    context.remember_server();
    context.profile.email = Some(email.to_owned());
    context.profile.access_token = Some(tokens.access_token);
    context.save()
}

fn email(credentials: &Credentials) -> anyhow::Result<String> {
    match &credentials.email {
        Some(email) => Ok(email.clone()),
        None => prompt::text("Email", "--email or LATCHKEY_EMAIL"),
    }
}

pub fn logout(context: &mut Context, all: bool) -> anyhow::Result<()> {
    let profile = context.global.profile.clone();
    if all {
        context.file.delete()?;
    } else {
        context.profile.access_token = None;
        context.save()?;
    }
    context.print(&json!({ "profile": profile, "deleted": all }), || {
        if all {
            println!("✔ Deleted profile {profile:?}: login, client keys and tokens.");
        } else {
            println!("✔ Logged out of profile {profile:?}.");
        }
    })
}

pub async fn whoami(context: &Context) -> anyhow::Result<()> {
    let token = context.account_token()?;
    let account = context
        .client()?
        .me(token)
        .await
        .map_err(|e| explain(e, "read the account"))?;
    context.print(&account, || {
        println!(
            "{} (account {}) on {}",
            account.email,
            account.id,
            context.server()
        );
    })
}
