//! The outbox as a delivery queue and as the hosts' pull feed.
//!
//! Rows are written by the status changes themselves (`insert_outbox!` in
//! `comments.rs`); this module only moves them through delivery: claim the due ones,
//! record each attempt's outcome, list them for admins, redeliver, and serve the feed.
//!
//! An event is *pending* until it is delivered, skipped (the site opted out of
//! `comment.pending`) or dead. A claim is a lease: the claiming worker pushes
//! `next_attempt_at` to the end of the lease and stamps a claim token, so a worker that
//! dies mid-delivery only delays the event, and a late worker cannot record over a
//! newer claim. At most one event per comment is claimable at a time — the oldest one
//! still pending — which is what keeps a comment's events in order.
//!
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so instances never claim the same
//! row; on SQLite every claim runs through the single writer connection.

use super::{Result, Store, StoreError, dispatch};

/// A claimed event, ready to send.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedEvent {
    pub id: i64,
    pub event_id: String,
    pub site_id: String,
    pub comment_id: Option<String>,
    pub event_type: String,
    /// The exact body to send and sign.
    pub payload: String,
    pub created_at: i64,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// When the first attempt since creation (or the last redelivery) was made.
    pub first_attempt_at: Option<i64>,
}

/// Where an event is in its delivery.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its first attempt or a retry, or (for a site
    /// without a callback URL) only available through the pull feed.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Not pushed: a `comment.pending` event of a site that opted out of them.
    Skipped,
    /// Failing past the give-up horizon; waits for an admin to redeliver it.
    Dead,
}

impl DeliveryState {
    /// The SQL condition selecting events in this state.
    fn condition(self) -> &'static str {
        match self {
            DeliveryState::Pending => "delivered_at IS NULL AND dead_at IS NULL",
            DeliveryState::Delivered => "delivered_at IS NOT NULL AND skipped_at IS NULL",
            DeliveryState::Skipped => "skipped_at IS NOT NULL",
            DeliveryState::Dead => "dead_at IS NOT NULL",
        }
    }
}

/// An outbox event with its delivery record, for admins.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub site_id: String,
    pub comment_id: Option<String>,
    pub event_type: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub first_attempt_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub dead_at: Option<i64>,
    pub skipped_at: Option<i64>,
}

impl DeliveryRow {
    pub fn state(&self) -> DeliveryState {
        if self.skipped_at.is_some() {
            DeliveryState::Skipped
        } else if self.delivered_at.is_some() {
            DeliveryState::Delivered
        } else if self.dead_at.is_some() {
            DeliveryState::Dead
        } else {
            DeliveryState::Pending
        }
    }
}

/// Which deliveries an admin asks for.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    pub site_id: Option<String>,
    pub state: Option<DeliveryState>,
    /// Only events older than this outbox id (paging backwards, newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

const DELIVERY_COLUMNS: &str = "id, event_id, site_id, comment_id, event_type, created_at, attempts, \
    next_attempt_at, first_attempt_at, last_attempt_at, last_status, last_error, delivered_at, dead_at, skipped_at";

/// A constant key for the PostgreSQL advisory lock that serializes feed sequencing.
const FEED_LOCK_KEY: i64 = 0x7261_7169_6266_6565; // "raqibfee"

impl Store {
    /// The pending events (as `o`) of the sites (as `s`) matching `sites_where` that
    /// also match `events_where`: a FROM clause with its WHERE, for the delivery
    /// worker's periodic queries. Sites that read the pull feed and set no callback
    /// URL keep their events pending for good, so these queries must start from the
    /// sites and read only the chosen sites' pending rows (migration 0010's per-site
    /// index), never the whole backlog.
    ///
    /// SQLite keeps no statistics and would read every pending row through
    /// `outbox_due`: the index is named, and `CROSS JOIN` fixes the join order.
    /// PostgreSQL on a young table (no statistics yet) planned the same join as a
    /// scan of every pending event — 22 ms at 7,500 events, twice a second, growing
    /// with the backlog; a `LATERAL` subquery per site leaves it no other order.
    /// `per_site` (ORDER BY / LIMIT) and `lock` (`FOR UPDATE SKIP LOCKED`, so
    /// instances never claim the same row) apply inside that subquery; SQLite has a
    /// single writer, so it neither needs the lock nor the per-site limit.
    fn pending_events(
        &self,
        sites_where: &str,
        events_where: &str,
        per_site: &str,
        lock: bool,
    ) -> String {
        const PENDING: &str = "o.site_id = s.id AND o.delivered_at IS NULL AND o.dead_at IS NULL";
        match self {
            Store::Sqlite { .. } => format!(
                "sites s CROSS JOIN outbox o INDEXED BY outbox_pending_site \
                 WHERE {PENDING} AND {events_where} AND {sites_where}"
            ),
            Store::Postgres(..) => format!(
                "sites s CROSS JOIN LATERAL (SELECT o.* FROM outbox o WHERE {PENDING} AND {events_where} {per_site}{}) o \
                 WHERE {sites_where}",
                if lock { " FOR UPDATE SKIP LOCKED" } else { "" }
            ),
        }
    }

