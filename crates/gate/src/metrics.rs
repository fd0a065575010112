//! `/metrics` in the Prometheus text format: decisions counted by outcome (a fixed set of
//! labels: never an id, a token or a raw path), the verification keys held, the rules
//! loaded. A decision costs one relaxed atomic add.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// How a `/verify` request was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A valid token, as the rule asks: 200 with the identity headers.
    Allowed,
    /// A public rule: 200 without a token.
    Public,
    /// No token on a rule that needs one: 401.
    MissingToken,
    /// A token refused (expired, bad signature, wrong issuer, a DPoP-bound token sent
    /// as a bearer token…): 401.
    InvalidToken,
    /// A DPoP token whose proof is missing or wrong (method, URI, age, `ath`, replay…):
    /// 401.
    InvalidDpopProof,
    /// A valid token without the rule's scope (or kind): 403.
    InsufficientScope,
    /// No rule for this method and path: 403.
    NoRule,
    /// The original request could not be read, or its path is ambiguous: 400.
    BadRequest,
    /// No keys to verify with yet: 503.
    Unavailable,
}

impl Outcome {
    const ALL: [Self; 9] = [
        Self::Allowed,
        Self::Public,
        Self::MissingToken,
        Self::InvalidToken,
        Self::InvalidDpopProof,
        Self::InsufficientScope,
        Self::NoRule,
        Self::BadRequest,
        Self::Unavailable,
    ];

    /// The `outcome` label.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Public => "public",
            Self::MissingToken => "missing_token",
            Self::InvalidToken => "invalid_token",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::InsufficientScope => "insufficient_scope",
            Self::NoRule => "no_rule",
            Self::BadRequest => "bad_request",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The decision counters.
#[derive(Debug, Default)]
pub struct Metrics {
    decisions: [AtomicU64; Outcome::ALL.len()],
}

impl Metrics {
    /// Counts one decision.
    pub fn record(&self, outcome: Outcome) {
        self.decisions[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition, with the number of keys held and of rules loaded.
    ///
    /// ```
    /// use latchkey_gate::metrics::{Metrics, Outcome};
    /// let metrics = Metrics::default();
    /// metrics.record(Outcome::Allowed);
    /// let text = metrics.render(1, 3);
    /// assert!(text.contains(r#"latchkey_gate_decisions_total{outcome="allowed"} 1"#));
    /// ```
    #[must_use]
    pub fn render(&self, keys: usize, rules: usize) -> String {
        let mut out = String::with_capacity(1024);
        out.push_str(
            "# HELP latchkey_gate_decisions_total Forward-auth decisions, by outcome.\n\
             # TYPE latchkey_gate_decisions_total counter\n",
        );
        for outcome in Outcome::ALL {
            let count = self.decisions[outcome as usize].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "latchkey_gate_decisions_total{{outcome=\"{}\"}} {count}",
                outcome.as_str()
            );
        }
        let _ = write!(
            out,
            "# HELP latchkey_gate_verification_keys Keys held to verify tokens with.\n\
             # TYPE latchkey_gate_verification_keys gauge\n\
             latchkey_gate_verification_keys {keys}\n\
             # HELP latchkey_gate_rules Rules loaded.\n\
             # TYPE latchkey_gate_rules gauge\n\
             latchkey_gate_rules {rules}\n"
        );
        out
    }
}
