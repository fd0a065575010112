//! `conf get | set | unset | list | path`, and `conf KEY` as the seeds' `bcl conf accessToken`.

use anyhow::{Context as _, bail};
use serde_json::{Map, Value};

use crate::args::{Conf, ConfAction};
use crate::context::Context;
use crate::profile::{KEYS, mask};

pub fn run(context: &mut Context, args: Conf) -> anyhow::Result<()> {
    let action = match (args.action, args.key) {
        (Some(action), _) => action,
        (None, Some(key)) => ConfAction::Get { key },
        (None, None) => ConfAction::List {
            show_secrets: false,
        },
    };
    match action {
        ConfAction::Get { key } => {
            let value = context
                .profile
                .get(&key)?
                .map(str::to_owned)
                .with_context(|| {
                    format!("{key} is not set in profile {:?}", context.global.profile)
                })?;
            context.print(&Value::String(value.clone()), || println!("{value}"))
        }
        ConfAction::Set { key, value } => {
            if key == "server" && !(value.starts_with("http://") || value.starts_with("https://")) {
                bail!("server must be an http:// or https:// URL");
            }
            context.profile.set(&key, Some(value))?;
            context.save()
        }
        ConfAction::Unset { key } => {
            context.profile.set(&key, None)?;
            context.save()
        }
        ConfAction::List { show_secrets } => list(context, show_secrets),
        ConfAction::Path => {
            let path = context.file.path().display().to_string();
            context.print(&Value::String(path.clone()), || println!("{path}"))
        }
    }
}

fn list(context: &mut Context, show_secrets: bool) -> anyhow::Result<()> {
    let mut values = Map::new();
    for (key, secret) in KEYS {
        if let Some(value) = context.profile.get(key)? {
            let shown = if secret && !show_secrets {
                mask(value)
            } else {
                value.to_owned()
            };
            values.insert(key.to_owned(), Value::String(shown));
        }
    }
    context.print(&values, || {
        if values.is_empty() {
            println!("Profile {:?} is empty.", context.global.profile);
        }
        for (key, value) in &values {
            println!("{key} = {}", value.as_str().unwrap_or_default());
        }
    })
}
