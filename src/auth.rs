//! Tokens: `Authorization: Bearer <JWT>` verified with `jsonwebtoken` against the key the
//! model file's `[access]` names, and read for the role and claims a request runs as.
//!
//! Each key is tied at start-up to the one algorithm family it belongs to, so a token can
//! never choose how it is checked (`alg: none`, an HS token against RSA keys, a public key
//! used as an HMAC secret all fail). A token is never logged or echoed; errors say what was
//! wrong with it, not what it held.

use jsonwebtoken::jwk::{JwkSet, PublicKeyUse};
use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey, Validation, decode, decode_header,
    get_current_timestamp,
};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::sync::Mutex;

use crate::model::Access;
use crate::model::access::TokenKey;

/// How tokens are checked, and the roles they may name.
pub struct Auth {
    keys: Vec<Key>,
    role_claim: Vec<String>,
    anonymous: Option<String>,
    roles: Vec<String>,
    /// Tokens verified already, with their session and `exp`: a client sends the same token
    /// request after request, and checking a signature costs more than a small query.
    verified: Mutex<HashMap<String, (Session, Option<u64>)>>,
}

/// How many verified tokens are kept; past it the set starts again (any number of distinct
/// tokens costs bounded memory). A token longer than `KEPT_TOKEN_BYTES` is verified each
/// time: the set holds at most `VERIFIED_KEPT × KEPT_TOKEN_BYTES` of tokens (16 MiB).
const VERIFIED_KEPT: usize = 4096;
const KEPT_TOKEN_BYTES: usize = 4096;

/// A key, the checks of its family, and its `kid` when the set names one.
struct Key {
    kid: Option<String>,
    key: DecodingKey,
    validation: Validation,
}

/// Who a request runs as: a role of the model file, and the token's claims.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub role: String,
    pub claims: Map<String, Json>,
}

/// Why a request may not run.
#[derive(Debug, PartialEq)]
pub enum Denied {
    /// No usable token (HTTP 401, `WWW-Authenticate: Bearer error="invalid_token"`).
    Unauthorized(String),
    /// A valid token whose role the model file does not have (HTTP 403).
    Forbidden(String),
}

/// How far a token's `exp` and `nbf` may be off, for clocks that disagree a little.
const LEEWAY_SECONDS: u64 = 30;
/// The shortest HMAC secret taken: HS256's output size, as RFC 7518 asks.
const MIN_SECRET: usize = 32;

impl Auth {
    /// The checks `access` asks for; an error when its key cannot be read.
    pub fn new(access: &Access) -> Result<Auth, String> {
        let keys = match &access.key {
            TokenKey::SecretEnv(var) => {
                let hmac = AlgorithmFamily::Hmac.algorithms().to_vec();
                vec![Key { kid: None, key: secret(var)?, validation: validation(access, hmac) }]
            }
            TokenKey::JwksFile(path) => public_keys(path, access)?,
        };
        Ok(Auth {
            keys,
            role_claim: access.role_claim.clone(),
            anonymous: access.anonymous.clone(),
            roles: access.roles.iter().map(|r| r.name.clone()).collect(),
            verified: Mutex::default(),
        })
    }

    /// The session of a request whose `Authorization` header is `header`.
    pub fn session(&self, header: Option<&str>) -> Result<Session, Denied> {
        let Some(header) = header else {
            return match &self.anonymous {
                Some(role) => Ok(Session { role: role.clone(), claims: Map::new() }),
                None => Err(Denied::Unauthorized("A token is required".into())),
            };
        };
        let token = bearer(header).ok_or_else(|| {
            Denied::Unauthorized("The Authorization header is not a Bearer token".into())
        })?;
        let verified = self.verified.lock().unwrap_or_else(|e| e.into_inner()).get(token).cloned();
        // The same bytes verify the same way; only time can make a verified token invalid.
        if let Some((session, exp)) = verified
            && exp.is_none_or(|exp| get_current_timestamp() <= exp.saturating_add(LEEWAY_SECONDS))
        {
            return Ok(session);
        }
        let session = self.verified_session(token)?;
        // Kept only with an `exp` the check above reads as jsonwebtoken does, on its clock: a
        // whole number of seconds, or none (a fractional one is verified each time).
        let exp = match session.claims.get("exp") {
            None => Some(None),
            Some(v) => v.as_u64().map(Some),
        };
        if let Some(exp) = exp.filter(|_| token.len() <= KEPT_TOKEN_BYTES) {
            let mut kept = self.verified.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() >= VERIFIED_KEPT {
                kept.clear();
            }
            kept.insert(token.to_string(), (session.clone(), exp));
        }
        Ok(session)
    }

