//! Who is looking at a page: the session cookie, the interface language, CSRF checks
//! and the login rate limiter. Sessions themselves are rows in `store/ui_sessions.rs`;
//! the pages that use them live in `login.rs` and `queue.rs`.

use super::i18n::{Lang, Texts};
use super::pages::SessionView;
use crate::app::AppState;
use crate::store::{SiteScope, UserAuth};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The session cookie. `__Host-` would force `Secure`, which plain-HTTP deployments
/// behind no proxy cannot use, so the name stays plain.
pub(crate) const SESSION_COOKIE: &str = "raqib_session";
/// The interface language chosen with `?lang=`.
pub(crate) const LANG_COOKIE: &str = "raqib_lang";
/// Double-submit token of the login form, which has no session yet to hold one.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "raqib_login_csrf";
/// A moderator's working day; after it the login form comes back.
pub(crate) const SESSION_TTL_MS: i64 = 12 * 3_600_000;

/// The value of one cookie of the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the browser reached us over HTTPS (directly or through a proxy that says
/// so). A client faking the header only makes its own cookie stricter.
fn is_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value with the flags every UI cookie carries; `max_age` 0 deletes.
pub(crate) fn set_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age_s: i64,
    http_only: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/ui; Max-Age={max_age_s}; SameSite=Strict");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if is_https(headers) {
        c.push_str("; Secure");
    }
    c
}

/// Compare secrets without leaking where they differ through timing.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The interface language: `?lang=` first, then the cookie, then `Accept-Language`.
pub(crate) fn lang_of(parts: &Parts) -> Lang {
    let from_query = parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    });
    from_query
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .filter(|v| v.trim_start().starts_with("ar"))
                .map(|_| Lang::Ar)
        })
        .unwrap_or(Lang::En)
}

/// The interface language of a page that needs no login.
pub(crate) struct UiLang(pub(crate) Lang);

impl FromRequestParts<AppState> for UiLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(UiLang(lang_of(parts)))
    }
}

/// The client's address, through trusted proxies as the rate limiter sees it.
pub(crate) struct ClientIp(pub(crate) Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::http::extract::host_ip(
            parts,
            &state.settings().server.trusted_proxies,
        )))
    }
}

/// A logged-in moderator or admin. Pages that take it send everyone else to the login
/// form.
pub(crate) struct Session {
    pub(crate) user: UserAuth,
    pub(crate) csrf: String,
    pub(crate) lang: Lang,
    pub(crate) token: String,
}

impl Session {
    pub(crate) fn texts(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// The CSRF check of every state-changing request: the form field (or the
    /// `X-CSRF-Token` header that `queue.js` sends) must equal this session's token.
    /// Callers answer a mismatch with [`forbidden`].
    pub(crate) fn csrf_ok(&self, submitted: &str) -> bool {
        !submitted.is_empty() && same_secret(submitted, &self.csrf)
    }

    /// What the page header shows of this session.
    pub(crate) fn view(&self) -> Option<SessionView> {
        Some(SessionView {
            email: self.user.user.email.clone(),
            csrf: self.csrf.clone(),
            admin: self.user.is_admin(),
        })
    }

    /// The sites this user may see, as the store filters them.
    pub(crate) fn scope(&self) -> SiteScope {
        if self.user.is_admin() {
            SiteScope::All
        } else {
            SiteScope::Only(self.user.sites.clone())
        }
    }
}

/// An admin's session. Pages that take it answer everyone else `403` (moderators) or
/// send them to the login form (no session).
pub(crate) struct AdminSession(pub(crate) Session);

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if !session.user.is_admin() {
            return Err(message(
                session.lang,
                StatusCode::FORBIDDEN,
                session.view(),
                session.texts().forbidden,
                session.texts().admins_only,
            ));
        }
        Ok(AdminSession(session))
    }
}

/// A short page with a heading and a sentence.
pub(crate) fn message(
    lang: Lang,
    status: StatusCode,
    session: Option<SessionView>,
    heading: &'static str,
    text: &'static str,
) -> Response {
    let page = super::pages::Message {
        t: lang.texts(),
        session,
        heading,
        text,
    };
    (status, page).into_response()
}

/// `404`: no such thing, or not the caller's to see (the same answer for both).
pub(crate) fn not_found(session: &Session) -> Response {
    let t = session.texts();
    message(
        session.lang,
        StatusCode::NOT_FOUND,
        session.view(),
        t.not_found,
        t.not_found_text,
    )
}

/// `403` with a short page; never says which part of the check failed.
pub(crate) fn forbidden(lang: Lang) -> Response {
    let t = lang.texts();
    let page = super::pages::Message {
        t,
        session: None,
        heading: t.forbidden,
        text: t.forbidden_text,
    };
    (StatusCode::FORBIDDEN, page).into_response()
}

/// `500` without details; the cause goes to the log.
pub(crate) fn internal(lang: Lang, what: &str, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %err, "{what}");
    let t = lang.texts();
    let page = super::pages::Message {
        t,
        session: None,
        heading: t.internal,
        text: t.internal_text,
    };
    (StatusCode::INTERNAL_SERVER_ERROR, page).into_response()
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(parts);
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(Redirect::to("/ui/login").into_response());
        };
        match state.store().ui_session(&token, state.now()).await {
            Ok(Some((user, csrf))) => {
                tracing::Span::current().record("user", user.user.id.as_str());
                Ok(Session {
                    user,
                    csrf,
                    lang,
                    token,
                })
            }
            Ok(None) => Err(Redirect::to("/ui/login").into_response()),
            Err(e) => Err(internal(lang, "loading the session", &e)),
        }
    }
}

/// Failed logins per e-mail and per client address within a window. In memory: a
/// restart forgets them, and each instance counts its own, which still bounds a
/// guesser to a handful of tries per window per instance.
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

/// The window failures are counted in.
const WINDOW_MS: i64 = 15 * 60_000;
/// Tries per account: enough for typos, far too few for guessing.
const PER_EMAIL: usize = 5;
/// Tries per address: a newsroom behind one NAT has several moderators.
const PER_IP: usize = 30;

impl LoginLimiter {
    pub(crate) fn new() -> LoginLimiter {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, ip: Option<IpAddr>) -> [(String, usize); 2] {
        [
            (format!("e:{}", email.trim().to_lowercase()), PER_EMAIL),
            (
                format!("i:{}", ip.map_or_else(String::new, |ip| ip.to_string())),
                PER_IP,
            ),
        ]
    }

    /// Whether another try is allowed now.
    pub(crate) fn allows(&self, email: &str, ip: Option<IpAddr>, now: i64) -> bool {
        let Ok(mut map) = self.failures.lock() else {
            // A poisoned lock means a panic mid-update; refusing is the safe side.
            return false;
        };
        Self::keys(email, ip).iter().all(|(k, max)| {
            map.get_mut(k).is_none_or(|v| {
                v.retain(|t| now - t < WINDOW_MS);
                v.len() < *max
            })
        })
    }

    /// Count a failed try.
    pub(crate) fn record_failure(&self, email: &str, ip: Option<IpAddr>, now: i64) {
        if let Ok(mut map) = self.failures.lock() {
            // Drop stale keys so a flood of distinct e-mails cannot grow the map forever.
            if map.len() > 10_000 {
                map.retain(|_, v| v.iter().any(|t| now - t < WINDOW_MS));
            }
            for (k, _) in Self::keys(email, ip) {
                map.entry(k).or_default().push(now);
            }
        }
    }
}
