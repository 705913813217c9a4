//! The review queue: listing, leasing (claims), moderator decisions, reader reports,
//! appeals and the audit log. A decision is one transaction: status, author counters,
//! report outcomes, audit entry and outbox event.

use super::comments::{COMMENT_COLUMNS, CommentRow, count_deltas};
use super::{Result, Store, StoreError, dispatch};
use crate::webhooks::OutboxEvent;

/// A value bound to a dynamically built query.
#[derive(Clone, Debug)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
}

/// Bind every value in order to a query built at run time.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Float(f) => q.bind(*f),
            };
        }
        q
    }};
}

/// Which sites a caller may see: all (admins) or a list (moderators).
#[derive(Clone, Debug)]
pub enum SiteScope {
    All,
    Only(Vec<String>),
}

impl SiteScope {
    pub fn allows(&self, site: &str) -> bool {
        match self {
            SiteScope::All => true,
            SiteScope::Only(sites) => sites.iter().any(|s| s == site),
        }
    }
}

/// Queue ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueOrder {
    /// Oldest first: nobody waits forever.
    Oldest,
    /// Highest score first: the worst goes first.
    Risk,
    /// Closest to the 0.5 line first: where a human adds most.
    Uncertain,
}

/// Filters of a queue listing.
#[derive(Clone, Debug)]
pub struct QueueFilter {
    pub scope: SiteScope,
    pub site: Option<String>,
    pub language: Option<String>,
    /// A reason code (`rule.keyword`, `model.spam`) or a rule id.
    pub reason: Option<String>,
    /// Only comments created at or before this time.
    pub created_before: Option<i64>,
    /// Only the copies of one text (`moderation::signals::fingerprint`).
    pub fingerprint: Option<i64>,
    pub order: QueueOrder,
    pub limit: i64,
    /// Keyset cursor: the sort key and id of the last item of the previous page.
    pub after: Option<(f64, String)>,
}

/// Which campaigns [`Store::campaigns`] lists.
#[derive(Clone, Debug)]
pub struct CampaignFilter {
    pub scope: SiteScope,
    pub site: Option<String>,
    /// Copies created since then count.
    pub since: i64,
    /// Texts posted fewer times are not listed.
    pub min_copies: i64,
    pub limit: i64,
}

/// One text posted again and again on a site.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CampaignRow {
    pub site_id: String,
    pub fingerprint: i64,
    #[sqlx(flatten)]
    pub counts: CampaignCounts,
    pub first_at: i64,
    pub last_at: i64,
    pub sample_id: String,
    pub sample_body: String,
}

/// How many comments of a campaign there are, from how many authors and threads, and
/// where they stand.
#[derive(Clone, Copy, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignCounts {
    /// Comments with the text in the window, the first one included.
    pub copies: i64,
    pub authors: i64,
    pub threads: i64,
    pub pending: i64,
    pub approved: i64,
    pub rejected: i64,
}

/// A queue item with what a moderator needs beside the comment.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub comment: CommentRow,
    pub author_approved: i64,
    pub author_rejected: i64,
    pub author_first_seen: Option<i64>,
}

/// A reader report.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    pub id: String,
    pub comment_id: String,
    pub reporter_id: Option<String>,
    pub reason: String,
    pub note: Option<String>,
    pub weight: f64,
    pub outcome: Option<String>,
    pub created_at: i64,
}

/// An audit entry.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    pub site_id: String,
    pub comment_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub model_version: Option<String>,
    pub rules_version: Option<String>,
    pub created_at: i64,
}

/// A moderator's decision on one comment.
#[derive(Clone, Debug)]
pub struct DecisionInput<'a> {
    pub comment_id: &'a str,
    pub user_id: &'a str,
    pub scope: &'a SiteScope,
    /// `approved` or `rejected`.
    pub to_status: &'static str,
    pub reason_code: Option<&'a str>,
    pub note: Option<&'a str>,
    pub now: i64,
}

/// The most campaign copies one moderator decision rejects with it; a larger
/// campaign is cleared by the next decision on one of its copies.
pub(crate) const CAMPAIGN_SWEEP_CAP: usize = 500;

