//! Network ranges: [`Cidr`] (one IPv4 or IPv6 prefix) and [`Networks`] (a list of them),
//! parsed once at the edge. A client key's `allowedCidrs` and the server's trusted
//! proxies are both [`Networks`].
//!
//! An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports for
//! an IPv4 peer) is compared as the IPv4 address it carries, so `192.0.2.0/24` matches
//! it whichever way the listener was bound.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Most ranges one list may hold (a client key's, or the trusted proxies).
pub const MAX_NETWORKS: usize = 64;

/// One address range: an address and a prefix length, host bits zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a range was refused; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32")]
pub struct CidrError(pub String);

/// The address as the family its bits belong to (IPv4-mapped IPv6 as IPv4).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The address's bits, left-aligned in 128 bits, and its family's width.
fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)) << 96, 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    }
}

impl Cidr {
    /// Parses `address/prefix`, or a bare address (a single host). Host bits must be
    /// zero: `10.0.0.1/8` is refused rather than silently widened.
    ///
    /// # Errors
    ///
    /// [`CidrError`] naming the text.
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let refuse = || CidrError(text.to_owned());
        let trimmed = text.trim();
        let (address, prefix) = match trimmed.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (trimmed, None),
        };
        let network = canonical(IpAddr::from_str(address).map_err(|_| refuse())?);
        let (value, width) = bits(network);
        let prefix = match prefix {
            None => width,
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
                p.parse::<u8>().map_err(|_| refuse())?
            }
            Some(_) => return Err(refuse()),
        };
        if prefix > width || value & !mask(prefix) != 0 {
            return Err(refuse());
        }
        Ok(Self { network, prefix })
    }

    /// Whether `ip` is in the range.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if ip.is_ipv4() != self.network.is_ipv4() {
            return false;
        }
        let m = mask(self.prefix);
        bits(ip).0 & m == bits(self.network).0 & m
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// A list of ranges; empty means "none" (what that means is the caller's: a client key
/// without `allowedCidrs` is usable from anywhere, an empty trusted-proxy list trusts
/// nobody).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(Vec<Cidr>);

impl Networks {
    /// Parses each range.
    ///
    /// # Errors
    ///
    /// [`CidrError`] for the first bad one, or for more than [`MAX_NETWORKS`].
    pub fn parse<S: AsRef<str>>(ranges: &[S]) -> Result<Self, CidrError> {
        if ranges.len() > MAX_NETWORKS {
            return Err(CidrError(format!(
                "{} ranges (at most {MAX_NETWORKS})",
                ranges.len()
            )));
        }
        ranges
            .iter()
            .map(|r| Cidr::parse(r.as_ref()))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether the list holds no range.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any range contains `ip`.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The ranges, as text (`203.0.113.0/24`).
    #[must_use]
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_and_ipv6_ranges_contain_their_addresses_only() {
        let v4 = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(v4.contains(ip("203.0.113.7")));
        assert!(v4.contains(ip("::ffff:203.0.113.7")));
        assert!(!v4.contains(ip("203.0.114.1")));
        assert!(!v4.contains(ip("2001:db8::1")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("203.0.113.7")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
        let host = Cidr::parse("192.0.2.1").unwrap();
        assert_eq!(host.to_string(), "192.0.2.1/32");
        assert!(host.contains(ip("192.0.2.1")) && !host.contains(ip("192.0.2.2")));
    }

    #[test]
    fn malformed_ranges_and_host_bits_are_refused() {
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0.1/8",
            "2001:db8::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "example.com/8",
            "10.0.0.0/8/8",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
        let err = Networks::parse(&["10.0.0.0/8", "nope"]).unwrap_err();
        assert!(err.to_string().contains("\"nope\""), "{err}");
    }
}
