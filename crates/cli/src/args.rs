//! The command line, as `clap` reads it: every command with an example in its help.

use clap::{Args, Parser, Subcommand};
use latchkey_client::ClientSecret;

/// The Latchkey command line: log in, create client keys for your programs, and get
/// access tokens that it keeps fresh for you.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, propagate_version = true)]
#[command(after_help = "Examples:
  latchkey login --email ada@example.com
  latchkey client-keys create --name ci --store
  latchkey client-token --store
  curl -H \"Authorization: Bearer $(latchkey token)\" http://127.0.0.1:8401/nodes/v1/status")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The Latchkey service [default: the profile's, else http://127.0.0.1:8400]
    #[arg(long, env = "LATCHKEY_SERVER", global = true)]
    pub server: Option<String>,
    /// Which stored profile to use
    #[arg(
        long,
        env = "LATCHKEY_PROFILE",
        global = true,
        default_value = "default"
    )]
    pub profile: String,
    /// Print data as JSON
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account, then log in to it
    #[command(after_help = "Examples:
  latchkey signup
  printf '%s\\n' \"$PASSWORD\" | latchkey signup --email ada@example.com --password-stdin")]
    Signup(Credentials),
    /// Log in and store the account access token
    #[command(after_help = "Examples:
  latchkey login
  printf '%s\\n' \"$PASSWORD\" | latchkey login --email ada@example.com --password-stdin")]
    Login(Credentials),
    /// Forget the stored account access token
    #[command(after_help = "Examples:
  latchkey logout
  latchkey logout --all     # forget the whole profile: client keys and tokens too")]
    Logout {
        /// Delete the whole profile, not only the login
        #[arg(long)]
        all: bool,
    },
    /// Show the account you are logged in as
    #[command(after_help = "Example:\n  latchkey whoami --json")]
    Whoami,
    /// Create, list and delete client keys
    #[command(
        subcommand,
        name = "client-keys",
        after_help = "Examples:
  latchkey client-keys create --name ci --store
  latchkey client-keys list
  latchkey client-keys delete 3f2a…"
    )]
    ClientKeys(ClientKeys),
    /// Trade client keys for a client access token and a refresh token
    #[command(
        name = "client-token",
        after_help = "Examples:
  latchkey client-token                       # the keys stored by `client-keys create --store`
  LATCHKEY_CLIENT_ID=… LATCHKEY_CLIENT_SECRET=… latchkey client-token --store"
    )]
    ClientToken(ClientToken),
    /// Read and change the stored profile
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:
  latchkey conf accessToken
  latchkey conf list
  latchkey conf set server https://auth.example.com"
    )]
    Conf(Conf),
    /// Print a valid access token, refreshing it first if needed
    #[command(after_help = "Example:
  curl -H \"Authorization: Bearer $(latchkey token)\" http://127.0.0.1:8401/nodes/v1/status")]
    Token {
        /// The account access token instead of the client access token
        #[arg(long)]
        account: bool,
    },
    /// Make an authenticated request (refreshing, and retrying once after a 401)
    #[command(after_help = "Examples:
  latchkey request http://127.0.0.1:8401/nodes/v1/status
  latchkey request --account /users/me
  latchkey request POST /client-keys --account -d '{\"name\": \"ci\"}'
  latchkey request -H 'Accept: application/json' http://127.0.0.1:8401/nodes/v1/status")]
    Request(Request),
}

