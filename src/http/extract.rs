//! Request extractors that turn raw input into checked values or an [`ApiError`]:
//! JSON bodies with precise problems, site API keys (with the site's rate limit) and
//! user tokens, and the host's address behind trusted proxies.

use super::error::ApiError;
use crate::app::AppState;
use crate::net::IpRange;
use crate::ratelimit::{self, Scope};
use crate::store::{ApiKeyAuth, UserAuth};
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// A JSON body. Unlike axum's `Json`, every failure is a problem document: syntax
/// errors and invalid UTF-8 are `400 malformed_request`, wrong types and missing
/// fields are `422 validation_failed` naming the field, oversized bodies `413`.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedRequest(rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parse a JSON document into `T`, classifying the failure: syntax (including
/// trailing garbage) first, then shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ApiError::MalformedRequest(format!(
            "body is not valid UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ApiError::MalformedRequest(format!("invalid JSON: {e}")))?;
    from_value(value, "")
}

/// Deserialize an already-parsed JSON value; `prefix` is prepended to field paths
/// (`comments[3]` for batch items).
pub fn from_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let msg = err.into_inner().to_string();
        let mut field = match missing_field(&msg) {
            // serde reports a missing field on its parent; name the field itself.
            Some(f) if path == "." => f.to_string(),
            Some(f) => format!("{path}.{f}"),
            None => path,
        };
        if !prefix.is_empty() {
            field = if field == "." {
                prefix.to_string()
            } else {
                format!("{prefix}.{field}")
            };
        }
        ApiError::validation(field, strip_position(&msg))
    })
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The site whose API key authorized the request.
pub struct SiteAuth(pub ApiKeyAuth);

impl FromRequestParts<AppState> for SiteAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let limiter = state.limiter();
        let Some(auth) = state.site_for_key(key).await? else {
            // Unknown keys are charged to the calling host under the `site` scope, so
            // guessing keys is throttled like any other flood.
            let host = host_ip(parts, &state.settings().server.trusted_proxies);
            let subject = host.map_or_else(String::new, |ip| format!("host:{ip}"));
            let limits = crate::ratelimit::SiteLimits::default();
            if let Some(d) =
                ratelimit::site_demand(limiter.settings(), &limits, Scope::Site, &subject)
            {
                limiter.check(&[d]).await?;
            }
            return Err(ApiError::Unauthorized);
        };
        tracing::Span::current().record("site", auth.site.id.as_str());
        // The site's API quota covers every call it makes.
        if let Some(d) = ratelimit::site_demand(
            limiter.settings(),
            &auth.site.limits(),
            Scope::Site,
            &auth.site.id,
        ) {
            limiter.check(&[d]).await?;
        }
        Ok(SiteAuth(auth))
    }
}

/// A moderator or admin, by personal bearer token.
pub struct UserToken(pub UserAuth);

impl FromRequestParts<AppState> for UserToken {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let user = state
            .store()
            .user_for_token(token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        tracing::Span::current().record("user", user.user.id.as_str());
        Ok(UserToken(user))
    }
}

/// An admin user; moderators get `403`.
pub struct AdminToken(pub UserAuth);

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let UserToken(user) = UserToken::from_request_parts(parts, state).await?;
        if !user.is_admin() {
            return Err(ApiError::Forbidden("admin role required".into()));
        }
        Ok(AdminToken(user))
    }
}

/// The address of the host calling us: the TCP peer, or — when the peer is one of
/// `trusted_proxies` — the nearest address in `X-Forwarded-For` that is not itself a
/// trusted proxy (read right to left, as proxies append). A header from anyone else is
/// ignored, since a client can write anything there.
pub fn host_ip(parts: &Parts, trusted_proxies: &[String]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    let trusted: Vec<IpRange> = trusted_proxies
        .iter()
        .filter_map(|p| IpRange::parse(p).ok())
        .collect();
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    Some(resolve_host_ip(peer, &forwarded, &trusted))
}

/// [`host_ip`] without the request: the peer and the header's entries in order.
pub fn resolve_host_ip(peer: IpAddr, forwarded: &[&str], trusted: &[IpRange]) -> IpAddr {
    let peer = crate::net::canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            // An unreadable hop ends the chain we can believe.
            break;
        };
        client = crate::net::canonical(ip);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = [IpRange::parse("10.0.0.0/8").unwrap()];
        // Straight from the host: the peer, whatever the header says.
        assert_eq!(
            resolve_host_ip(ip("198.51.100.9"), &["203.0.113.1"], &trusted),
            ip("198.51.100.9")
        );
        // Through our proxy: the address the proxy saw.
        assert_eq!(
            resolve_host_ip(ip("10.1.1.1"), &["203.0.113.1"], &trusted),
            ip("203.0.113.1")
        );
        // A spoofed entry before the real one is not believed.
        assert_eq!(
            resolve_host_ip(
                ip("10.1.1.1"),
                &["6.6.6.6", "203.0.113.1", "10.2.2.2"],
                &trusted
            ),
            ip("203.0.113.1")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            resolve_host_ip(ip("10.1.1.1"), &[], &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(
            resolve_host_ip(ip("10.1.1.1"), &["not-an-ip"], &trusted),
            ip("10.1.1.1")
        );
        // No trusted proxies configured: never believed.
        assert_eq!(
            resolve_host_ip(ip("10.1.1.1"), &["203.0.113.1"], &[]),
            ip("10.1.1.1")
        );
    }
}
