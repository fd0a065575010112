//! Property: no request, however malformed, gets a 5xx, and every error body is the
//! documented JSON shape.
//!
//! A small seeded generator (no proptest: the property needs no shrinking to be useful,
//! and the seed in the failure message replays the run) builds random methods, known and
//! junk paths, garbage or real credentials, and random, near-valid and valid bodies.
//! `LATCHKEY_RANDOM_SEED` and `LATCHKEY_RANDOM_REQUESTS` change the run.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use latchkey_testkit::TestApp;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Value, json};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn text(&mut self, max: usize) -> String {
        const ALPHABET: &[u8] = b"abcXYZ019-_.~%/:@,{}[]\"\\ \t+=?&#\x7f";
        let len = self.below(max + 1);
        let mut s: String = (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect();
        if self.chance(10) {
            s.push_str("é☃\u{0}");
        }
        s
    }
}

/// Known routes, with the method each takes.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/users"),
    ("GET", "/users/me"),
    ("PUT", "/users/me/password"),
    ("POST", "/auth/login"),
    ("POST", "/auth/token"),
    ("POST", "/client-keys"),
    ("GET", "/client-keys"),
    ("DELETE", "/client-keys/{id}"),
    ("GET", "/refresh-tokens"),
    ("DELETE", "/refresh-tokens"),
    ("DELETE", "/refresh-tokens/{id}"),
    ("POST", "/api/auth/0.1/token"),
    ("GET", "/api/auth/0.1/users/{id}/tokens"),
    ("DELETE", "/api/auth/0.1/users/{id}/tokens/{id}"),
    ("POST", "/oauth2/token"),
    ("POST", "/oauth2/introspect"),
    ("POST", "/oauth2/revoke"),
    ("GET", "/.well-known/oauth-authorization-server"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
];

/// Real credentials, so that random requests also reach the code behind authentication.
struct Tokens {
    account: String,
    client_access: String,
    client_refresh: String,
    client_id: String,
    client_secret: String,
}

fn jwt_like(rng: &mut Rng, tokens: &Tokens) -> String {
    let real = [
        &tokens.account,
        &tokens.client_access,
        &tokens.client_refresh,
    ];
    let token = real[rng.below(real.len())].clone();
    match rng.below(6) {
        0 => token,
        1 => {
            // Flip one character.
            let mut bytes = token.into_bytes();
            let i = rng.below(bytes.len());
            bytes[i] = b"AZaz09-_."[rng.below(9)];
            String::from_utf8_lossy(&bytes).into_owned()
        }
        2 => {
            let header = json!({"alg": rng.pick(&["EdDSA", "none", "HS256", "ES256", ""]), "kid": rng.text(8), "typ": rng.pick(&["at+jwt", "JWT", "rt+jwt"])});
            let claims = random_json(rng, 3);
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string()),
                URL_SAFE_NO_PAD.encode(rng.bytes(70))
            )
        }
        3 => token.splitn(3, '.').take(2).collect::<Vec<_>>().join("."),
        4 => format!("{token}.{}", rng.text(10)),
        _ => rng.text(120),
    }
}