    /// The session of a token not verified before.
    fn verified_session(&self, token: &str) -> Result<Session, Denied> {
        let claims = self.verify(token)?;
        let (first, rest) = self
            .role_claim
            .split_first()
            .ok_or_else(|| Denied::Forbidden("The server names no role claim".into()))?;
        let role = claims.get(first).and_then(|v| rest.iter().try_fold(v, |v, k| v.get(k)));
        let role = match role {
            Some(Json::String(r)) => r.clone(),
            _ => {
                let path = self.role_claim.join(".");
                return Err(Denied::Forbidden(format!("The token names no role (claim '{path}')")));
            }
        };
        if !self.roles.contains(&role) {
            return Err(Denied::Forbidden(format!(
                "The token's role '{role}' is not one of this server's"
            )));
        }
        Ok(Session { role, claims })
    }

    /// The token's claims, when a configured key signed it and it is valid now.
    fn verify(&self, token: &str) -> Result<Map<String, Json>, Denied> {
        let invalid = |why: &str| Denied::Unauthorized(format!("Invalid token: {why}"));
        let header = decode_header(token).map_err(|_| invalid("malformed"))?;
        let mut tried = false;
        for Key { kid, key, validation } in &self.keys {
            let named = match (&header.kid, kid) {
                (Some(wanted), Some(kid)) => wanted == kid,
                _ => true,
            };
            if !named || !validation.algorithms.contains(&header.alg) {
                continue;
            }
            tried = true;
            match decode::<Map<String, Json>>(token, key, validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => match e.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => continue,
                    _ => return Err(invalid(&reason(&e))),
                },
            }
        }
        Err(invalid(if tried { "bad signature" } else { "no key of this server checks it" }))
    }
}

/// What was wrong with a token, in words that repeat nothing it held.
fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::ExpiredSignature => "expired".into(),
        K::ImmatureSignature => "not valid yet (nbf)".into(),
        K::InvalidAudience => "wrong audience".into(),
        K::InvalidIssuer => "wrong issuer".into(),
        K::MissingRequiredClaim(c) => format!("no '{c}' claim"),
        K::InvalidClaimFormat(c) => format!("the '{c}' claim is malformed"),
        K::InvalidAlgorithm => "an algorithm this server does not take".into(),
        _ => "malformed".into(),
    }
}

/// The token of `Bearer <token>` (the scheme's name in any case, as RFC 7235 says).
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `exp` and `nbf` checked when present, with a small leeway; `aud` and `iss` required
/// and checked when the file names them.
fn validation(access: &Access, algorithms: Vec<Algorithm>) -> Validation {
    let mut v = Validation::new(algorithms[0]);
    v.algorithms = algorithms;
    v.leeway = LEEWAY_SECONDS;
    v.validate_nbf = true;
    v.required_spec_claims.clear();
    v.validate_aud = access.audience.is_some();
    if let Some(aud) = &access.audience {
        v.set_audience(&[aud]);
        v.required_spec_claims.insert("aud".into());
    }
    if let Some(iss) = &access.issuer {
        v.set_issuer(&[iss]);
        v.required_spec_claims.insert("iss".into());
    }
    v
}

/// The HMAC secret in the environment variable `var`.
fn secret(var: &str) -> Result<DecodingKey, String> {
    let value = std::env::var(var).map_err(|_| {
        format!("[access]: the environment variable {var} (jwt_secret_env) is not set")
    })?;
    if value.len() < MIN_SECRET {
        return Err(format!(
            "[access]: the secret in {var} is {} bytes; an HMAC secret needs at least {MIN_SECRET}",
            value.len()
        ));
    }
    DecodingKey::from_secret(value.as_bytes()).map_err(|e| format!("[access]: {var}: {e}"))
}

