//! Signing keys of the test authorization server: one RS256 and one ES256 key,
//! generated at start (nothing to configure, nothing on disk), published as a
//! JWKS. A test issuer that rotates keys on every start is what CI wants: no
//! secret ever outlives the process.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey};
use pkcs8::der::Decode;

/// One private key with its key id and public JWK.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: Algorithm,
    pub(crate) encoding: EncodingKey,
    pub jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed")]
    Generate,
    #[error("key encoding: {0}")]
    Encoding(String),
}

/// The issuer's keys: both are published; RS256 is the default for tokens.
#[derive(Debug, Clone)]
pub struct SigningKeys {
    pub rsa: SigningKey,
    pub ec: SigningKey,
}

impl SigningKeys {
    pub fn generate() -> Result<Self, KeyError> {
        let suffix = random_id(6);
        Ok(SigningKeys { rsa: rsa_key(format!("rs256-{suffix}"))?, ec: ec_key(format!("es256-{suffix}"))? })
    }

    pub fn get(&self, alg: Algorithm) -> Option<&SigningKey> {
        match alg {
            Algorithm::RS256 => Some(&self.rsa),
            Algorithm::ES256 => Some(&self.ec),
            _ => None,
        }
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> JwkSet {
        JwkSet { keys: vec![self.rsa.jwk.clone(), self.ec.jwk.clone()] }
    }
}

fn rsa_key(kid: String) -> Result<SigningKey, KeyError> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
    let pkcs8: Pkcs8V1Der = pair.as_der().map_err(|_| KeyError::Generate)?;
    // jsonwebtoken signs RSA with a PKCS#1 RSAPrivateKey; aws-lc exports
    // PKCS#8, whose privateKey field holds exactly that structure.
    let info =
        pkcs8::PrivateKeyInfo::from_der(pkcs8.as_ref()).map_err(|e| KeyError::Encoding(e.to_string()))?;
    finish(kid, Algorithm::RS256, EncodingKey::from_rsa_der(info.private_key))
}

fn ec_key(kid: String) -> Result<SigningKey, KeyError> {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(|_| KeyError::Generate)?;
    let doc = pair.to_pkcs8v1().map_err(|_| KeyError::Generate)?;
    finish(kid, Algorithm::ES256, EncodingKey::from_ec_der(doc.as_ref()))
}

fn finish(kid: String, alg: Algorithm, encoding: EncodingKey) -> Result<SigningKey, KeyError> {
    let mut jwk = Jwk::from_encoding_key(&encoding, alg).map_err(|e| KeyError::Encoding(e.to_string()))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(match alg {
        Algorithm::ES256 => KeyAlgorithm::ES256,
        _ => KeyAlgorithm::RS256,
    });
    Ok(SigningKey { kid, alg, encoding, jwk })
}

/// A random URL-safe identifier of `bytes` random bytes (hex).
pub fn random_id(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes.clamp(1, 64)];
    // aws-lc's system RNG does not fail in practice; a zero buffer would
    // still be a usable (if guessable) id for a test server.
    let _ = aws_lc_rs::rand::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
