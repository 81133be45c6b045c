//! Tokens this server has already verified, so a client that presents the
//! same bearer token on every call (as MCP clients do for the token's
//! lifetime) pays for the RSA/ECDSA signature check and the claims parsing
//! once, not per request (the authorized server's throughput is held next to
//! the plain one's; the signature check was most of its extra CPU per call).
//!
//! What a hit still checks, on every request: `exp` and `nbf` against the
//! current time with the same leeway and the same comparisons as the full
//! validation ([`jsonwebtoken`]'s, with [`LEEWAY_SECS`]), so a cached token is
//! refused as expired the moment an uncached one would be. Everything else the
//! full validation checks (signature, algorithm, `kid`, `iss`, `aud`) depends
//! only on the token's bytes and the issuer's keys: the key is the exact token
//! string, and each cache belongs to one fetch of the keys (see
//! `validate::Keys`), so a refetch (key rotation) starts from an empty cache.
//! Only successes are stored: a refused token is validated afresh every time,
//! so no rejection can stick to a later valid token, and no refused token can
//! ever be served from here.
//!
//! Bounded by the bytes held (token length plus what it grants, plus a fixed
//! per-entry overhead), not the entry count, since a client chooses its
//! token's size. quick_cache does the bounding and eviction (S3-FIFO), with
//! sharded locks so concurrent requests do not serialise on one.

use std::sync::Arc;

use quick_cache::{Weighter, sync::Cache};
use serde_json::Value;

use super::validate::{LEEWAY_SECS, Principal, Rejection};

/// Default bound on the bytes the cache holds.
pub const DEFAULT_CAPACITY_BYTES: u64 = 8 << 20;
/// What one entry costs beside its token and grants (the map slot, the `Arc`,
/// the `HashSet`'s table): an estimate, so the bound errs on the safe side.
const ENTRY_OVERHEAD: u64 = 256;
/// Typical bearer tokens (an RS256 access token) are under 1 KiB.
const TYPICAL_ENTRY: u64 = 1024;

/// A token that passed the full validation: what it grants and when.
#[derive(Debug)]
pub struct Verified {
    pub principal: Principal,
    pub exp: u64,
    pub nbf: Option<u64>,
    /// Bytes held for this entry beside the token itself.
    weight: u64,
}

impl Verified {
    /// From the claims of a token that just passed the full validation.
    /// `None` (do not cache) if `exp` is missing or not a time the validation
    /// would have read the same way.
    pub fn new(principal: Principal, claims: &Value) -> Option<Verified> {
        let exp = numeric_date(claims.get("exp")?)?;
        let nbf = match claims.get("nbf") {
            None | Some(Value::Null) => None,
            Some(v) => Some(numeric_date(v)?),
        };
        let weight = ENTRY_OVERHEAD
            + principal.scopes.iter().map(|s| s.len() as u64 + 32).sum::<u64>()
            + principal.subject.as_ref().map_or(0, |s| s.len() as u64);
        Some(Verified { principal, exp, nbf, weight })
    }

    /// The time rules of the full validation at `now` (seconds since the
    /// epoch): expired when `exp < now - leeway`, not yet valid when
    /// `nbf > now + leeway`, `exp` first.
    pub fn check(&self, now: u64) -> Result<(), Rejection> {
        if self.exp < now.saturating_sub(LEEWAY_SECS) {
            return Err(Rejection::Expired);
        }
        if self.nbf.is_some_and(|nbf| nbf > now.saturating_add(LEEWAY_SECS)) {
            return Err(Rejection::NotYetValid);
        }
        Ok(())
    }
}

/// A JWT NumericDate as jsonwebtoken reads `exp`/`nbf`: a non-negative
/// integer, or a finite non-negative float rounded to the nearest second.
fn numeric_date(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let f = v.as_f64().filter(|f| v.is_f64() && f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)?;
    Some(f.round() as u64)
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<Verified>> for ByBytes {
    fn weight(&self, token: &String, v: &Arc<Verified>) -> u64 {
        token.len() as u64 + v.weight
    }
}

/// Verified tokens by their exact string, bounded in bytes.
pub struct TokenCache {
    inner: Cache<String, Arc<Verified>, ByBytes>,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::with_capacity(DEFAULT_CAPACITY_BYTES)
    }
}

impl TokenCache {
    pub fn with_capacity(bytes: u64) -> Self {
        let items = (bytes / TYPICAL_ENTRY).max(1) as usize;
        TokenCache { inner: Cache::with_weighter(items, bytes, ByBytes) }
    }

    pub fn get(&self, token: &str) -> Option<Arc<Verified>> {
        self.inner.get(token)
    }

    pub fn insert(&self, token: &str, verified: Verified) {
        self.inner.insert(token.to_owned(), Arc::new(verified));
    }

    pub fn remove(&self, token: &str) {
        self.inner.remove(token);
    }

    pub fn clear(&self) {
        self.inner.clear();
    }

    pub fn len(&self) -> usize {
        self.inner.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Bytes held, as the bound counts them.
    #[cfg(test)]
    fn weight(&self) -> u64 {
        self.inner.weight()
    }

    #[cfg(test)]
    fn capacity(&self) -> u64 {
        self.inner.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn verified(claims: Value) -> Verified {
        Verified::new(Principal::from_claims(&claims), &claims).expect("cacheable")
    }

    #[test]
    fn time_rules_match_the_full_validation_at_the_leeway_edges() {
        let v = verified(json!({"exp": 1000, "nbf": 900, "scope": "read:add"}));
        assert_eq!(v.check(1000 + LEEWAY_SECS), Ok(()), "exp == now - leeway is still valid");
        assert_eq!(v.check(1001 + LEEWAY_SECS), Err(Rejection::Expired));
        assert_eq!(v.check(900 - LEEWAY_SECS), Ok(()), "nbf == now + leeway is already valid");
        assert_eq!(v.check(899 - LEEWAY_SECS), Err(Rejection::NotYetValid));
        // exp is checked first, as jsonwebtoken does.
        let odd = verified(json!({"exp": 10, "nbf": 5000}));
        assert_eq!(odd.check(100), Err(Rejection::Expired));
    }

    #[test]
    fn numeric_dates_are_read_as_the_validation_reads_them() {
        assert_eq!(verified(json!({"exp": 1000.6})).exp, 1001);
        assert_eq!(verified(json!({"exp": 5, "nbf": null})).nbf, None);
        for bad in [json!({}), json!({"exp": -1}), json!({"exp": "1000"}), json!({"exp": 1, "nbf": "x"})] {
            assert!(Verified::new(Principal::default(), &bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_cache_is_keyed_by_the_exact_token() {
        let c = TokenCache::default();
        c.insert("aaa.bbb.ccc", verified(json!({"exp": 1})));
        assert!(c.get("aaa.bbb.ccc").is_some());
        for other in ["aaa.bbb.cc", "aaa.bbb.ccd", " aaa.bbb.ccc", "AAA.bbb.ccc"] {
            assert!(c.get(other).is_none(), "{other}");
        }
    }

    #[test]
    fn the_cache_stays_within_its_byte_bound() {
        let c = TokenCache::with_capacity(64 * 1024);
        let token = |i: usize| format!("{i:06}.{}", "x".repeat(900));
        for i in 0..2000 {
            c.insert(&token(i), verified(json!({"exp": 1, "scope": "read:add"})));
            assert!(c.weight() <= c.capacity(), "after {i}: {} > {}", c.weight(), c.capacity());
        }
        assert!(c.len() < 2000 && !c.is_empty(), "{} entries", c.len());
        assert!(c.len() as u64 * 900 <= 64 * 1024);
    }
}
