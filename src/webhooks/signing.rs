//! The `Raqib-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<raw body>")>`, with one `v1=` per active secret while a rotation overlaps.
//!
//! Signing the timestamp with the body lets a host refuse replays of old deliveries;
//! several `v1=` values let it verify with whichever secret it currently holds.
//! [`verify`] is the host side, kept here so tests and the README example agree.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The name of the header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Raqib-Signature";

/// The hex HMAC-SHA256 of `"<t>.<body>"` under `secret`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this cannot fail; an empty string would
    // simply never verify.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The header value for a body sent at `t` (Unix seconds), signed with every secret.
pub fn header_value(secrets: &[&str], t: i64, body: &[u8]) -> String {
    let mut value = format!("t={t}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&signature(secret, t, body));
    }
    value
}

/// Why a signature was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the header has no t= timestamp or no v1= signature")]
    Malformed,
    #[error("the timestamp is outside the tolerance")]
    Stale,
    #[error("no v1= signature matches")]
    Mismatch,
}

/// Host side: check a `Raqib-Signature` header against one secret. `now` and the
/// tolerance are Unix seconds; a timestamp further than `tolerance_s` from `now` is
/// refused, which bounds replays.
pub fn verify(
    header: &str,
    secret: &str,
    body: &[u8],
    now: i64,
    tolerance_s: i64,
) -> Result<(), VerifyError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => candidates.push(value),
            _ => {}
        }
    }
    let t = t.ok_or(VerifyError::Malformed)?;
    if candidates.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if (now - t).abs() > tolerance_s {
        return Err(VerifyError::Stale);
    }
    // `verify_slice` compares in constant time.
    let signed_by_secret = |candidate: &[u8]| {
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
            mac.update(t.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(candidate).is_ok()
        })
    };
    let matches = candidates
        .iter()
        .filter_map(|c| hex::decode(c).ok())
        .any(|c| signed_by_secret(&c));
    if matches {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn known_vector() {
        // Computed independently: printf '%s' '1700000000.{"a":1}' |
        //   openssl dgst -sha256 -hmac whsec_test
        let sig = signature("whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            sig,
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn every_active_secret_signs_and_each_verifies() {
        let body = br#"{"id":"evt_1"}"#;
        let header = header_value(&["new", "old"], 100, body);
        assert_eq!(header.matches("v1=").count(), 2);
        assert_eq!(verify(&header, "new", body, 100, 300), Ok(()));
        assert_eq!(verify(&header, "old", body, 100, 300), Ok(()));
        assert_eq!(
            verify(&header, "other", body, 100, 300),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn tampering_staleness_and_garbage_are_refused() {
        let body = br#"{"id":"evt_1"}"#;
        let header = header_value(&["s"], 100, body);
        assert_eq!(
            verify(&header, "s", b"{\"id\":\"evt_2\"}", 100, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(&header, "s", body, 1000, 300),
            Err(VerifyError::Stale)
        );
        let moved = header.replace("t=100", "t=101");
        assert_eq!(
            verify(&moved, "s", body, 100, 300),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify("v1=abc", "s", body, 100, 300),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            verify("t=100", "s", body, 100, 300),
            Err(VerifyError::Malformed)
        );
        assert_eq!(
            verify("t=100,v1=zz", "s", body, 100, 300),
            Err(VerifyError::Mismatch)
        );
    }
}
