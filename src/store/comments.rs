//! Comments with their verdicts. Every status change is written in one transaction
//! with its audit entry, the author's counters and the outbox event, so a verdict is
//! never stored without the record of how it came about and the event announcing it.

use super::{Result, Store, StoreError, dispatch};
use crate::moderation::signals::Copies;
use crate::moderation::{AuthorHistory, Status};
use crate::webhooks::OutboxEvent;
use std::collections::HashSet;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Append an audit entry for a verdict inside the caller's transaction.
macro_rules! insert_audit {
    ($tx:expr, $site_id:expr, $comment_id:expr, $action:expr, $from:expr, $v:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, model_version, rules_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($site_id)
        .bind($comment_id)
        .bind($v.actor.as_str())
        .bind($action)
        .bind($from)
        .bind($v.status.as_str())
        .bind($v.model_version.as_str())
        .bind($v.rules_version.as_str())
        .bind($now)
        .execute(&mut *$tx)
        .await?
    };
}

/// Append an outbox event inside the caller's transaction.
macro_rules! insert_outbox {
    ($tx:expr, $e:expr) => {
        sqlx::query(
            "INSERT INTO outbox (event_id, site_id, comment_id, event_type, payload, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind($e.event_id.as_str())
        .bind($e.site_id.as_str())
        .bind($e.comment_id.as_deref())
        .bind($e.event_type.as_str())
        .bind($e.payload.as_str())
        .bind($e.created_at)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use insert_outbox;

/// The columns a new comment is inserted with, in the order both backends bind them.
const NEW_COMMENT_COLUMNS: &str = "id, site_id, external_id, content_hash, thread_id, thread_url, thread_title, \
    parent_id, author_id, author_name, author_email_hash, author_ip_hash, subject, body, language, status, \
    decision, decided_by, scores, reasons, model_version, rules_version, created_at, updated_at, risk, fingerprint";

/// Store a batch of new comments with their author counters, audit entries and outbox
/// events in one PostgreSQL statement: the batch goes in as one array per column,
/// and data-modifying CTEs hang off the comments' insert, so a duplicate external id
/// writes nothing and only the ids returned were stored. One statement per comment
/// (the earlier form) cost a round trip and an execution each, and the writers spent
/// their time waiting for those rather than for the commit.
///
/// Comments go in ordered by (site, external id) and the author counters by (site,
/// author), so two instances' batches take those locks in the same order. An author
/// with several comments in the batch gets one counter update with their sum: one
/// statement cannot update the same row twice.
async fn insert_batch_pg(pg: &mut sqlx::PgConnection, batch: &[&Pending]) -> Result<Vec<String>> {
    fn col<'a, T>(batch: &[&'a Pending], f: impl Fn(&'a Pending) -> T) -> Vec<T> {
        batch.iter().map(|p| f(p)).collect()
    }
    let deltas = col(batch, |p| count_deltas(None, p.verdict.status));
    let stored: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "WITH i AS ( \
           SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
             $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], \
             $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], \
             $21::text[], $22::text[], $23::int8[], $24::float8[], $25::int8[], $26::int8[], $27::int8[], \
             $28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::text[], $34::int8[], \
             $35::int8[]) \
           WITH ORDINALITY AS t(id, site_id, external_id, content_hash, thread_id, thread_url, thread_title, \
             parent_id, author_id, author_name, author_email_hash, author_ip_hash, subject, body, language, \
             status, decision, decided_by, scores, reasons, model_version, rules_version, now, risk, \
             approved, rejected, rejected_at, actor, event_id, e_site_id, e_comment_id, event_type, payload, \
             e_created_at, fingerprint, ord)), \
         c AS ( \
           INSERT INTO comments ({NEW_COMMENT_COLUMNS}) \
           SELECT id, site_id, external_id, content_hash, thread_id, thread_url, thread_title, parent_id, \
             author_id, author_name, author_email_hash, author_ip_hash, subject, body, language, status, \
             decision, decided_by, scores, reasons, model_version, rules_version, now, now, risk, fingerprint \
           FROM i ORDER BY site_id, external_id \
           ON CONFLICT DO NOTHING RETURNING id), \
         w AS (SELECT i.* FROM i JOIN c ON c.id = i.id), \
         a AS ( \
           INSERT INTO authors (site_id, author_id, approved, rejected, last_rejected_at, first_seen) \
           SELECT site_id, author_id, SUM(approved)::int8, SUM(rejected)::int8, MAX(rejected_at), MIN(now) \
           FROM w GROUP BY site_id, author_id ORDER BY site_id, author_id \
           ON CONFLICT (site_id, author_id) DO UPDATE SET approved = authors.approved + EXCLUDED.approved, \
           rejected = authors.rejected + EXCLUDED.rejected, \
           last_rejected_at = COALESCE(EXCLUDED.last_rejected_at, authors.last_rejected_at)), \
         l AS ( \
           INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, model_version, rules_version, created_at) \
           SELECT site_id, id, actor, 'submit', NULL, status, model_version, rules_version, now FROM w ORDER BY ord), \
         o AS ( \
           INSERT INTO outbox (event_id, site_id, comment_id, event_type, payload, created_at, next_attempt_at) \
           SELECT event_id, e_site_id, e_comment_id, event_type, payload, e_created_at, e_created_at FROM w ORDER BY ord) \
         SELECT id FROM c"
    )))
    .bind(col(batch, |p| p.comment.id.as_str()))
    .bind(col(batch, |p| p.comment.site_id.as_str()))
    .bind(col(batch, |p| p.comment.external_id.as_str()))
    .bind(col(batch, |p| p.comment.content_hash.as_str()))
    .bind(col(batch, |p| p.comment.thread_id.as_str()))
    .bind(col(batch, |p| p.comment.thread_url.as_deref()))
    .bind(col(batch, |p| p.comment.thread_title.as_deref()))
    .bind(col(batch, |p| p.comment.parent_id.as_deref()))
    .bind(col(batch, |p| p.comment.author_id.as_str()))
    .bind(col(batch, |p| p.comment.author_name.as_deref()))
    .bind(col(batch, |p| p.comment.author_email_hash.as_deref()))
    .bind(col(batch, |p| p.comment.author_ip_hash.as_deref()))
    .bind(col(batch, |p| p.comment.subject.as_deref()))
    .bind(col(batch, |p| p.comment.body.as_str()))
    .bind(col(batch, |p| p.verdict.language.as_str()))
    .bind(col(batch, |p| p.verdict.status.as_str()))
    .bind(col(batch, |p| p.verdict.decision.as_str()))
    .bind(col(batch, |p| p.verdict.decided_by.as_str()))
    .bind(col(batch, |p| p.verdict.scores.as_str()))
    .bind(col(batch, |p| p.verdict.reasons.as_str()))
    .bind(col(batch, |p| p.verdict.model_version.as_str()))
    .bind(col(batch, |p| p.verdict.rules_version.as_str()))
    .bind(col(batch, |p| p.now))
    .bind(col(batch, |p| p.verdict.risk))
    .bind(deltas.iter().map(|d| d.0).collect::<Vec<i64>>())
    .bind(deltas.iter().map(|d| d.1).collect::<Vec<i64>>())
    .bind(
        batch
            .iter()
            .zip(&deltas)
            .map(|(p, d)| (d.1 > 0).then_some(p.now))
            .collect::<Vec<Option<i64>>>(),
    )
    .bind(col(batch, |p| p.verdict.actor.as_str()))
    .bind(col(batch, |p| p.event.event_id.as_str()))
    .bind(col(batch, |p| p.event.site_id.as_str()))
    .bind(col(batch, |p| p.event.comment_id.as_deref()))
    .bind(col(batch, |p| p.event.event_type.as_str()))
    .bind(col(batch, |p| p.event.payload.as_str()))
    .bind(col(batch, |p| p.event.created_at))
    .bind(col(batch, |p| p.comment.fingerprint))
    .fetch_all(pg)
    .await?;
    Ok(stored)
}

