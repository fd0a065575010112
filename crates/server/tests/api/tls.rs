//! TLS on the listener: HTTPS with a configured certificate, and a start that stops on
//! a missing or mismatched one.

use latchkeyd::config::TlsFiles;
use latchkeyd::{Application, Config};
use serde_json::Value;

use crate::helpers::{PASSWORD, TempDir};

/// A self-signed certificate for 127.0.0.1, written as PEM files in `dir`.
pub(crate) fn self_signed(dir: &TempDir) -> TlsFiles {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let files = TlsFiles {
        cert: dir.0.join("cert.pem"),
        key: dir.0.join("key.pem"),
    };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.signing_key.serialize_pem()).unwrap();
    files
}

#[tokio::test]
async fn latchkeyd_serves_https_with_a_configured_certificate() {
    let dir = TempDir::new();
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        format!("sqlite://{}", dir.0.join("latchkey.db").display()),
    );
    config.tls = Some(self_signed(&dir));
    let app = Application::build(config).await.unwrap();
    let port = app.port();
    let base = format!("https://127.0.0.1:{port}");
    assert_eq!(app.issuer(), base, "the default issuer follows the scheme");
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let https = reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let signup = https
        .post(format!("{base}/users"))
        .json(&serde_json::json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    assert_eq!(
        signup.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let login = https
        .post(format!("{base}/auth/login"))
        .basic_auth("ada@example.com", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let login: Value = login.json().await.unwrap();
    let (_, claims) = crate::helpers::decode(login["accessToken"].as_str().unwrap());
    assert_eq!(claims["iss"], base);

    // Plain HTTP on the TLS port gets nowhere, and the server keeps serving.
    assert!(
        reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_err()
    );

    // The Wazo seed's request, byte for byte, with curl -k.
    let curl = tokio::process::Command::new("curl")
        .args([
            "-k",
            "-sS",
            "-XPOST",
            "-H",
            "Content-Type: application/json",
        ])
        .args(["-u", &format!("ada@example.com:{PASSWORD}")])
        .arg(format!("{base}/auth/login"))
        .output()
        .await;
    match curl {
        Ok(output) => {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let body: Value = serde_json::from_slice(&output.stdout).unwrap();
            assert!(body["accessToken"].as_str().unwrap().split('.').count() == 3);
        }
        Err(err) => eprintln!("curl not available ({err}); skipping the curl -k check"),
    }
}

#[tokio::test]
async fn a_missing_or_mismatched_certificate_stops_the_start() {
    let dir = TempDir::new();
    let database = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database.clone());
    config.tls = Some(TlsFiles {
        cert: dir.0.join("missing.pem"),
        key: dir.0.join("missing-key.pem"),
    });
    let err = Application::build(config).await.err().unwrap();
    assert!(format!("{err:#}").contains("certificate"), "{err:#}");

    let mut files = self_signed(&dir);
    let other = TempDir::new();
    files.key = self_signed(&other).key;
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database);
    config.tls = Some(files);
    assert!(Application::build(config).await.is_err());
}