fn random_json(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.chance(50)),
        2 => json!(rng.next() as i64),
        3 => json!(f64::from(rng.below(1000) as u32) / 7.0),
        4 => json!(rng.text(30)),
        5 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "email",
                "password",
                "grantType",
                "clientId",
                "clientSecret",
                "refreshToken",
                "expiration",
                "scope",
                "accessType",
                "client_id",
                "refresh_token",
                "access_type",
                "currentPassword",
                "newPassword",
                "name",
                "rotation",
            ];
            Value::Object(
                (0..rng.below(5))
                    .map(|_| {
                        (
                            keys[rng.below(keys.len())].to_owned(),
                            random_json(rng, depth - 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

fn near_valid_json(rng: &mut Rng, tokens: &Tokens) -> Vec<u8> {
    let valid = [
        json!({"email": "ada@example.com", "password": "correct horse battery staple"}),
        json!({"grantType": "clientCredentials", "clientId": tokens.client_id, "clientSecret": tokens.client_secret}),
        json!({"grantType": "refreshToken", "refreshToken": tokens.client_refresh}),
        json!({"expiration": 60, "clientId": "my-app", "accessType": "offline"}),
        json!({"expiration": 60, "client_id": "my-app", "access_type": "offline"}),
        json!({"currentPassword": "correct horse battery staple", "newPassword": "tulip ferry granite"}),
        json!({"name": "ci", "scope": "nodes:read"}),
    ];
    let mut value = valid[rng.below(valid.len())].clone();
    if let Value::Object(map) = &mut value
        && rng.chance(50)
    {
        let keys: Vec<_> = map.keys().cloned().collect();
        let key = &keys[rng.below(keys.len())];
        map.insert(key.clone(), random_json(rng, 2));
    }
    let mut bytes = value.to_string().into_bytes();
    match rng.below(5) {
        0 => bytes.truncate(rng.below(bytes.len() + 1)),
        1 => {
            let i = rng.below(bytes.len());
            bytes[i] = rng.next() as u8;
        }
        2 => {
            bytes.pop();
            bytes.extend_from_slice(b",}");
        }
        3 => bytes.extend(rng.bytes(8)),
        _ => {}
    }
    bytes
}

fn body(rng: &mut Rng, tokens: &Tokens) -> Vec<u8> {
    match rng.below(7) {
        0 => Vec::new(),
        1 => rng.bytes(300),
        2 => random_json(rng, 4).to_string().into_bytes(),
        3 | 4 => near_valid_json(rng, tokens),
        5 => format!(
            "grant_type={}&client_id={}&client_secret={}&token={}&refresh_token={}&scope={}",
            rng.pick(&["client_credentials", "refresh_token", "password", "", "%ZZ"]),
            rng.pick(&[tokens.client_id.as_str(), "", "x%00"]),
            rng.pick(&[tokens.client_secret.as_str(), "%", "+"]),
            jwt_like(rng, tokens),
            jwt_like(rng, tokens),
            rng.text(12),
        )
        .into_bytes(),
        _ => {
            // Deeply nested, and over the size limit.
            if rng.chance(50) {
                let depth = 1 + rng.below(5000);
                format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
            } else {
                vec![b' '; 70 * 1024]
            }
        }
    }
}

/// A method and a path: usually a known route with its own method.
fn target(rng: &mut Rng) -> (Method, String) {
    if rng.chance(10) {
        return (
            method(rng),
            format!("/{}", rng.text(60).replace(['#', '?'], "")),
        );
    }
    let (own, route) = ROUTES[rng.below(ROUTES.len())];
    let method = if rng.chance(80) {
        Method::from_bytes(own.as_bytes()).unwrap()
    } else {
        method(rng)
    };
    let mut path = route.to_owned();
    while path.contains("{id}") {
        let id = match rng.below(4) {
            0 => "a".repeat(40),
            1 => "123e4567-e89b-12d3-a456-426614174000".to_owned(),
            2 => rng.text(50).replace(['#', '?', '/'], ""),
            _ => String::new(),
        };
        path = path.replacen("{id}", &id, 1);
    }
    if rng.chance(10) {
        path.push_str(rng.pick(&["/", "?x=1", "//", "/..", "?expiration=-1"]));
    }
    (method, path)
}

fn header(rng: &mut Rng, tokens: &Tokens) -> Option<(HeaderName, Vec<u8>)> {
    let (name, value): (&str, Vec<u8>) = match rng.below(9) {
        0 => (
            "authorization",
            format!("Bearer {}", jwt_like(rng, tokens)).into_bytes(),
        ),
        1 => ("x-auth-token", jwt_like(rng, tokens).into_bytes()),
        2 => {
            let credentials = match rng.below(4) {
                0 => STANDARD.encode(format!("ada@example.com:{}", rng.text(20))),
                1 => STANDARD.encode(rng.bytes(30)),
                2 => STANDARD.encode(format!("{}:{}", tokens.client_id, tokens.client_secret)),
                _ => rng.text(30),
            };
            ("authorization", format!("Basic {credentials}").into_bytes())
        }
        3 => ("authorization", rng.bytes(40)),
        4 | 5 => (
            "content-type",
            rng.pick(&[
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "application/json; charset=utf-16",
                "multipart/form-data; boundary=x",
                "",
                "application/jwt+json",
            ])
            .as_bytes()
            .to_vec(),
        ),
        6 => ("content-type", rng.bytes(20)),
        7 => ("origin", b"https://evil.example.com".to_vec()),
        _ => return None,
    };
    Some((HeaderName::from_static(name), value))
}

fn method(rng: &mut Rng) -> Method {
    match rng.below(10) {
        0..=3 => Method::POST,
        4 | 5 => Method::GET,
        6 => Method::PUT,
        7 => Method::DELETE,
        8 => Method::OPTIONS,
        _ => {
            Method::from_bytes(rng.pick(&[b"PATCH".as_slice(), b"HEAD", b"FOO", b"TRACE"])).unwrap()
        }
    }
}

#[tokio::test]
async fn random_requests_never_get_a_5xx_and_errors_have_the_documented_shape() {
    let app = TestApp::spawn().await;
    let (account, key) = app.account_with_key("ada@example.com").await;
    let granted = app.client_grant(&key).await;
    let tokens = Tokens {
        account,
        client_access: granted.access_token,
        client_refresh: granted.refresh_token.unwrap().expose().to_owned(),
        client_id: key.client_id,
        client_secret: key.client_secret.expose().to_owned(),
    };
    let seed = std::env::var("LATCHKEY_RANDOM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_1A7C_4E11);
    let count: usize = std::env::var("LATCHKEY_RANDOM_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for i in 0..count {
        let (method, path) = target(&mut rng);
        let mut request = app.http.request(method.clone(), app.url(&path));
        let mut described = Vec::new();
        for _ in 0..rng.below(4) {
            if let Some((name, value)) = header(&mut rng, &tokens)
                && let Ok(value) = HeaderValue::from_bytes(&value)
            {
                described.push(name.to_string());
                request = request.header(name, value);
            }
        }
        let body = body(&mut rng, &tokens);
        let body_len = body.len();
        let Ok(response) = request
            .body(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
        else {
            // reqwest refused to build it (an unparsable URL): not a server answer.
            continue;
        };
        let status = response.status().as_u16();
        *statuses.entry(status).or_default() += 1;
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            // Answered before a large body was read: hyper then closes the connection and
            // the unread upload can reset it under the response. Not a server error.
            Err(_) if body_len > 16 * 1024 && status < 500 => continue,
            Err(err) => panic!("request {i} (seed {seed}): {method} {path}: {err}"),
        };
        let context = format!(
            "request {i} (seed {seed}): {method} {path} headers {described:?}, {body_len}-byte body -> {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(status < 500, "{context}");
        if status >= 400 && method != Method::HEAD {
            let error: Value = serde_json::from_slice(&bytes).expect(&context);
            // The OAuth 2 endpoints answer RFC 6749 bodies (`error_description`), except
            // for routing errors (404, 405), which are the native shape.
            let described = error["message"].is_string()
                || (path.starts_with("/oauth2/") && error["error_description"].is_string());
            assert!(error["error"].is_string() && described, "{context}");
        }
    }
    eprintln!(
        "{count} random requests in {:?}; statuses {statuses:?}",
        started.elapsed()
    );
}