/// A count read from the database as the `u32` the core uses.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// An author's history from `(approved, rejected, recent rejections)`, if the
/// author has a row.
fn history_of(row: Option<(i64, i64, i64)>) -> AuthorHistory {
    row.map_or_else(AuthorHistory::default, |(approved, rejected, recent)| {
        AuthorHistory {
            approved: count(approved),
            rejected: count(rejected),
            recent_rejected: count(recent),
            seen: true,
        }
    })
}

/// The query counting the earlier copies of a text, with the placeholders given for
/// site, author, fingerprint, window start and thread, and telling whether a
/// moderator rejected one of them as spam (any author, any thread: a reader
/// re-posting a rejected ad in the same thread is no better). A campaign of
/// thousands is counted up to [`COPIES_CAP`], which keeps every submit's read
/// bounded; the `comments_fingerprint` index covers the count and
/// `comments_fingerprint_rejected` the rejection.
fn copies_sql(site: &str, author: &str, fingerprint: &str, since: &str, thread: &str) -> String {
    format!(
        "SELECT COUNT(*) AS copies, COUNT(DISTINCT f.author_id) AS authors, \
         COUNT(DISTINCT f.thread_id) AS threads, \
         EXISTS (SELECT 1 FROM comments WHERE site_id = {site} AND fingerprint = {fingerprint} \
           AND fingerprint IS NOT NULL AND created_at >= {since} AND status = 'rejected' \
           AND decided_by = 'moderator' AND decision_reason = 'spam') AS rejected \
         FROM (SELECT author_id, thread_id FROM comments \
         WHERE site_id = {site} AND fingerprint = {fingerprint} AND created_at >= {since} \
         AND NOT (author_id = {author} AND thread_id = {thread}) LIMIT {COPIES_CAP}) f"
    )
}