/// The public keys of a JWKS file, each with the algorithms of its family (or the one its
/// `alg` names). A shared secret in the set is refused: it would verify tokens anyone
/// holding the file could sign.
fn public_keys(path: &str, access: &Access) -> Result<Vec<Key>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("[access]: cannot read jwks_file {path}: {e}"))?;
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| format!("[access]: {path} is no JWKS: {e}"))?;
    let mut out = Vec::new();
    for jwk in &set.keys {
        // A key for encryption, or named for an algorithm that signs nothing (`RSA-OAEP`),
        // verifies no token.
        let algorithm = jwk.common.key_algorithm.map(|a| a.to_string().parse::<Algorithm>());
        let encrypts = matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption));
        if encrypts || matches!(algorithm, Some(Err(_))) {
            continue;
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("[access]: {path}: {e}"))?;
        let family = key.family().algorithms().to_vec();
        if key.family() == AlgorithmFamily::Hmac {
            return Err(format!(
                "[access]: {path} holds a shared secret; a JWKS file holds public keys"
            ));
        }
        let algorithms = match algorithm {
            Some(Ok(a)) if family.contains(&a) => vec![a],
            Some(_) => return Err(format!("[access]: {path}: a key's `alg` is not of its kind")),
            None => family,
        };
        let (kid, validation) = (jwk.common.key_id.clone(), validation(access, algorithms));
        out.push(Key { kid, key, validation });
    }
    if out.is_empty() {
        return Err(format!("[access]: {path} holds no key that verifies signatures"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        let key = DecodingKey::from_secret(b"a-secret-for-unit-tests-0123456789").expect("key");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        Auth {
            keys: vec![Key { kid: None, key, validation }],
            role_claim: vec!["role".into()],
            anonymous: None,
            roles: vec!["reader".into()],
            verified: Mutex::default(),
        }
    }

    fn keep(auth: &Auth, token: &str, exp: Option<u64>) {
        let session = Session { role: "reader".into(), claims: Map::new() };
        auth.verified.lock().expect("lock").insert(token.into(), (session, exp));
    }

    /// A kept token is taken again until its `exp` (and the leeway) passes; then it is
    /// verified again, which an expired or forged one fails.
    #[test]
    fn a_kept_token_is_taken_only_while_it_is_valid() {
        let auth = auth();
        keep(&auth, "kept.until.later", Some(get_current_timestamp() + 600));
        keep(&auth, "kept.no.exp", None);
        keep(&auth, "kept.but.expired", Some(get_current_timestamp() - LEEWAY_SECONDS - 5));
        assert_eq!(
            auth.session(Some("Bearer kept.until.later")).map(|s| s.role),
            Ok("reader".into())
        );
        assert!(auth.session(Some("Bearer kept.no.exp")).is_ok());
        assert!(matches!(
            auth.session(Some("Bearer kept.but.expired")),
            Err(Denied::Unauthorized(_))
        ));
    }

    /// A fractional `exp` (which jsonwebtoken rounds) is not read again from the kept set:
    /// such a token is verified each time, so it expires when jsonwebtoken says.
    #[test]
    fn a_token_with_a_fractional_exp_is_not_kept() {
        let auth = auth();
        let claims =
            serde_json::json!({"role": "reader", "exp": get_current_timestamp() as f64 + 600.5});
        let key = jsonwebtoken::EncodingKey::from_secret(b"a-secret-for-unit-tests-0123456789");
        let header = jsonwebtoken::Header::new(Algorithm::HS256);
        let token = jsonwebtoken::encode(&header, &claims, &key.expect("key")).expect("token");
        assert!(auth.session(Some(&format!("Bearer {token}"))).is_ok());
        assert!(auth.verified.lock().expect("lock").is_empty());
    }

    /// Without an anonymous role a request needs a token: none, or another scheme, is a 401.
    #[test]
    fn without_an_anonymous_role_a_token_is_required() {
        let auth = auth();
        for header in [None, Some("Basic dXNlcjpwYXNz"), Some("Bearer"), Some("Bearer  ")] {
            assert!(matches!(auth.session(header), Err(Denied::Unauthorized(_))), "{header:?}");
        }
    }

    #[test]
    fn any_number_of_tokens_keeps_a_bounded_set() {
        let auth = auth();
        for i in 0..VERIFIED_KEPT + 10 {
            let token = jsonwebtoken::encode(
                &jsonwebtoken::Header::new(Algorithm::HS256),
                &serde_json::json!({"role": "reader", "n": i}),
                &jsonwebtoken::EncodingKey::from_secret(b"a-secret-for-unit-tests-0123456789")
                    .expect("key"),
            )
            .expect("token");
            assert!(auth.session(Some(&format!("Bearer {token}"))).is_ok());
        }
        assert!(auth.verified.lock().expect("lock").len() <= VERIFIED_KEPT);
    }
}
