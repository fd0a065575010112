//! The stored profile: private, atomic, per profile, masked when listed.

use crate::harness::Env;

#[test]
fn the_profile_file_is_private_and_profiles_are_separate() {
    let env = Env::start(3600);
    env.signed_up("ada@example.com");
    let path = env.ok(&["conf", "path"]).trim().to_owned();
    assert!(path.ends_with("profiles/default.toml"), "{path}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "profile mode {mode:o}");
        let dir = std::path::Path::new(&path).parent().unwrap();
        let mode = std::fs::metadata(dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "directory mode {mode:o}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(std::path::Path::new(&path).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    assert_eq!(
        env.ok(&["conf", "list", "--profile", "other"]).trim(),
        "Profile \"other\" is empty."
    );
    let error = env.fails(&["whoami", "--profile", "other"], &[]);
    assert!(
        error.contains("not logged in (profile \"other\")"),
        "{error}"
    );
}

#[test]
fn conf_masks_secrets_unless_asked_and_reads_like_the_seeds() {
    let env = Env::start(3600);
    env.signed_up("ada@example.com");
    let token = env.ok(&["conf", "accessToken"]).trim().to_owned();
    assert!(token.starts_with("ey"));
    assert_eq!(env.ok(&["conf", "get", "accessToken"]).trim(), token);

    let list = env.ok(&["conf", "list"]);
    assert!(!list.contains(&token), "masked: {list}");
    assert!(list.contains("email = ada@example.com"), "{list}");
    assert!(
        list.contains(&format!("accessToken = {}…", &token[..4])),
        "{list}"
    );
    let shown = env.ok(&["conf", "list", "--show-secrets"]);
    assert!(shown.contains(&token));

    env.ok(&["conf", "set", "email", "other@example.com"]);
    assert_eq!(env.conf("email").as_deref(), Some("other@example.com"));
    env.ok(&["conf", "unset", "email"]);
    assert_eq!(env.conf("email"), None);
    let error = env.fails(&["conf", "get", "email"], &[]);
    assert!(error.contains("email is not set"), "{error}");
}