#[derive(Debug, Args)]
pub struct Credentials {
    /// The account's email (or, to log in, its id) [prompted for on a terminal]
    #[arg(long, env = "LATCHKEY_EMAIL")]
    pub email: Option<String>,
    /// Read the password from the first line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClientKeys {
    /// Create a client key; its secret is shown this once
    #[command(after_help = "Examples:
  latchkey client-keys create --name ci
  latchkey client-keys create --name deploy --scope 'nodes:read' --store
  latchkey client-keys create --name ci --expires-in 90d --allow-cidr 203.0.113.0/24")]
    Create {
        /// A name to tell the key apart
        #[arg(long)]
        name: Option<String>,
        /// Space-separated scopes the key's tokens are limited to
        #[arg(long)]
        scope: Option<String>,
        /// Rotate the key's refresh token at every refresh
        #[arg(long)]
        rotate_refresh_tokens: bool,
        /// Make the key stop working after this long: 90d, 12h, 30m or 3600s
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expires_in: Option<u64>,
        /// Accept token requests only from this network (a CIDR such as 203.0.113.0/24
        /// or 2001:db8::/32, or one address); repeat for several
        #[arg(long = "allow-cidr", value_name = "CIDR")]
        allow_cidrs: Vec<String>,
        /// Refuse token requests without a DPoP proof (RFC 9449)
        #[arg(long)]
        dpop_bound: bool,
        /// Keep the client ID and secret in the profile, for `latchkey client-token`
        #[arg(long)]
        store: bool,
    },
    /// Give a client key a new secret, shown this once; the old one keeps working for
    /// the overlap (one day by default)
    #[command(
        name = "rotate-secret",
        after_help = "Examples:
  latchkey client-keys rotate-secret 3f2a…
  latchkey client-keys rotate-secret 3f2a… --overlap 7d --store"
    )]
    RotateSecret {
        /// The client ID
        client_id: String,
        /// How long the old secret keeps working: 0s to 30d [default: 1d]
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        overlap: Option<u64>,
        /// Keep the new secret in the profile, for `latchkey client-token`
        #[arg(long)]
        store: bool,
    },
    /// List your client keys
    #[command(after_help = "Example:\n  latchkey client-keys list --json")]
    List,
    /// Delete a client key and every token made from it
    #[command(after_help = "Example:\n  latchkey client-keys delete 3f2a…")]
    Delete {
        /// The client ID
        client_id: String,
    },
}

#[derive(Debug, Args)]
pub struct ClientToken {
    /// The client ID [default: the stored one]
    #[arg(long, env = "LATCHKEY_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The client secret (prefer the environment variable or --client-secret-stdin: a
    /// flag shows in the process list) [default: the stored one]
    #[arg(long, env = "LATCHKEY_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<ClientSecret>,
    /// Read the client secret from the first line of standard input
    #[arg(long, conflicts_with = "client_secret")]
    pub client_secret_stdin: bool,
    /// Store the tokens in the profile without asking
    #[arg(long, conflicts_with = "no_store")]
    pub store: bool,
    /// Do not store the tokens, without asking
    #[arg(long)]
    pub no_store: bool,
    /// Bind the tokens to a DPoP key (RFC 9449), made now and kept beside them; `token`
    /// and `request` then refresh and send them with proofs
    #[arg(long)]
    pub dpop: bool,
}

#[derive(Debug, Args)]
pub struct Conf {
    #[command(subcommand)]
    pub action: Option<ConfAction>,
    /// Shorthand for `conf get KEY`
    pub key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfAction {
    /// Print one value (secrets included: you asked for it)
    #[command(
        after_help = "Examples:\n  latchkey conf get accessToken\n  latchkey conf accessToken"
    )]
    Get {
        /// accessToken, clientAccessToken, refreshToken, clientId, clientSecret, email, server
        key: String,
    },
    /// Set one value
    #[command(after_help = "Example:\n  latchkey conf set server https://auth.example.com")]
    Set {
        /// The key
        key: String,
        /// The value
        value: String,
    },
    /// Remove one value
    #[command(after_help = "Example:\n  latchkey conf unset clientSecret")]
    Unset {
        /// The key
        key: String,
    },
    /// List the profile's values, secrets masked
    #[command(
        after_help = "Examples:\n  latchkey conf list\n  latchkey conf list --show-secrets --profile ci"
    )]
    List {
        /// Show the secrets in full
        #[arg(long)]
        show_secrets: bool,
    },
    /// Print the profile file's path
    #[command(after_help = "Example:\n  latchkey conf path --profile ci")]
    Path,
}

#[derive(Debug, Args)]
pub struct Request {
    /// The method and the URL (or a path on the Latchkey service): `[METHOD] URL`
    #[arg(num_args = 1..=2, value_names = ["METHOD", "URL"], required = true)]
    pub target: Vec<String>,
    /// A JSON request body
    #[arg(short = 'd', long = "data")]
    pub data: Option<String>,
    /// An extra request header, `Name: value` (repeatable)
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Use the account access token instead of the client access token
    #[arg(long)]
    pub account: bool,
}

/// A duration such as `90d`, `12h`, `30m`, `3600s` or `3600`, in seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?}: expected a number and s, m, h or d, e.g. 90d"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("{text:?}: expected a number and s, m, h or d, e.g. 90d"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_take_a_unit_of_s_m_h_or_d() {
        assert_eq!(parse_duration("90d"), Ok(90 * 86_400));
        assert_eq!(parse_duration("12h"), Ok(43_200));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("3600"), Ok(3_600));
        assert_eq!(parse_duration("0s"), Ok(0));
        for bad in ["", "d", "90w", "-1d", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
