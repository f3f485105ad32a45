//! JSON Web Tokens read, never verified: the header and claims of an id_token are what a
//! capture can prove things about (who issued it, for whom, until when), while its signature
//! needs keys the capture does not hold. The raw token never leaves this module's callers
//! except masked.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::Digest as _;

/// A JWT's decoded parts (RFC 7519 §7.2, without step 8's signature check).
#[derive(Debug, Clone, Default)]
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
}

impl Jwt {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim (`exp`, `iat`): seconds since the epoch; a fraction is cut off.
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
    }

    /// `aud`: one string or an array of them (RFC 7519 §4.1.3).
    pub fn audiences(&self) -> Option<Vec<String>> {
        match self.claims.get("aud")? {
            Value::String(s) => Some(vec![s.clone()]),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Decodes a compact JWS (`header.claims.signature`, each part base64url without padding).
/// `None` for anything else: an opaque token, a JWE (five parts), a part that is not a JSON
/// object.
pub fn decode(token: &str) -> Option<Jwt> {
    let mut parts = token.trim().split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let object = |part: &str| -> Option<Map<String, Value>> {
        // Some issuers pad; RFC 7515 says not to, and padding carries nothing.
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(m) => Some(m),
            _ => None,
        }
    };
    Some(Jwt {
        header: object(header)?,
        claims: object(claims)?,
    })
}

/// Whether a value has a JWT's shape (three base64url parts whose header is JSON).
pub fn is_jwt(value: &str) -> bool {
    value.starts_with("eyJ") && decode(value).is_some()
}

/// `at_hash` / `c_hash` of a value (OpenID Connect Core §3.1.3.6, §3.3.2.11): the base64url of
/// the left half of the hash of its ASCII octets, with the hash of the `alg` family (SHA-256
/// for `*256`, SHA-384 for `*384`, SHA-512 for `*512`, and `EdDSA` with Ed25519's SHA-512).
/// `None` when the algorithm names no hash (`none`, an unknown one).
pub fn left_half_hash(alg: &str, value: &str) -> Option<String> {
    let digest: Vec<u8> = if alg.ends_with("256") {
        sha2::Sha256::digest(value.as_bytes()).to_vec()
    } else if alg.ends_with("384") {
        sha2::Sha384::digest(value.as_bytes()).to_vec()
    } else if alg.ends_with("512") || alg == "EdDSA" {
        sha2::Sha512::digest(value.as_bytes()).to_vec()
    } else {
        return None;
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn decodes_header_and_claims_without_the_signature() {
        let t = jwt(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"iss":"https://accounts.google.com","aud":["a","b"],"exp":1700000000,"iat":1699996400.5}"#,
        );
        let j = decode(&t).expect("a JWT");
        assert_eq!(j.alg(), Some("RS256"));
        assert_eq!(j.claim_str("iss"), Some("https://accounts.google.com"));
        assert_eq!(j.audiences(), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(j.claim_time("exp"), Some(1_700_000_000));
        assert_eq!(j.claim_time("iat"), Some(1_699_996_400));
        assert!(is_jwt(&t));
    }

    #[test]
    fn refuses_what_is_not_a_jws() {
        assert!(decode("opaque-token").is_none());
        assert!(decode("a.b").is_none());
        assert!(decode("eyJhbGciOiJub25lIn0.bm90IGpzb24.").is_none());
        assert!(decode(&format!("{}.x.y.z.w", URL_SAFE_NO_PAD.encode("{}"))).is_none());
        // An unsigned token (`alg: none`) still decodes: its empty signature is a part.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"1"}"#)
        );
        assert_eq!(
            decode(&none)
                .and_then(|j| j.alg().map(str::to_string))
                .as_deref(),
            Some("none")
        );
    }

    #[test]
    fn at_hash_matches_the_specs_example() {
        // OpenID Connect Core, Appendix A.4 (`id_token token`): this access token's at_hash.
        assert_eq!(
            left_half_hash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y").as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
        assert_eq!(left_half_hash("none", "x"), None);
        assert_eq!(left_half_hash("ES384", "x").map(|h| h.len()), Some(32));
    }
}
