//! What failed attempts are counted against, and the key each counter is stored under.

use std::net::IpAddr;

use aws_lc_rs::digest;

use crate::ids::{AccountId, ClientId, to_hex};
use crate::settings::Lockout;

/// Who is named by a login: an account, or a name that names none (counted all the
/// same, so that a lockout tells nothing about which names exist).
#[derive(Debug, Clone, Copy)]
pub(crate) enum LoginName<'a> {
    Account(&'a AccountId),
    Unknown(&'a str),
}

/// What failed attempts are counted against.
///
/// A name is never counted alone: a stranger who knows an email or a client ID (neither
/// is secret) must not be able to lock its owner out. Failures are counted per name *and
/// source address*, and per source address across names (with `address_factor` times
/// the limits, for addresses shared by many people).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Subject<'a> {
    /// A login name tried from one source.
    Login(LoginName<'a>, Option<IpAddr>),
    /// A client ID tried from one source.
    Client(&'a ClientId, Option<IpAddr>),
    /// A source address, whatever it tried.
    Address(IpAddr),
}

impl Subject<'_> {
    /// The subjects of an attempt at `name` from `source`: the pair, and the address.
    pub(crate) fn login(name: LoginName<'_>, source: Option<IpAddr>) -> Vec<Subject<'_>> {
        let mut subjects = vec![Subject::Login(name, source)];
        subjects.extend(source.map(Subject::Address));
        subjects
    }

    /// The subjects of an attempt at client `id` from `source`.
    pub(crate) fn client(id: &ClientId, source: Option<IpAddr>) -> Vec<Subject<'_>> {
        let mut subjects = vec![Subject::Client(id, source)];
        subjects.extend(source.map(Subject::Address));
        subjects
    }

    /// The counter's key, e.g. `account:ID@203.0.113.7` or `addr:2001:db8:1:2::/64`.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Login(LoginName::Account(id), from) => format!("account:{id}@{}", network(*from)),
            Self::Login(LoginName::Unknown(name), from) => {
                let folded = name.trim().to_lowercase();
                let hash = digest::digest(&digest::SHA256, folded.as_bytes());
                format!("login:{}@{}", to_hex(&hash.as_ref()[..16]), network(*from))
            }
            Self::Client(id, from) => format!("client:{id}@{}", network(*from)),
            Self::Address(ip) => format!("addr:{}", network(Some(*ip))),
        }
    }

    /// How many times the policy's counts this subject gets.
    pub(crate) fn scale(&self, policy: &Lockout) -> u32 {
        match self {
            Self::Address(_) => policy.address_factor.max(1),
            _ => 1,
        }
    }

    /// Whether a success forgets this subject's failures (a name's, not an address's:
    /// one person's success says nothing of the others behind the address).
    pub(crate) fn forgotten_on_success(&self) -> bool {
        !matches!(self, Self::Address(_))
    }
}

/// A source as counted: an IPv4 address, or an IPv6 address's /64 (one host usually
/// holds a whole /64, and could otherwise try from each of its addresses in turn).
fn network(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{prefix}/64")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_login_name_is_keyed_without_case_or_spaces() {
        let key = |name| Subject::Login(LoginName::Unknown(name), None).key();
        assert_eq!(key(" Ada@Example.com"), key("ada@example.com"));
        assert!(key("x").starts_with("login:"));
    }

    #[test]
    fn an_ipv6_source_counts_as_its_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(Subject::Address(a).key(), "addr:2001:db8:1:2::/64");
        assert_eq!(Subject::Address(a).key(), Subject::Address(b).key());
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(Subject::Address(mapped).key(), "addr:203.0.113.7");
    }
}