/// A decision as stored: the decided comment, and the copies of its text that were
/// rejected with it.
#[derive(Debug)]
pub struct Decided {
    pub row: CommentRow,
    pub copies_rejected: Vec<String>,
}

/// Which copies a campaign sweep takes: waiting ones not leased to another moderator
/// ($4 the moderator, $5 now) and not appeals, and those the machine published.
const SWEEPABLE: &str = "((status = 'pending' AND is_appeal = 0 \
    AND (claimed_by IS NULL OR claimed_by = $4 OR claim_expires_at < $5)) \
    OR (status = 'approved' AND decided_by <> 'moderator'))";

/// A moderator's rejection of a whole campaign as spam.
#[derive(Clone, Debug)]
pub struct CampaignReject<'a> {
    pub site_id: &'a str,
    pub fingerprint: i64,
    /// The policy's window: copies since then go.
    pub since: i64,
    pub user_id: &'a str,
    pub note: Option<&'a str>,
    pub now: i64,
}

/// Reject, inside `tx`, the copies of `source`'s text found by `copies_select`
/// ([`Store::copies_select`]) as decided by the policy after the moderator's spam
/// rejection of `source`; their ids. `copy` gives each copy's reasons and event.
macro_rules! sweep_copies {
    ($tx:expr, $select:expr, $source:expr, $since:expr, $user:expr, $actor:expr, $now:expr, $copy:expr) => {{
        let source: &CommentRow = $source;
        let copies: Vec<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe($select))
            .bind(&source.site_id)
            .bind(&source.id)
            .bind($since)
            .bind($user)
            .bind($now)
            .fetch_all(&mut *$tx)
            .await?;
        let note = format!("campaign copy of {}", source.id);
        let mut ids = Vec::with_capacity(copies.len());
        for c in copies {
            let (reasons, e) = ($copy)(&c, source.id.as_str());
            record_decision!(
                $tx,
                &c,
                &Recorded {
                    to_status: "rejected",
                    decided_by: "policy",
                    user: $user,
                    reason_code: Some("spam"),
                    actor: $actor,
                    note: Some(note.as_str()),
                    reasons: Some(reasons.as_str()),
                    now: $now,
                }
            );
            super::comments::insert_outbox!($tx, e);
            ids.push(c.id);
        }
        ids
    }};
}

/// What [`record_decision!`] writes for one comment.
struct Recorded<'a> {
    to_status: &'a str,
    decided_by: &'a str,
    user: &'a str,
    reason_code: Option<&'a str>,
    actor: &'a str,
    note: Option<&'a str>,
    /// New reasons (JSON) to store, or `None` to keep the comment's own.
    reasons: Option<&'a str>,
    now: i64,
}

impl Recorded<'_> {
    /// The row as [`record_decision!`] leaves it in the database.
    fn apply(&self, row: &mut CommentRow) {
        if row.status == "approved" {
            row.prior_status = Some("approved".into());
        }
        row.status = self.to_status.to_string();
        row.decision = decision_word(self.to_status).to_string();
        row.decided_by = self.decided_by.to_string();
        row.decided_by_user = Some(self.user.to_string());
        row.decided_at = Some(self.now);
        row.decision_reason = self.reason_code.map(str::to_string);
        row.claimed_by = None;
        row.claim_expires_at = None;
        row.appeal_excluded_user = None;
        row.updated_at = self.now;
        if let Some(reasons) = self.reasons {
            reasons.clone_into(&mut row.reasons);
        }
    }
}

fn decision_word(to_status: &str) -> &'static str {
    if to_status == "approved" {
        "approve"
    } else {
        "reject"
    }
}

