//! The stats page (admins): queue depth and the age of what waits, decisions per day
//! by outcome and by source, and how often the model agrees with moderators — as
//! server-rendered SVG charts (`chart.rs`) with the numbers beside them.
//!
//! The totals and the agreement come from `http::sites::stats`, the JSON API's own
//! computation; the per-day series and the age histogram are counted here from the
//! same rows.

use super::chart::{Chart, horizontal_bars, per_day, stacked_columns};
use super::i18n::Texts;
use super::pages::SessionView;
use super::session::{self, AdminSession, Session};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::extract::AdminToken;
use crate::http::sites::{self, StatsQuery};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

/// The days the charts cover.
const DAYS: i64 = 14;

/// Age buckets of waiting comments: label and upper bound in milliseconds.
const AGE_BUCKETS: [(&str, i64); 4] = [
    ("< 15m", 900_000),
    ("< 1h", 3_600_000),
    ("< 1d", 86_400_000),
    ("≥ 1d", i64::MAX),
];

/// One head's agreement in numbers.
pub(crate) struct AgreementRow {
    pub(crate) head: String,
    pub(crate) decisions: u64,
    pub(crate) tp: u64,
    pub(crate) fp: u64,
    pub(crate) fn_: u64,
    pub(crate) tn: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "stats.html")]
pub(crate) struct StatsPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) queue_depth: u64,
    pub(crate) oldest: String,
    pub(crate) ages: Chart,
    pub(crate) outcomes: Chart,
    pub(crate) sources: Chart,
    pub(crate) agreement: Chart,
    pub(crate) agreement_rows: Vec<AgreementRow>,
}

/// Seconds as the largest sensible unit.
fn age_text(s: i64) -> String {
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} d", s / 86_400),
    }
}

/// `GET /ui/stats`
pub(crate) async fn show(
    State(state): State<AppState>,
    AdminSession(session): AdminSession,
) -> Response {
    match load(&state, &session).await {
        Ok(p) => p.into_response(),
        Err(e) => session::internal(session.lang, "the stats page", &e),
    }
}

async fn load(state: &AppState, session: &Session) -> Result<StatsPage, ApiError> {
    let now = state.now();
    let since = now - DAYS * 86_400_000;
    let q = StatsQuery {
        site: None,
        since: Some(since.to_string()),
    };
    let stats = sites::stats(
        State(state.clone()),
        AdminToken(session.user.clone()),
        Query(q),
    )
    .await?
    .0;
    let rows = state.store().comments_since(None, since).await?;
    let decided: Vec<&crate::store::CommentRow> = rows
        .iter()
        .filter(|c| c.status != "pending" && c.deleted_at.is_none())
        .collect();
    let when = |c: &crate::store::CommentRow| c.decided_at.unwrap_or(c.created_at);
    let by_outcome: Vec<(i64, &str)> = decided
        .iter()
        .map(|c| (when(c), c.status.as_str()))
        .collect();
    let by_source: Vec<(i64, &str)> = decided
        .iter()
        .map(|c| (when(c), c.decided_by.as_str()))
        .collect();
    let mut ages = [0u64; AGE_BUCKETS.len()];
    for c in rows
        .iter()
        .filter(|c| c.status == "pending" && c.deleted_at.is_none())
    {
        let age = now - c.created_at;
        if let Some(i) = AGE_BUCKETS.iter().position(|(_, max)| age < *max) {
            ages[i] += 1;
        }
    }
    let age_rows: Vec<(String, &'static str, u64)> = AGE_BUCKETS
        .iter()
        .zip(ages)
        .map(|((label, _), n)| (label.to_string(), "pending", n))
        .collect();
    let age_max = ages.iter().copied().max().unwrap_or(0);
    let mut agreement_bars = Vec::new();
    let mut agreement_rows = Vec::new();
    for (head, a) in &stats.agreement {
        let pct = |v: Option<f64>| v.map_or(0, |v| (v.clamp(0.0, 1.0) * 100.0).round() as u64);
        agreement_bars.push((format!("{head} precision %"), "precision", pct(a.precision)));
        agreement_bars.push((format!("{head} recall %"), "recall", pct(a.recall)));
        agreement_rows.push(AgreementRow {
            head: head.clone(),
            decisions: a.decisions,
            tp: a.true_positives,
            fp: a.false_positives,
            fn_: a.false_negatives,
            tn: a.true_negatives,
        });
    }
    Ok(StatsPage {
        t: session.texts(),
        session: session.view(),
        queue_depth: stats.queue_depth,
        oldest: stats
            .oldest_pending_age_s
            .map(age_text)
            .unwrap_or_else(|| "—".into()),
        ages: horizontal_bars(&age_rows, age_max, 480, 24),
        outcomes: stacked_columns(
            &per_day(&by_outcome, &["approved", "rejected"], now, DAYS),
            480,
            180,
            2,
        ),
        sources: stacked_columns(
            &per_day(&by_source, &["policy", "rule", "moderator"], now, DAYS),
            480,
            180,
            2,
        ),
        agreement: horizontal_bars(&agreement_bars, 100, 480, 24),
        agreement_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::age_text;

    #[test]
    fn ages_read_in_the_largest_unit() {
        assert_eq!(age_text(30), "30 s");
        assert_eq!(age_text(600), "10 min");
        assert_eq!(age_text(3 * 3600), "3 h");
        assert_eq!(age_text(3 * 86_400), "3 d");
    }
}