/// The most earlier copies counted.
pub(crate) const COPIES_CAP: u32 = 20;

fn copies_of(copies: i64, authors: i64, threads: i64, rejected: bool) -> Copies {
    Copies {
        copies: count(copies),
        authors: count(authors),
        threads: count(threads),
        rejected_as_spam: rejected,
    }
}

/// What [`Store::submit_context`] looks up.
pub struct SubmitContextQuery<'a> {
    pub site_id: &'a str,
    pub external_id: &'a str,
    pub author_id: &'a str,
    pub thread_id: &'a str,
    /// Rejections since then count as recent.
    pub recent_since: i64,
    pub fingerprint: Option<i64>,
    /// Copies since then count.
    pub copies_since: i64,
}

/// What a new submit needs to know before it is moderated.
pub struct SubmitContext {
    /// The external id is already stored.
    pub exists: bool,
    pub history: AuthorHistory,
    pub copies: Copies,
}

/// The error of a submit whose external id is already stored.
fn duplicate(c: &NewComment) -> StoreError {
    StoreError::Conflict(format!(
        "comment {:?} of site {} already stored",
        c.external_id, c.site_id
    ))
}

/// A comment as validated at the edge, ready to store.
#[derive(Clone, Debug)]
pub struct NewComment {
    pub id: String,
    pub site_id: String,
    pub external_id: String,
    pub content_hash: String,
    pub thread_id: String,
    pub thread_url: Option<String>,
    pub thread_title: Option<String>,
    pub parent_id: Option<String>,
    pub author_id: String,
    pub author_name: Option<String>,
    pub author_email_hash: Option<String>,
    pub author_ip_hash: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    /// `moderation::signals::fingerprint` of the subject and body.
    pub fingerprint: Option<i64>,
}

/// The verdict columns of a comment.
#[derive(Clone, Debug)]
pub struct StoredVerdict {
    pub language: String,
    pub status: Status,
    pub decision: String,
    pub decided_by: String,
    pub scores: String,
    pub reasons: String,
    pub model_version: String,
    pub rules_version: String,
    /// Who decided, for the audit log: `policy`, `rule:<id>`, `moderator:<id>`.
    pub actor: String,
    /// The higher of the two scores, which the queue sorts by.
    pub risk: f64,
}

/// A stored comment.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommentRow {
    pub id: String,
    pub site_id: String,
    pub external_id: String,
    pub content_hash: String,
    pub thread_id: String,
    pub thread_url: Option<String>,
    pub thread_title: Option<String>,
    pub parent_id: Option<String>,
    pub author_id: String,
    pub author_name: Option<String>,
    pub subject: Option<String>,
    pub body: String,
    pub language: String,
    pub status: String,
    pub decision: String,
    pub decided_by: String,
    pub scores: String,
    pub reasons: String,
    pub model_version: String,
    pub rules_version: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    pub risk: f64,
    pub decided_by_user: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
    pub prior_status: Option<String>,
    pub is_appeal: i64,
    pub appeal_excluded_user: Option<String>,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<i64>,
}

pub(crate) const COMMENT_COLUMNS: &str = "id, site_id, external_id, content_hash, thread_id, thread_url, thread_title, \
    parent_id, author_id, author_name, subject, body, language, status, decision, decided_by, scores, reasons, \
    model_version, rules_version, created_at, updated_at, deleted_at, risk, decided_by_user, decided_at, \
    decision_reason, prior_status, is_appeal, appeal_excluded_user, claimed_by, claim_expires_at";

/// How a counter changes when a comment moves from one status to another.
pub(crate) fn count_deltas(from: Option<&str>, to: Status) -> (i64, i64) {
    let mut approved = 0;
    let mut rejected = 0;
    match from {
        Some("approved") => approved -= 1,
        Some("rejected") => rejected -= 1,
        _ => {}
    }
    match to {
        Status::Approved => approved += 1,
        Status::Rejected => rejected += 1,
        Status::Pending => {}
    }
    (approved, rejected)
}

impl Store {
    /// Store a new comment, its verdict, the audit entry, the author's counters and the
    /// outbox event, atomically. A duplicate `(site, external_id)` is a `Conflict`.
    ///
    /// On SQLite the rows go through the group commit: they are written in one
    /// transaction with those of the other submits waiting at that moment, and this
    /// returns only once that transaction has committed.
    pub async fn insert_comment(
        &self,
        c: &NewComment,
        v: &StoredVerdict,
        event: &OutboxEvent,
        now: i64,
    ) -> Result<()> {
        match self {
            Store::Sqlite { commits, .. } | Store::Postgres(_, commits) => {
                commits.insert(c, v, event, now).await
            }
        }
    }