/// Record a decision on one comment inside `tx`: its status, the author's counters,
/// the outcome of its open reports and the audit entry. A published comment keeps
/// `approved` as its prior status. A macro because the two backends' transactions are
/// different types.
macro_rules! record_decision {
    ($tx:expr, $row:expr, $r:expr) => {{
        let row: &CommentRow = $row;
        let r: &Recorded<'_> = $r;
        sqlx::query(
            "UPDATE comments SET status = $1, decision = $2, decided_by = $3, decided_by_user = $4, \
             decided_at = $5, decision_reason = $6, claimed_by = NULL, claim_expires_at = NULL, updated_at = $5, \
             appeal_excluded_user = NULL, reasons = COALESCE($7, reasons), \
             prior_status = CASE WHEN status = 'approved' THEN 'approved' ELSE prior_status END WHERE id = $8",
        )
        .bind(r.to_status)
        .bind(decision_word(r.to_status))
        .bind(r.decided_by)
        .bind(r.user)
        .bind(r.now)
        .bind(r.reason_code)
        .bind(r.reasons)
        .bind(&row.id)
        .execute(&mut *$tx)
        .await?;
        let to = crate::moderation::Status::parse(r.to_status)
            .unwrap_or(crate::moderation::Status::Pending);
        let (approved, rejected) = count_deltas(Some(row.status.as_str()), to);
        sqlx::query(
            "UPDATE authors SET approved = approved + $1, rejected = rejected + $2, \
             last_rejected_at = CASE WHEN $2 > 0 THEN $3 ELSE last_rejected_at END WHERE site_id = $4 AND author_id = $5",
        )
        .bind(approved)
        .bind(rejected)
        .bind(r.now)
        .bind(&row.site_id)
        .bind(&row.author_id)
        .execute(&mut *$tx)
        .await?;
        let outcome = if r.to_status == "rejected" {
            "upheld"
        } else {
            "dismissed"
        };
        sqlx::query("UPDATE reports SET outcome = $1 WHERE comment_id = $2 AND outcome IS NULL")
            .bind(outcome)
            .bind(&row.id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, reason_code, note, \
             model_version, rules_version, created_at) VALUES ($1, $2, $3, 'decision', $10, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&row.site_id)
        .bind(&row.id)
        .bind(r.actor)
        .bind(r.to_status)
        .bind(r.reason_code)
        .bind(r.note)
        .bind(&row.model_version)
        .bind(&row.rules_version)
        .bind(r.now)
        .bind(&row.status)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Why a decision was refused.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error("comment not found")]
    NotFound,
    #[error("the comment is leased to another moderator until {until}")]
    Leased { until: i64 },
    #[error("the comment is no longer pending (it is {status})")]
    NotPending { status: String },
    #[error("an appeal must be decided by a different moderator than the first decision")]
    SameModerator,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DecisionError {
    fn from(e: sqlx::Error) -> Self {
        DecisionError::Store(e.into())
    }
}

fn json_list(values: &[String]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// SQL testing `column` against a JSON array parameter `$n`.
    fn in_json_list(&self, column: &str, n: usize) -> String {
        match self {
            Store::Sqlite { .. } => format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Store::Postgres(..) => {
                format!("{column} IN (SELECT jsonb_array_elements_text(${n}::jsonb))")
            }
        }
    }

    fn for_update(&self) -> &'static str {
        match self {
            Store::Sqlite { .. } => "",
            Store::Postgres(..) => " FOR UPDATE",
        }
    }

    /// Pending comments, filtered and ordered, one page.
    pub async fn list_queue(&self, f: &QueueFilter) -> Result<Vec<QueueRow>> {
        let cols: String = COMMENT_COLUMNS
            .split(", ")
            .map(|c| format!("c.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!(
            "SELECT {cols}, COALESCE(a.approved, 0) AS author_approved, COALESCE(a.rejected, 0) AS author_rejected, \
             a.first_seen AS author_first_seen FROM comments c \
             LEFT JOIN authors a ON a.site_id = c.site_id AND a.author_id = c.author_id \
             WHERE c.status = 'pending' AND c.deleted_at IS NULL"
        );
        let mut binds = Vec::new();
        let mut push = |sql: &mut String, clause: &str, b: Bind| {
            binds.push(b);
            sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
        };
        if let SiteScope::Only(sites) = &f.scope {
            let clause = format!(
                " AND {}",
                self.in_json_list("c.site_id", 0).replace("$0", "$?")
            );
            push(&mut sql, &clause, Bind::Text(json_list(sites)));
        }
        if let Some(site) = &f.site {
            push(&mut sql, " AND c.site_id = $?", Bind::Text(site.clone()));
        }
        if let Some(lang) = &f.language {
            push(&mut sql, " AND c.language = $?", Bind::Text(lang.clone()));
        }
        if let Some(reason) = &f.reason {
            // Reasons are stored as JSON text; match the code or the rule id exactly.
            let code = format!(
                "%\"code\":{}%",
                serde_json::to_string(reason).unwrap_or_default()
            );
            let rule = format!(
                "%\"rule_id\":{}%",
                serde_json::to_string(reason).unwrap_or_default()
            );
            push(&mut sql, " AND (c.reasons LIKE $?", Bind::Text(code));
            push(&mut sql, " OR c.reasons LIKE $?)", Bind::Text(rule));
        }
        if let Some(before) = f.created_before {
            push(&mut sql, " AND c.created_at <= $?", Bind::Int(before));
        }
        if let Some(fingerprint) = f.fingerprint {
            push(&mut sql, " AND c.fingerprint = $?", Bind::Int(fingerprint));
        }
        let (key, dir) = match f.order {
            QueueOrder::Oldest => ("CAST(c.created_at AS DOUBLE PRECISION)", "ASC"),
            QueueOrder::Risk => ("c.risk", "DESC"),
            QueueOrder::Uncertain => ("ABS(c.risk - 0.5)", "ASC"),
        };
        if let Some((k, id)) = &f.after {
            let cmp = if dir == "ASC" { ">" } else { "<" };
            push(&mut sql, &format!(" AND ({key} {cmp} $?"), Bind::Float(*k));
            push(&mut sql, &format!(" OR ({key} = $?"), Bind::Float(*k));
            push(&mut sql, " AND c.id > $?))", Bind::Text(id.clone()));
        }
        sql.push_str(&format!(" ORDER BY {key} {dir}, c.id ASC"));
        push(&mut sql, " LIMIT $?", Bind::Int(f.limit));
        let rows: Vec<QueueRowRaw> = dispatch!(self, read, |pool| {
            bind_all!(
                sqlx::query_as::<_, QueueRowRaw>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(QueueRowRaw::into_row).collect())
    }

    /// The texts posted most often since `f.since`, counted per site and fingerprint:
    /// the campaigns under way. Each comes with one copy to show and to decide on,
    /// a pending one if there is any.
    pub async fn campaigns(&self, f: &CampaignFilter) -> Result<Vec<CampaignRow>> {
        let mut binds = vec![Bind::Int(f.since), Bind::Int(f.min_copies)];
        let mut filter = String::new();
        if let SiteScope::Only(sites) = &f.scope {
            binds.push(Bind::Text(json_list(sites)));
            filter.push_str(&format!(
                " AND {}",
                self.in_json_list("site_id", binds.len())
            ));
        }
        if let Some(site) = &f.site {
            binds.push(Bind::Text(site.clone()));
            filter.push_str(&format!(" AND site_id = ${}", binds.len()));
        }
        binds.push(Bind::Int(f.limit));
        let limit = binds.len();
        // The window's copies through the time-led index (migration 0012): without
        // statistics SQLite preferred the site-led fingerprint index, which reads the
        // site's whole history. Then the top groups, then one sample each: picking
        // the samples in the join made PostgreSQL scan the whole table and pick one
        // for every group.
        let recent = match self {
            Store::Sqlite { .. } => "comments INDEXED BY comments_recent_fingerprint",
            Store::Postgres(..) => "comments",
        };
        let sql = format!(
            "SELECT g.site_id, g.fingerprint, g.copies, g.authors, g.threads, g.pending, g.approved, \
             g.rejected, g.first_at, g.last_at, s.id AS sample_id, s.body AS sample_body FROM ( \
               SELECT t.*, (SELECT c.id FROM comments c WHERE c.site_id = t.site_id \
                 AND c.fingerprint = t.fingerprint AND c.created_at >= $1 AND c.deleted_at IS NULL \
                 ORDER BY CASE WHEN c.status = 'pending' THEN 0 ELSE 1 END, c.created_at DESC, c.id DESC \
                 LIMIT 1) AS sample FROM ( \
                 SELECT site_id, fingerprint, COUNT(*) AS copies, COUNT(DISTINCT author_id) AS authors, \
                 COUNT(DISTINCT thread_id) AS threads, \
                 SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending, \
                 SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS approved, \
                 SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected, \
                 MIN(created_at) AS first_at, MAX(created_at) AS last_at \
                 FROM {recent} WHERE fingerprint IS NOT NULL AND created_at >= $1 AND deleted_at IS NULL{filter} \
                 GROUP BY site_id, fingerprint HAVING COUNT(*) >= $2 \
                 ORDER BY copies DESC, last_at DESC, site_id, fingerprint LIMIT ${limit}) t) g \
             JOIN comments s ON s.id = g.sample \
             ORDER BY g.copies DESC, g.last_at DESC, g.site_id, g.fingerprint"
        );
        let rows = dispatch!(self, read, |pool| {
            bind_all!(
                sqlx::query_as::<_, CampaignRow>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Reports of some comments.
    pub async fn reports_for(&self, comment_ids: &[String]) -> Result<Vec<ReportRow>> {
        if comment_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, comment_id, reporter_id, reason, note, weight, outcome, created_at FROM reports WHERE {} ORDER BY created_at, id",
            self.in_json_list("comment_id", 1)
        );
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, ReportRow>(sqlx::AssertSqlSafe(sql))
                .bind(json_list(comment_ids))
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Lease up to `limit` pending comments to `user` until `now + lease_ms`. Never
    /// leases an item someone else holds; on PostgreSQL concurrent claimers skip each
    /// other's rows, on SQLite the single writer serializes them.
    pub async fn claim(
        &self,
        user: &str,
        scope: &SiteScope,
        site: Option<&str>,
        limit: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Vec<String>> {
        let mut inner = String::from(
            "SELECT id FROM comments WHERE status = 'pending' AND deleted_at IS NULL \
             AND (claimed_by IS NULL OR claim_expires_at < $2) \
             AND (appeal_excluded_user IS NULL OR appeal_excluded_user <> $1)",
        );
        let mut binds = vec![
            Bind::Text(user.to_string()),
            Bind::Int(now),
            Bind::Int(now + lease_ms),
        ];
        if let SiteScope::Only(sites) = scope {
            binds.push(Bind::Text(json_list(sites)));
            inner.push_str(&format!(
                " AND {}",
                self.in_json_list("site_id", binds.len())
            ));
        }
        if let Some(site) = site {
            binds.push(Bind::Text(site.to_string()));
            inner.push_str(&format!(" AND site_id = ${}", binds.len()));
        }
        binds.push(Bind::Int(limit));
        inner.push_str(&format!(" ORDER BY created_at, id LIMIT ${}", binds.len()));
        if let Store::Postgres(..) = self {
            inner.push_str(" FOR UPDATE SKIP LOCKED");
        }
        let sql = format!(
            "UPDATE comments SET claimed_by = $1, claim_expires_at = $3 WHERE id IN ({inner}) RETURNING id"
        );
        let ids: Vec<(String,)> = dispatch!(self, write, |pool| {
            bind_all!(
                sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        let mut ids: Vec<String> = ids.into_iter().map(|(id,)| id).collect();
        ids.sort();
        Ok(ids)
    }

    /// Give leased items back; all of the user's when `ids` is empty.
    pub async fn release(&self, user: &str, ids: &[String]) -> Result<u64> {
        let sql = if ids.is_empty() {
            "UPDATE comments SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = $1 AND $2 = $2".to_string()
        } else {
            format!(
                "UPDATE comments SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = $1 AND {}",
                self.in_json_list("id", 2)
            )
        };
        let n = dispatch!(self, write, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user)
                .bind(json_list(ids))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Apply a moderator's decision. `event` builds the outbox event from the row as it
    /// was and the new status.
    ///
    /// A rejection as `spam` also rejects, in the same transaction, the copies of the
    /// comment's text that the site's policy follows
    /// ([`Policy::copies_rejected_since`](crate::moderation::Policy::copies_rejected_since)):
    /// those waiting in the queue and those the machine published. One decision
    /// clears a campaign. `copy` gives each copy's new reasons (JSON) and its event.
    /// Copies a moderator approved, copies leased to another moderator and appeals
    /// are left alone; at most [`CAMPAIGN_SWEEP_CAP`] go in one decision.
    pub async fn decide(
        &self,
        d: &DecisionInput<'_>,
        event: impl Fn(&CommentRow) -> OutboxEvent,
        copy: impl Fn(&CommentRow, &str) -> (String, OutboxEvent),
    ) -> std::result::Result<Decided, DecisionError> {
        let select = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1 AND deleted_at IS NULL{}",
            self.for_update()
        );
        let copies_select = self.copies_select();
        let actor = format!("moderator:{}", d.user_id);
        let decided = dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(select))
                .bind(d.comment_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(mut row) = row.filter(|r| d.scope.allows(&r.site_id)) else {
                return Err(DecisionError::NotFound);
            };
            if row.status != "pending" {
                return Err(DecisionError::NotPending { status: row.status });
            }
            if let (Some(holder), Some(until)) = (&row.claimed_by, row.claim_expires_at)
                && holder != d.user_id
                && until >= d.now
            {
                return Err(DecisionError::Leased { until });
            }
            if row.appeal_excluded_user.as_deref() == Some(d.user_id) {
                return Err(DecisionError::SameModerator);
            }
            let recorded = Recorded {
                to_status: d.to_status,
                decided_by: "moderator",
                user: d.user_id,
                reason_code: d.reason_code,
                actor: &actor,
                note: d.note,
                reasons: None,
                now: d.now,
            };
            record_decision!(tx, &row, &recorded);
            let e = event(&row);
            super::comments::insert_outbox!(tx, e);

            let since = if d.to_status == "rejected" {
                let (policy,): (String,) = sqlx::query_as("SELECT policy FROM sites WHERE id = $1")
                    .bind(&row.site_id)
                    .fetch_one(&mut *tx)
                    .await?;
                match serde_json::from_str::<crate::moderation::Policy>(&policy) {
                    Ok(p) => p.copies_rejected_since(d.reason_code, d.now),
                    Err(e) => {
                        // The submit path reports a corrupt policy; the moderator's own
                        // decision still stands.
                        tracing::warn!(site = %row.site_id, error = %e, "corrupt policy: campaign copies not swept");
                        None
                    }
                }
            } else {
                None
            };
            let copies_rejected = match since {
                Some(since) => sweep_copies!(
                    tx,
                    copies_select,
                    &row,
                    since,
                    d.user_id,
                    &actor,
                    d.now,
                    &copy
                ),
                None => Vec::new(),
            };
            tx.commit().await?;
            recorded.apply(&mut row);
            Decided {
                row,
                copies_rejected,
            }
        });
        Ok(decided)
    }

    /// The copies of a comment's text that a spam rejection takes with it ($1 site,
    /// $2 the comment, $3 window start, $4 the moderator, $5 now).
    fn copies_select(&self) -> String {
        format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 \
             AND fingerprint = (SELECT fingerprint FROM comments WHERE id = $2) \
             AND created_at >= $3 AND deleted_at IS NULL AND id <> $2 AND {SWEEPABLE} \
             ORDER BY created_at, id LIMIT {CAMPAIGN_SWEEP_CAP}{}",
            self.for_update()
        )
    }

    /// Reject a campaign as spam on a moderator's word, when no copy of it waits in
    /// the queue (the machine published them all) or from the campaigns list: its
    /// newest copy that waits or that the machine published is rejected by the
    /// moderator, and the others in the window go with it as after any spam
    /// rejection, in one transaction. From then on later copies follow that
    /// rejection (`follow_moderators`). `None` when there is no such copy.
    pub async fn reject_campaign(
        &self,
        c: &CampaignReject<'_>,
        event: impl Fn(&CommentRow) -> OutboxEvent,
        copy: impl Fn(&CommentRow, &str) -> (String, OutboxEvent),
    ) -> Result<Option<Decided>> {
        let select = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 AND fingerprint = $2 \
             AND created_at >= $3 AND deleted_at IS NULL AND {SWEEPABLE} \
             ORDER BY created_at DESC, id DESC LIMIT 1{}",
            self.for_update()
        );
        let copies_select = self.copies_select();
        let actor = format!("moderator:{}", c.user_id);
        let decided = dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(select))
                .bind(c.site_id)
                .bind(c.fingerprint)
                .bind(c.since)
                .bind(c.user_id)
                .bind(c.now)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(mut row) = row else {
                return Ok(None);
            };
            let recorded = Recorded {
                to_status: "rejected",
                decided_by: "moderator",
                user: c.user_id,
                reason_code: Some("spam"),
                actor: &actor,
                note: c.note,
                reasons: None,
                now: c.now,
            };
            record_decision!(tx, &row, &recorded);
            let e = event(&row);
            super::comments::insert_outbox!(tx, e);
            let copies_rejected = sweep_copies!(
                tx,
                copies_select,
                &row,
                c.since,
                c.user_id,
                &actor,
                c.now,
                &copy
            );
            tx.commit().await?;
            recorded.apply(&mut row);
            Some(Decided {
                row,
                copies_rejected,
            })
        });
        Ok(decided)
    }

    /// The weight of a reporter: (upheld + 1) / (decided + 2) over earlier reports.
    pub async fn reporter_weight(&self, site_id: &str, reporter: Option<&str>) -> Result<f64> {
        let Some(reporter) = reporter else {
            return Ok(0.5);
        };
        let (upheld, decided): (i64, i64) = dispatch!(self, read, |pool| {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN outcome = 'upheld' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN outcome IS NOT NULL THEN 1 ELSE 0 END), 0) \
                 FROM reports WHERE site_id = $1 AND reporter_id = $2",
            )
            .bind(site_id)
            .bind(reporter)
            .fetch_one(pool)
            .await?
        });
        Ok((upheld as f64 + 1.0) / (decided as f64 + 2.0))
    }

    /// Record a reader report. When the comment is published and the reports' weights
    /// reach `threshold`, it returns to the queue (`event` announces it). Returns the
    /// comment's status afterwards.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_report(
        &self,
        report: &ReportRow,
        site_id: &str,
        threshold: f64,
        force_requeue: bool,
        now: i64,
        event: impl Fn(&CommentRow) -> OutboxEvent,
    ) -> Result<String> {
        let select = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1 AND site_id = $2 AND deleted_at IS NULL{}",
            self.for_update()
        );
        let status = dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(select))
                .bind(&report.comment_id)
                .bind(site_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            sqlx::query(
                "INSERT INTO reports (id, site_id, comment_id, reporter_id, reason, note, weight, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&report.id)
            .bind(site_id)
            .bind(&report.comment_id)
            .bind(&report.reporter_id)
            .bind(&report.reason)
            .bind(&report.note)
            .bind(report.weight)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (total,): (f64,) = sqlx::query_as("SELECT COALESCE(SUM(weight), 0) FROM reports WHERE comment_id = $1 AND outcome IS NULL")
                .bind(&row.id)
                .fetch_one(&mut *tx)
                .await?;
            let mut status = row.status.clone();
            if row.status == "approved" && (total >= threshold || force_requeue) {
                sqlx::query("UPDATE comments SET status = 'pending', decision = 'review', prior_status = 'approved', updated_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(&row.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE authors SET approved = approved - 1 WHERE site_id = $1 AND author_id = $2")
                    .bind(site_id)
                    .bind(&row.author_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, reason_code, note, created_at) \
                     VALUES ($1, $2, 'reports', 'report', 'approved', 'pending', $3, $4, $5)",
                )
                .bind(site_id)
                .bind(&row.id)
                .bind(&report.reason)
                .bind(format!("report weight {total:.2} reached {threshold:.2}"))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let e = event(&row);
                super::comments::insert_outbox!(tx, e);
                status = "pending".into();
            }
            tx.commit().await?;
            status
        });
        Ok(status)
    }

    /// The author disputes a rejection: back to the queue as an appeal, to be decided
    /// by someone other than the moderator who rejected it.
    pub async fn appeal(
        &self,
        site_id: &str,
        comment_id: &str,
        note: Option<&str>,
        now: i64,
        event: impl Fn(&CommentRow) -> OutboxEvent,
    ) -> std::result::Result<(), DecisionError> {
        let select = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1 AND site_id = $2 AND deleted_at IS NULL{}",
            self.for_update()
        );
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let row: Option<CommentRow> = sqlx::query_as(sqlx::AssertSqlSafe(select))
                .bind(comment_id)
                .bind(site_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(DecisionError::NotFound);
            };
            if row.status != "rejected" {
                return Err(DecisionError::NotPending { status: row.status });
            }
            sqlx::query(
                "UPDATE comments SET status = 'pending', decision = 'review', prior_status = 'rejected', is_appeal = 1, \
                 appeal_excluded_user = decided_by_user, claimed_by = NULL, claim_expires_at = NULL, updated_at = $1 WHERE id = $2",
            )
            .bind(now)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE authors SET rejected = rejected - 1 WHERE site_id = $1 AND author_id = $2",
            )
            .bind(site_id)
            .bind(&row.author_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, note, created_at) \
                 VALUES ($1, $2, 'author', 'appeal', 'rejected', 'pending', $3, $4)",
            )
            .bind(site_id)
            .bind(&row.id)
            .bind(note)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let e = event(&row);
            super::comments::insert_outbox!(tx, e);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Audit entries, newest first, after an optional id cursor.
    #[allow(clippy::too_many_arguments)]
    pub async fn audit(
        &self,
        scope: &SiteScope,
        site: Option<&str>,
        comment: Option<&str>,
        actor: Option<&str>,
        since: Option<i64>,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRow>> {
        let mut sql = String::from(
            "SELECT id, site_id, comment_id, actor, action, from_status, to_status, reason_code, note, model_version, \
             rules_version, created_at FROM audit_log WHERE 1 = 1",
        );
        let mut binds = Vec::new();
        let mut add = |sql: &mut String, clause: String, b: Bind| {
            binds.push(b);
            sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
        };
        if let SiteScope::Only(sites) = scope {
            add(
                &mut sql,
                format!(
                    " AND {}",
                    self.in_json_list("site_id", 0).replace("$0", "$?")
                ),
                Bind::Text(json_list(sites)),
            );
        }
        if let Some(s) = site {
            add(&mut sql, " AND site_id = $?".into(), Bind::Text(s.into()));
        }
        if let Some(c) = comment {
            add(
                &mut sql,
                " AND comment_id = $?".into(),
                Bind::Text(c.into()),
            );
        }
        if let Some(a) = actor {
            add(&mut sql, " AND actor = $?".into(), Bind::Text(a.into()));
        }
        if let Some(t) = since {
            add(&mut sql, " AND created_at >= $?".into(), Bind::Int(t));
        }
        if let Some(b) = before_id {
            add(&mut sql, " AND id < $?".into(), Bind::Int(b));
        }
        sql.push_str(" ORDER BY id DESC");
        add(&mut sql, " LIMIT $?".into(), Bind::Int(limit));
        let rows = dispatch!(self, read, |pool| {
            bind_all!(
                sqlx::query_as::<_, AuditRow>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Comments decided by moderators (learning loop), oldest first.
    pub async fn moderated_comments(
        &self,
        site: Option<&str>,
        since: i64,
    ) -> Result<Vec<CommentRow>> {
        let mut sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE decided_by = 'moderator' AND decided_at >= $1"
        );
        let mut binds = vec![Bind::Int(since)];
        if let Some(s) = site {
            binds.push(Bind::Text(s.into()));
            sql.push_str(" AND site_id = $2");
        }
        sql.push_str(" ORDER BY decided_at, id");
        let rows = dispatch!(self, read, |pool| {
            bind_all!(
                sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Comments of a site (all sites with `None`) created since a time, for stats.
    pub async fn comments_since(&self, site: Option<&str>, since: i64) -> Result<Vec<CommentRow>> {
        let mut sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE created_at >= $1");
        let mut binds = vec![Bind::Int(since)];
        if let Some(s) = site {
            binds.push(Bind::Text(s.into()));
            sql.push_str(" AND site_id = $2");
        }
        let rows = dispatch!(self, read, |pool| {
            bind_all!(
                sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql)),
                &binds
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}

#[derive(sqlx::FromRow)]
struct QueueRowRaw {
    #[sqlx(flatten)]
    comment: CommentRow,
    author_approved: i64,
    author_rejected: i64,
    author_first_seen: Option<i64>,
}

impl QueueRowRaw {
    fn into_row(self) -> QueueRow {
        QueueRow {
            comment: self.comment,
            author_approved: self.author_approved,
            author_rejected: self.author_rejected,
            author_first_seen: self.author_first_seen,
        }
    }
}