    /// Due events of sites with a callback URL that have no older pending event of
    /// the same comment, oldest first, locked for a claim on PostgreSQL.
    fn due_events(&self) -> String {
        format!(
            "SELECT o.id FROM {} ORDER BY o.id LIMIT $2",
            self.pending_events(
                "s.callback_url IS NOT NULL",
                "o.next_attempt_at <= $1 \
                 AND (o.comment_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p WHERE p.comment_id = o.comment_id \
                      AND p.id < o.id AND p.delivered_at IS NULL AND p.dead_at IS NULL))",
                "ORDER BY o.id LIMIT $2",
                true,
            )
        )
    }

    /// Mark the pending `comment.pending` events of sites that opted out of them as
    /// skipped, so they neither go out nor hold back the comment's later events.
    /// Events under a live claim are left to finish.
    pub async fn skip_opted_out_pending(&self, now: i64) -> Result<u64> {
        let sql = format!(
            "UPDATE outbox SET delivered_at = $1, skipped_at = $1, claim_token = NULL, \
             last_error = 'not sent: the site opted out of comment.pending' \
             WHERE id IN (SELECT o.id FROM {})",
            self.pending_events(
                "s.webhook_send_pending = 0",
                "o.event_type = 'comment.pending' AND (o.claim_token IS NULL OR o.next_attempt_at <= $1)",
                "",
                true,
            )
        );
        let n = dispatch!(self, write, |pool| {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n)
    }

    /// Claim up to `limit` due events for one delivery attempt each: count the
    /// attempt, stamp `token`, and lease them until `lease_until`. Ordered by id.
    pub async fn claim_due_events(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
        token: &str,
    ) -> Result<Vec<ClaimedEvent>> {
        let sql = format!(
            "WITH due AS ({}) \
             UPDATE outbox SET attempts = attempts + 1, claim_token = $3, next_attempt_at = $4, \
             last_attempt_at = $1, first_attempt_at = COALESCE(first_attempt_at, $1) \
             WHERE id IN (SELECT id FROM due) \
             RETURNING id, event_id, site_id, comment_id, event_type, payload, created_at, attempts, first_attempt_at",
            self.due_events()
        );
        let mut rows = dispatch!(self, write, |pool| {
            sqlx::query_as::<_, ClaimedEvent>(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(limit)
                .bind(token)
                .bind(lease_until)
                .fetch_all(pool)
                .await?
        });
        // RETURNING gives no order guarantee; callers expect id order.
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Record a 2xx answer. `false`: the claim was no longer ours (the lease ran out and
    /// another worker took the event), so nothing was recorded.
    pub async fn record_delivered(
        &self,
        id: i64,
        token: &str,
        status: i64,
        now: i64,
    ) -> Result<bool> {
        let n = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET delivered_at = $1, last_status = $2, last_error = NULL, claim_token = NULL \
                 WHERE id = $3 AND claim_token = $4 AND delivered_at IS NULL AND dead_at IS NULL",
            )
            .bind(now)
            .bind(status)
            .bind(id)
            .bind(token)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Record a failed attempt: retry at `retry_at`, or, when `None`, give up (dead).
    pub async fn record_failure(
        &self,
        id: i64,
        token: &str,
        status: Option<i64>,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<bool> {
        let n = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET last_status = $1, last_error = $2, claim_token = NULL, \
                 next_attempt_at = COALESCE($3, next_attempt_at), dead_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END \
                 WHERE id = $5 AND claim_token = $6 AND delivered_at IS NULL AND dead_at IS NULL",
            )
            .bind(status)
            .bind(error)
            .bind(retry_at)
            .bind(now)
            .bind(id)
            .bind(token)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Deliveries for admins, newest first.
    pub async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<DeliveryRow>> {
        // Only fixed fragments go into the SQL; values are bound.
        let mut conditions = vec!["($1 = '' OR site_id = $1)", "id < $2"];
        if let Some(state) = filter.state {
            conditions.push(state.condition());
        }
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE {} ORDER BY id DESC LIMIT $3",
            conditions.join(" AND ")
        );
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql))
                .bind(filter.site_id.as_deref().unwrap_or(""))
                .bind(filter.before.unwrap_or(i64::MAX))
                .bind(filter.limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// One delivery by event id.
    pub async fn get_delivery(&self, event_id: &str) -> Result<DeliveryRow> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM outbox WHERE event_id = $1");
        let row = dispatch!(self, read, |pool| {
            sqlx::query_as::<_, DeliveryRow>(sqlx::AssertSqlSafe(sql))
                .bind(event_id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Send a delivered, skipped or dead event again, from now, with a fresh give-up
    /// horizon. Attempt numbers keep counting, so every attempt stays distinct. A
    /// pending event is a `Conflict`: it is already scheduled.
    pub async fn redeliver(&self, event_id: &str, now: i64) -> Result<DeliveryRow> {
        let n = dispatch!(self, write, |pool| {
            sqlx::query(
                "UPDATE outbox SET delivered_at = NULL, dead_at = NULL, skipped_at = NULL, first_attempt_at = NULL, \
                 claim_token = NULL, next_attempt_at = $1 \
                 WHERE event_id = $2 AND (delivered_at IS NOT NULL OR dead_at IS NOT NULL)",
            )
            .bind(now)
            .bind(event_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        let row = self.get_delivery(event_id).await?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "event {event_id} is still pending; it is already scheduled"
            )));
        }
        Ok(row)
    }

    /// Creation time of the oldest event still waiting to be pushed (sites without a
    /// callback URL excluded: theirs wait for the pull feed, not for us).
    pub async fn oldest_pending_event(&self) -> Result<Option<i64>> {
        let sql = format!(
            "SELECT MIN(o.created_at) FROM {}",
            // OFFSET 0 keeps PostgreSQL from flattening the per-site subquery
            // back into a plain join.
            self.pending_events("s.callback_url IS NOT NULL", "TRUE", "OFFSET 0", false)
        );
        let (oldest,): (Option<i64>,) = dispatch!(self, read, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?
        });
        Ok(oldest)
    }

    /// Give every committed event without a feed position the next positions, in id
    /// order. Runs serialized (advisory lock on PostgreSQL, the single writer on
    /// SQLite), so positions follow commit order: an event committed late gets a
    /// position after every one a reader may already have passed.
    pub async fn sequence_feed(&self) -> Result<u64> {
        const SEQUENCE: &str = "UPDATE outbox SET feed_seq = base.m + todo.rn \
            FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM outbox WHERE feed_seq IS NULL) AS todo, \
                 (SELECT COALESCE(MAX(feed_seq), 0) AS m FROM outbox) AS base \
            WHERE outbox.id = todo.id";
        let n = match self {
            Store::Sqlite { write, .. } => {
                sqlx::query(SEQUENCE).execute(write).await?.rows_affected()
            }
            Store::Postgres(pg, _) => {
                let mut tx = pg.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(FEED_LOCK_KEY)
                    .execute(&mut *tx)
                    .await?;
                let n = sqlx::query(SEQUENCE)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                n
            }
        };
        Ok(n)
    }

    /// A page of a site's feed after position `after`: `(position, payload)` in order.
    /// Call [`Store::sequence_feed`] first so recent events have positions.
    pub async fn feed_page(
        &self,
        site_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let rows = dispatch!(self, read, |pool| {
            sqlx::query_as(
                "SELECT feed_seq, payload FROM outbox WHERE site_id = $1 AND feed_seq > $2 \
                 ORDER BY feed_seq LIMIT $3",
            )
            .bind(site_id)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }
}