    /// Replace a comment's content and verdict after an edit by its author.
    pub async fn update_comment(
        &self,
        c: &NewComment,
        v: &StoredVerdict,
        event: Option<&OutboxEvent>,
        now: i64,
    ) -> Result<()> {
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let old: Option<(String, String)> = sqlx::query_as(
                "SELECT status, author_id FROM comments WHERE id = $1 AND site_id = $2 AND deleted_at IS NULL",
            )
            .bind(&c.id)
            .bind(&c.site_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((old_status, author_id)) = old else {
                return Err(StoreError::NotFound);
            };
            sqlx::query(
                "UPDATE comments SET content_hash = $1, thread_id = $2, thread_url = $3, thread_title = $4, parent_id = $5, \
                 author_name = $6, author_email_hash = $7, author_ip_hash = $8, subject = $9, body = $10, language = $11, \
                 status = $12, decision = $13, decided_by = $14, scores = $15, reasons = $16, model_version = $17, \
                 rules_version = $18, claimed_by = NULL, claim_expires_at = NULL, updated_at = $19, risk = $21, \
                 decided_by_user = NULL, decided_at = NULL, decision_reason = NULL, fingerprint = $22 WHERE id = $20",
            )
            .bind(&c.content_hash)
            .bind(&c.thread_id)
            .bind(&c.thread_url)
            .bind(&c.thread_title)
            .bind(&c.parent_id)
            .bind(&c.author_name)
            .bind(&c.author_email_hash)
            .bind(&c.author_ip_hash)
            .bind(&c.subject)
            .bind(&c.body)
            .bind(&v.language)
            .bind(v.status.as_str())
            .bind(&v.decision)
            .bind(&v.decided_by)
            .bind(&v.scores)
            .bind(&v.reasons)
            .bind(&v.model_version)
            .bind(&v.rules_version)
            .bind(now)
            .bind(&c.id)
            .bind(v.risk)
            .bind(c.fingerprint)
            .execute(&mut *tx)
            .await?;
            let (approved, rejected) = count_deltas(Some(&old_status), v.status);
            sqlx::query(
                "UPDATE authors SET approved = approved + $1, rejected = rejected + $2, \
                 last_rejected_at = CASE WHEN $2 > 0 THEN $3 ELSE last_rejected_at END \
                 WHERE site_id = $4 AND author_id = $5",
            )
            .bind(approved)
            .bind(rejected)
            .bind(now)
            .bind(&c.site_id)
            .bind(&author_id)
            .execute(&mut *tx)
            .await?;
            insert_audit!(
                tx,
                &c.site_id,
                &c.id,
                "edit",
                Some(old_status.as_str()),
                v,
                now
            );
            if let Some(event) = event {
                insert_outbox!(tx, event);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The host removed a comment: it leaves the queue; its record stays for the audit.
    pub async fn delete_comment(&self, site_id: &str, id: &str, now: i64) -> Result<()> {
        dispatch!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let old: Option<(String,)> = sqlx::query_as(
                "SELECT status FROM comments WHERE id = $1 AND site_id = $2 AND deleted_at IS NULL",
            )
            .bind(id)
            .bind(site_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((status,)) = old else {
                return Err(StoreError::NotFound);
            };
            sqlx::query("UPDATE comments SET deleted_at = $1, claimed_by = NULL, claim_expires_at = NULL WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, created_at) \
                 VALUES ($1, $2, 'host', 'delete', $3, $3, $4)",
            )
            .bind(site_id)
            .bind(id)
            .bind(&status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Whether a lookup of one comment by (site, key) may keep its prepared statement.
    /// PostgreSQL plans a prepared statement once per connection for any parameters
    /// (a "generic plan") after five runs, and on a young table, before any
    /// statistics, the costs of the candidate indexes tie: the plan then found the row
    /// by reading every comment of the site through `comments_author_recent` instead of
    /// the unique key, and kept doing so until the next ANALYZE. Under a submit load on
    /// a fresh database that read was what PostgreSQL spent its CPU on. Unprepared,
    /// the statement is planned with its values and the unique index wins as soon as
    /// the table has rows; the planning costs a fraction of the scan. SQLite's planner
    /// chose well here, and re-preparing would cost its connection threads time.
    fn prepare_once(&self) -> bool {
        matches!(self, Store::Sqlite { .. })
    }

    /// A comment of a site by raqib id, or by external id when `external` is set.
    pub async fn get_comment(&self, site_id: &str, id: &str, external: bool) -> Result<CommentRow> {
        let column = if external { "external_id" } else { "id" };
        let sql =
            format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 AND {column} = $2");
        let persistent = self.prepare_once();
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
                .bind(site_id)
                .bind(id)
                .persistent(persistent)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Like [`Store::get_comment`] by external id, but read from the writer so it sees
    /// a row committed an instant ago by a concurrent duplicate submit. On PostgreSQL
    /// both use the one pool, so this is the same query.
    pub async fn get_comment_by_external_fresh(
        &self,
        site_id: &str,
        external_id: &str,
    ) -> Result<CommentRow> {
        match self {
            Store::Sqlite { write, commits, .. } => {
                let writer = Store::Sqlite {
                    read: write.clone(),
                    write: write.clone(),
                    commits: commits.clone(),
                };
                writer.get_comment(site_id, external_id, true).await
            }
            Store::Postgres(..) => self.get_comment(site_id, external_id, true).await,
        }
    }

    /// What the site knows of an author before a new comment.
    pub async fn author_history(
        &self,
        site_id: &str,
        author_id: &str,
        recent_since: i64,
    ) -> Result<AuthorHistory> {
        let row: Option<(i64, i64, i64)> = dispatch!(self, read, |pool| {
            // The count reads only the covering index `comments_author_recent`
            // (migration 0009). `status || ''` keeps both planners off the (site,
            // status) queue index, which would scan every rejected comment of the
            // site; without statistics (SQLite always, PostgreSQL on a young table)
            // they otherwise pick it.
            sqlx::query_as(
                "SELECT a.approved, a.rejected, \
                 (SELECT COUNT(*) FROM comments c WHERE c.site_id = a.site_id AND c.author_id = a.author_id \
                  AND c.status || '' = 'rejected' AND c.updated_at >= $3) \
                 FROM authors a WHERE a.site_id = $1 AND a.author_id = $2",
            )
            .bind(site_id)
            .bind(author_id)
            .bind(recent_since)
            .fetch_optional(pool)
            .await?
        });
        Ok(history_of(row))
    }

    /// What a new submit needs to know, in one read: whether its external id is
    /// already stored, its author's history (see [`Store::author_history`]) and the
    /// earlier copies of its text (see [`Store::copies`]). One query instead of
    /// three, because on SQLite every query is a round trip to another thread, which
    /// under load costs more than the lookups. The count is planned as in
    /// [`Store::author_history`].
    pub async fn submit_context(&self, q: &SubmitContextQuery<'_>) -> Result<SubmitContext> {
        // See `prepare_once`: on a young table the unique index lost to a site scan.
        let persistent = self.prepare_once();
        // SQLite prepares this statement once, and every statement is a hop to its
        // thread: the copies are counted inside it. PostgreSQL plans it afresh for
        // every submit (`prepare_once`), and the copies part doubled that planning
        // (0.2 → 0.4 ms, with submits 45 % slower under load): there they are a
        // second, prepared statement.
        let combined = persistent;
        let copies_columns = if combined {
            format!(
                "d.copies, d.authors, d.threads, d.rejected \
                 FROM (SELECT 1 AS one) x LEFT JOIN authors a ON a.site_id = $1 AND a.author_id = $3 \
                 CROSS JOIN ({}) d",
                copies_sql("$1", "$3", "$5", "$6", "$7")
            )
        } else {
            "CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), FALSE \
             FROM (SELECT 1 AS one) x LEFT JOIN authors a ON a.site_id = $1 AND a.author_id = $3"
                .to_string()
        };
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM comments WHERE site_id = $1 AND external_id = $2), \
             a.approved, a.rejected, \
             (SELECT COUNT(*) FROM comments c WHERE c.site_id = $1 AND c.author_id = $3 \
              AND c.status || '' = 'rejected' AND c.updated_at >= $4), {copies_columns}"
        );
        type Row = (bool, Option<i64>, Option<i64>, i64, i64, i64, i64, bool);
        let (exists, approved, rejected, recent, copies, authors, threads, spam): Row =
            dispatch!(self, read, |pool| {
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(q.site_id)
                    .bind(q.external_id)
                    .bind(q.author_id)
                    .bind(q.recent_since);
                if combined {
                    query = query
                        .bind(q.fingerprint)
                        .bind(q.copies_since)
                        .bind(q.thread_id);
                }
                query.persistent(persistent).fetch_one(pool).await?
            });
        let copies = if combined {
            copies_of(copies, authors, threads, spam)
        } else {
            self.copies(
                q.site_id,
                q.fingerprint,
                q.copies_since,
                q.author_id,
                q.thread_id,
            )
            .await?
        };
        let row = approved.zip(rejected).map(|(a, r)| (a, r, recent));
        Ok(SubmitContext {
            exists,
            history: history_of(row),
            copies,
        })
    }

    /// The earlier comments of a site with a comment's fingerprint since `since`,
    /// leaving out those of the same author in the same thread. Nothing without a
    /// fingerprint.
    pub async fn copies(
        &self,
        site_id: &str,
        fingerprint: Option<i64>,
        since: i64,
        author_id: &str,
        thread_id: &str,
    ) -> Result<Copies> {
        if fingerprint.is_none() {
            return Ok(Copies::default());
        }
        let sql = copies_sql("$1", "$3", "$2", "$4", "$5");
        let (copies, authors, threads, rejected): (i64, i64, i64, bool) =
            dispatch!(self, read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(site_id)
                    .bind(fingerprint)
                    .bind(author_id)
                    .bind(since)
                    .bind(thread_id)
                    .fetch_one(pool)
                    .await?
            });
        Ok(copies_of(copies, authors, threads, rejected))
    }

    /// A site's most recent comments, newest first (rule backtests).
    pub async fn recent_comments(&self, site_id: &str, limit: i64) -> Result<Vec<CommentRow>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments WHERE site_id = $1 AND deleted_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(sql))
                .bind(site_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Outbox events of a comment, oldest first: `(event_type, payload)`.
    pub async fn outbox_events_of(&self, comment_id: &str) -> Result<Vec<(String, String)>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as(
                "SELECT event_type, payload FROM outbox WHERE comment_id = $1 ORDER BY id",
            )
            .bind(comment_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Number of comments stored for a site (tests and stats).
    pub async fn count_comments(&self, site_id: &str) -> Result<i64> {
        let (n,): (i64,) = dispatch!(self, read, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM comments WHERE site_id = $1")
                .bind(site_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n)
    }
}

/// Submits queued for the SQLite writer, each with the channel its request waits on.
struct Pending {
    comment: NewComment,
    verdict: StoredVerdict,
    event: OutboxEvent,
    now: i64,
    done: oneshot::Sender<Result<()>>,
}

/// Where a [`GroupCommit`] writes.
pub(crate) enum Writer {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Group commit for new comments. SQLite has one writer, so a transaction per submit
/// makes concurrent submits queue for the write connection and pay for a commit
/// each; on PostgreSQL each commit waits for its own WAL flush. A writer task instead
/// takes every submit waiting at that moment (up to [`GroupCommit::MAX_BATCH`]),
/// writes them in one transaction and answers each only after it committed, so a
/// `2xx` still means stored. Nothing waits for a batch to fill: a lone submit is
/// written at once; batches grow only while the previous commit runs. Each submit
/// keeps its own outcome: a duplicate external id is a `Conflict` for that submit
/// alone (the insert skips it), and if the batch fails as a whole for another reason
/// than an unavailable database, its submits are retried one by one so one bad row
/// cannot fail the others.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Most submits written in one transaction.
    pub(crate) const MAX_BATCH: usize = 256;
    /// Concurrent batches on PostgreSQL, each on a connection of the writers' own pool.
    pub(crate) const PG_WRITERS: u32 = 4;

    /// Start the writer task on `pool` (SQLite: the one-connection writer pool). It
    /// stops when the last handle is dropped.
    pub(crate) fn start(pool: Writer) -> GroupCommit {
        let (queue, pending) = mpsc::channel(4 * Self::MAX_BATCH);
        // SQLite has one writer; PostgreSQL runs a few batches at once, so one batch's
        // round trips and commit overlap the next one's (eight writers measured slower
        // than four: more commits of smaller batches).
        let writers = match pool {
            Writer::Sqlite(_) => 1,
            Writer::Postgres(_) => Self::PG_WRITERS,
        };
        let pool = Arc::new(pool);
        let pending = Arc::new(tokio::sync::Mutex::new(pending));
        for _ in 0..writers {
            tokio::spawn(write_loop(pool.clone(), pending.clone()));
        }
        GroupCommit { queue }
    }

    async fn insert(
        &self,
        c: &NewComment,
        v: &StoredVerdict,
        event: &OutboxEvent,
        now: i64,
    ) -> Result<()> {
        let stopped = || StoreError::Unavailable("the database writer has stopped".into());
        let (done, answer) = oneshot::channel();
        let pending = Pending {
            comment: c.clone(),
            verdict: v.clone(),
            event: event.clone(),
            now,
            done,
        };
        self.queue.send(pending).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn write_loop(pool: Arc<Writer>, pending: Arc<tokio::sync::Mutex<mpsc::Receiver<Pending>>>) {
    let mut batch = Vec::with_capacity(GroupCommit::MAX_BATCH);
    loop {
        // Take what is waiting, then let the next writer take the next batch.
        let taken = pending
            .lock()
            .await
            .recv_many(&mut batch, GroupCommit::MAX_BATCH)
            .await;
        if taken == 0 {
            break;
        }
        metrics::histogram!("raqib_group_commit_size").record(batch.len() as f64);
        let started = std::time::Instant::now();
        let written = write_batch(&pool, &batch).await;
        metrics::histogram!("raqib_group_commit_seconds").record(started.elapsed().as_secs_f64());
        match written {
            Ok(outcomes) => {
                for (p, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = p.done.send(outcome);
                }
            }
            Err(StoreError::Unavailable(why)) => {
                for p in batch.drain(..) {
                    let _ = p.done.send(Err(StoreError::Unavailable(why.clone())));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some(p) = batch.pop() {
                    let _ = p.done.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size = batch.len(), "group commit failed; writing its comments one by one");
                for p in batch.drain(..) {
                    let outcome = match write_batch(&pool, std::slice::from_ref(&p)).await {
                        Ok(mut one) => one.pop().unwrap_or(Ok(())),
                        Err(e) => Err(e),
                    };
                    let _ = p.done.send(outcome);
                }
            }
        }
    }
}

/// Write a batch in one transaction: the outcome of each submit, in order, or the
/// error that failed the whole transaction (then nothing of it is stored).
async fn write_batch(pool: &Writer, batch: &[Pending]) -> Result<Vec<Result<()>>> {
    let pool = match pool {
        Writer::Sqlite(pool) => pool,
        Writer::Postgres(pool) => return write_on_pg(pool, batch).await,
    };
    let mut conn = pool.acquire().await?;
    match write_on(&mut conn, batch).await {
        Ok(outcomes) => Ok(outcomes),
        Err(e) => {
            // After a failed write (SQLITE_FULL, SQLITE_IOERR) SQLite may roll the
            // transaction back by itself while sqlx still counts it open; the next
            // "transaction" on this connection would then be a savepoint inside one
            // that never commits, and its comments would be acknowledged unstored.
            // Close the connection instead; the pool opens a fresh one.
            drop(conn.detach());
            Err(e)
        }
    }
}

/// A PostgreSQL batch: statements of [`insert_batch_pg`] of at most
/// [`PG_STATEMENT_BYTES`] each, in one transaction, so one commit (one WAL flush)
/// for all; a batch that fits in one statement is its own transaction.
///
/// Why the size limit: over TLS (sqlx's default `sslmode=prefer` negotiates it even
/// on 127.0.0.1) a larger message leaves in several 16 kB records, one write each,
/// and sqlx 0.9.0 does not set `TCP_NODELAY`, so Nagle's algorithm holds every record
/// after the first until PostgreSQL acknowledges it — which its delayed ACK does
/// only after 40 ms. Every batch of about a dozen comments paid those 40 ms, which
/// capped submits at ~1,100/s with the database idle. Statements that each fit in
/// one record never wait.
///
/// The batch is written in (site, author) order across its statements as within
/// each, so two instances' transactions take the author rows' locks in the same
/// order and cannot deadlock each other.
async fn write_on_pg(pool: &sqlx::PgPool, batch: &[Pending]) -> Result<Vec<Result<()>>> {
    let mut order: Vec<&Pending> = batch.iter().collect();
    order.sort_by(|a, b| {
        (&a.comment.site_id, &a.comment.author_id).cmp(&(&b.comment.site_id, &b.comment.author_id))
    });
    let mut chunks: Vec<&[&Pending]> = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, p) in order.iter().enumerate() {
        let size = pg_bytes(p);
        if i > start && bytes + size > PG_STATEMENT_BYTES {
            chunks.push(&order[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    chunks.push(&order[start..]);

    let mut stored = HashSet::new();
    if let [only] = chunks.as_slice() {
        let mut conn = pool.acquire().await?;
        stored.extend(insert_batch_pg(&mut conn, only).await?);
    } else {
        let mut tx = pool.begin().await?;
        for chunk in chunks {
            stored.extend(insert_batch_pg(&mut tx, chunk).await?);
        }
        tx.commit().await?;
    }
    Ok(outcomes(batch, &stored))
}

/// Most bytes of comment data in one PostgreSQL statement: under one 16 kB TLS record
/// with room for the statement's own framing (see [`write_on_pg`]).
const PG_STATEMENT_BYTES: usize = 12 * 1024;

/// About what a submit adds to a statement's bind message: its texts, plus a
/// length word and the fixed-size values of each of the 34 columns.
fn pg_bytes(p: &Pending) -> usize {
    let c = &p.comment;
    let v = &p.verdict;
    let opt = |s: &Option<String>| s.as_deref().map_or(0, str::len);
    let texts = [
        &c.id,
        &c.site_id,
        &c.external_id,
        &c.content_hash,
        &c.thread_id,
        &c.author_id,
        &c.body,
        &v.language,
        &v.decision,
        &v.decided_by,
        &v.scores,
        &v.reasons,
        &v.model_version,
        &v.rules_version,
        &v.actor,
        &p.event.event_id,
        &p.event.site_id,
        &p.event.event_type,
        &p.event.payload,
    ];
    texts.iter().map(|s| s.len()).sum::<usize>()
        + [
            &c.thread_url,
            &c.thread_title,
            &c.parent_id,
            &c.author_name,
            &c.author_email_hash,
            &c.author_ip_hash,
            &c.subject,
            &p.event.comment_id,
        ]
        .iter()
        .map(|s| opt(s))
        .sum::<usize>()
        + 35 * 12
}

async fn write_on(conn: &mut sqlx::SqliteConnection, batch: &[Pending]) -> Result<Vec<Result<()>>> {
    use sqlx::Connection as _;
    // Every statement is a hop to the connection's SQLite thread and back, which
    // costs more CPU than the insert itself; so each table gets one multi-row
    // statement for the whole batch instead of one per comment. A batch holds at
    // most `MAX_BATCH` rows × 26 parameters, far below SQLite's 32,766.
    let mut tx = conn.begin().await?;
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
        "INSERT INTO comments ({NEW_COMMENT_COLUMNS}) "
    ));
    q.push_values(batch, |mut row, p| {
        let (c, v) = (&p.comment, &p.verdict);
        row.push_bind(&c.id)
            .push_bind(&c.site_id)
            .push_bind(&c.external_id)
            .push_bind(&c.content_hash)
            .push_bind(&c.thread_id)
            .push_bind(&c.thread_url)
            .push_bind(&c.thread_title)
            .push_bind(&c.parent_id)
            .push_bind(&c.author_id)
            .push_bind(&c.author_name)
            .push_bind(&c.author_email_hash)
            .push_bind(&c.author_ip_hash)
            .push_bind(&c.subject)
            .push_bind(&c.body)
            .push_bind(&v.language)
            .push_bind(v.status.as_str())
            .push_bind(&v.decision)
            .push_bind(&v.decided_by)
            .push_bind(&v.scores)
            .push_bind(&v.reasons)
            .push_bind(&v.model_version)
            .push_bind(&v.rules_version)
            .push_bind(p.now)
            .push_bind(p.now)
            .push_bind(v.risk)
            .push_bind(c.fingerprint);
    });
    // A duplicate external id (stored earlier, or twice in this batch) is skipped
    // and not returned; only the returned comments get their other rows.
    q.push(" ON CONFLICT DO NOTHING RETURNING id");
    let stored: HashSet<String> = q
        .build_query_scalar()
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
    let written: Vec<&Pending> = batch
        .iter()
        .filter(|p| stored.contains(&p.comment.id))
        .collect();
    if !written.is_empty() {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO authors (site_id, author_id, approved, rejected, last_rejected_at, first_seen) ",
        );
        q.push_values(&written, |mut row, p| {
            let (approved, rejected) = count_deltas(None, p.verdict.status);
            row.push_bind(&p.comment.site_id)
                .push_bind(&p.comment.author_id)
                .push_bind(approved)
                .push_bind(rejected)
                .push_bind((rejected > 0).then_some(p.now))
                .push_bind(p.now);
        });
        // The same author twice in one batch: SQLite applies the rows in order, so
        // the second one's counts add to the first's.
        q.push(
            " ON CONFLICT (site_id, author_id) DO UPDATE SET approved = authors.approved + excluded.approved, \
             rejected = authors.rejected + excluded.rejected, \
             last_rejected_at = COALESCE(excluded.last_rejected_at, authors.last_rejected_at)",
        );
        q.build().execute(&mut *tx).await?;

        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO audit_log (site_id, comment_id, actor, action, from_status, to_status, model_version, rules_version, created_at) ",
        );
        q.push_values(&written, |mut row, p| {
            let v = &p.verdict;
            row.push_bind(&p.comment.site_id)
                .push_bind(&p.comment.id)
                .push_bind(v.actor.as_str())
                .push_bind("submit")
                .push_bind(None::<&str>)
                .push_bind(v.status.as_str())
                .push_bind(v.model_version.as_str())
                .push_bind(v.rules_version.as_str())
                .push_bind(p.now);
        });
        q.build().execute(&mut *tx).await?;

        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO outbox (event_id, site_id, comment_id, event_type, payload, created_at, next_attempt_at) ",
        );
        q.push_values(&written, |mut row, p| {
            let e = &p.event;
            row.push_bind(e.event_id.as_str())
                .push_bind(e.site_id.as_str())
                .push_bind(e.comment_id.as_deref())
                .push_bind(e.event_type.as_str())
                .push_bind(e.payload.as_str())
                .push_bind(e.created_at)
                .push_bind(e.created_at);
        });
        q.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outcomes(batch, &stored))
}

/// Each submit's outcome once its batch committed: stored (its id is in `stored`), or
/// a duplicate.
fn outcomes(batch: &[Pending], stored: &HashSet<String>) -> Vec<Result<()>> {
    batch
        .iter()
        .map(|p| {
            if stored.contains(&p.comment.id) {
                Ok(())
            } else {
                Err(duplicate(&p.comment))
            }
        })
        .collect()
}
