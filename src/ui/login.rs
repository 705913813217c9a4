//! Login and logout pages. The password check is `auth::verify_password`; sessions are
//! stored by `store/ui_sessions.rs`; the cookie and rate-limit helpers are in
//! `session.rs`. Passwords are never logged or echoed back.

use super::i18n::Lang;
use super::pages::Login;
use super::session::{
    self, ClientIp, LOGIN_CSRF_COOKIE, LoginLimiter, SESSION_COOKIE, SESSION_TTL_MS, Session,
    UiLang,
};
use crate::app::AppState;
use crate::store::random_token;
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::{Arc, LazyLock};

/// A hash to check against when the e-mail is unknown, so a wrong address takes as
/// long as a wrong password and does not reveal which accounts exist.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| crate::auth::hash_password("not a password of anyone").ok());

/// The login form with a fresh double-submit CSRF cookie.
fn login_page(
    headers: &HeaderMap,
    lang: Lang,
    status: StatusCode,
    email: String,
    error: Option<&'static str>,
) -> Response {
    let csrf = random_token(16);
    let cookie = session::set_cookie(headers, LOGIN_CSRF_COOKIE, &csrf, 3600, true);
    let page = Login {
        t: lang.texts(),
        session: None,
        csrf,
        email,
        error,
    };
    (status, [(header::SET_COOKIE, cookie)], page).into_response()
}

/// `GET /ui/login`
pub(crate) async fn show(UiLang(lang): UiLang, headers: HeaderMap) -> Response {
    login_page(&headers, lang, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

// The form holds the password: keep it out of any debug output.
impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// `POST /ui/login`: check the login CSRF cookie, the rate limit, then the password.
#[tracing::instrument(skip_all)]
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<LoginLimiter>>,
    UiLang(lang): UiLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.texts();
    let cookie_csrf = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if form.csrf.is_empty() || !session::same_secret(&form.csrf, cookie_csrf) {
        return session::forbidden(lang);
    }
    let now = state.now();
    let email = form.email.trim().to_string();
    if !limiter.allows(&email, ip, now) {
        return login_page(
            &headers,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            Some(t.too_many),
        );
    }
    let account = match state.store().password_hash(&email).await {
        Ok(a) => a,
        Err(e) => return session::internal(lang, "looking up a login", &e),
    };
    let password = form.password;
    let (user, hash) = match account {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, DUMMY_HASH.clone()),
    };
    // Argon2 is deliberately slow; keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || {
        hash.is_some_and(|h| crate::auth::verify_password(&password, &h))
    })
    .await
    .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        limiter.record_failure(&email, ip, now);
        tracing::info!("web login refused");
        return login_page(
            &headers,
            lang,
            StatusCode::UNAUTHORIZED,
            email,
            Some(t.bad_login),
        );
    };
    let token = random_token(32);
    let csrf = random_token(32);
    if let Err(e) = state
        .store()
        .create_ui_session(&user.id, &token, &csrf, now, now + SESSION_TTL_MS)
        .await
    {
        return session::internal(lang, "creating a session", &e);
    }
    tracing::info!(user = %user.id, "web login");
    let session_cookie = session::set_cookie(
        &headers,
        SESSION_COOKIE,
        &token,
        SESSION_TTL_MS / 1000,
        true,
    );
    let clear_login = session::set_cookie(&headers, LOGIN_CSRF_COOKIE, "", 0, true);
    (
        // Two cookies: a plain header array would keep only the last.
        AppendHeaders([
            (header::SET_COOKIE, session_cookie),
            (header::SET_COOKIE, clear_login),
        ]),
        Redirect::to("/ui/queue"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /ui/logout`: end the session in the database, not only in the browser.
pub(crate) async fn logout(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if !session.csrf_ok(&form.csrf) {
        return session::forbidden(session.lang);
    }
    if let Err(e) = state.store().delete_ui_session(&session.token).await {
        return session::internal(session.lang, "ending a session", &e);
    }
    let clear = session::set_cookie(&headers, SESSION_COOKIE, "", 0, true);
    ([(header::SET_COOKIE, clear)], Redirect::to("/ui/login")).into_response()
}
