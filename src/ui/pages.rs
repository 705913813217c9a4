//! The page models handed to the askama templates in `templates/`, and the pure helpers
//! that prepare them (highlight segments, score bars). No I/O here: handlers in
//! `login.rs` and `queue.rs` load the data and build these.

use super::i18n::Texts;
use askama::Template;
use askama_web::WebTemplate;

/// What the page header needs of a logged-in user.
pub(crate) struct SessionView {
    pub(crate) email: String,
    pub(crate) csrf: String,
    /// Admins see the admin pages in the navigation.
    pub(crate) admin: bool,
}

/// A short page with a heading and a sentence (403, 500).
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub(crate) struct Message {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) heading: &'static str,
    pub(crate) text: &'static str,
}

/// The login form.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub(crate) struct Login {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) csrf: String,
    /// Kept on a failed try so only the password is typed again.
    pub(crate) email: String,
    pub(crate) error: Option<&'static str>,
}

/// One choice of a `<select>`.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// A run of comment text, highlighted or not. Rendered through askama's escaping, so
/// the comment never reaches the page as markup.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    pub(crate) text: String,
    pub(crate) mark: bool,
}

/// One score against its thresholds, in percent for the bar's width and markers.
pub(crate) struct ScoreBar {
    pub(crate) label: &'static str,
    pub(crate) value: String,
    pub(crate) pct: u32,
    pub(crate) review: String,
    pub(crate) review_pct: u32,
    pub(crate) reject: String,
    pub(crate) reject_pct: u32,
    /// `low`, `review` or `reject`: the band the score falls in, for the bar's colour.
    pub(crate) band: &'static str,
}

/// A reader report as shown on a card.
pub(crate) struct ReportView {
    pub(crate) reason: String,
    pub(crate) note: Option<String>,
}

/// One pending comment.
pub(crate) struct Card {
    pub(crate) id: String,
    pub(crate) site: String,
    pub(crate) language: String,
    pub(crate) created_at: String,
    pub(crate) subject: Vec<Seg>,
    pub(crate) body: Vec<Seg>,
    pub(crate) author_name: Vec<Seg>,
    pub(crate) author_id: String,
    pub(crate) author_approved: i64,
    pub(crate) author_rejected: i64,
    pub(crate) author_first_seen: Option<String>,
    pub(crate) reasons: Vec<String>,
    pub(crate) scores: Vec<ScoreBar>,
    pub(crate) reports: Vec<ReportView>,
    /// Only `http(s)` links; anything else (`javascript:`) is not linked.
    pub(crate) thread_url: Option<String>,
    pub(crate) thread_title: String,
    pub(crate) appeal: bool,
    pub(crate) held_by_other: bool,
}

/// The review queue.
#[derive(Template, WebTemplate)]
#[template(path = "queue.html")]
pub(crate) struct Queue {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) sites: Vec<Choice>,
    pub(crate) languages: Vec<Choice>,
    pub(crate) ages: Vec<Choice>,
    pub(crate) orders: Vec<Choice>,
    pub(crate) reason: String,
    pub(crate) notice: Option<&'static str>,
    pub(crate) cards: Vec<Card>,
    /// The current filters as a query string, posted back so a decision returns to
    /// the same view.
    pub(crate) back: String,
    /// The session's CSRF token, in every decision form.
    pub(crate) csrf: String,
    pub(crate) reject_reasons: Vec<Choice>,
    /// The texts posted most often in the last 72 hours on the sites in view.
    pub(crate) campaigns: Vec<CampaignView>,
    /// The queue shows one campaign's copies (its fingerprint).
    pub(crate) campaign: String,
}

/// A campaign as the queue page lists it.
pub(crate) struct CampaignView {
    pub(crate) site_id: String,
    pub(crate) fingerprint: String,
    pub(crate) counts: crate::store::CampaignCounts,
    /// The start of one copy's text.
    pub(crate) sample: String,
}

/// Another comment of the same thread, as the comment page lists it.
pub(crate) struct ThreadItem {
    pub(crate) id: String,
    pub(crate) author: String,
    pub(crate) status: String,
    pub(crate) created_at: String,
    pub(crate) body: String,
    /// The comment the page is about, marked in the list.
    pub(crate) current: bool,
}

/// One audit entry in words.
pub(crate) struct AuditView {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) change: String,
    pub(crate) reason: String,
}

/// One verdict the comment had, from the events that announced it.
pub(crate) struct VerdictView {
    pub(crate) at: String,
    pub(crate) event: String,
    pub(crate) status: String,
    pub(crate) decided_by: String,
    pub(crate) scores: String,
    pub(crate) reasons: String,
}

/// `/ui/comments/{id}`: the full comment, its thread, audit trail and verdict history.
#[derive(Template, WebTemplate)]
#[template(path = "comment.html")]
pub(crate) struct CommentPage {
    pub(crate) t: &'static Texts,
    pub(crate) session: Option<SessionView>,
    pub(crate) card: Card,
    pub(crate) status: String,
    pub(crate) pending: bool,
    /// This moderator holds the lease now (claimed on open).
    pub(crate) claimed: bool,
    pub(crate) csrf: String,
    pub(crate) reject_reasons: Vec<Choice>,
    pub(crate) thread: Vec<ThreadItem>,
    pub(crate) audit: Vec<AuditView>,
    pub(crate) verdicts: Vec<VerdictView>,
}

/// Split `text` into plain and highlighted runs. `spans` are code-point ranges
/// (as the verdict stores them); out-of-range ends are clamped and overlapping spans
/// merged, so a bad span can shift a highlight but never break the page.
pub(crate) fn highlight(text: &str, spans: &[(usize, usize)]) -> Vec<Seg> {
    let chars: Vec<char> = text.chars().collect();
    let mut ranges: Vec<(usize, usize)> = spans
        .iter()
        .map(|&(s, e)| (s.min(chars.len()), e.min(chars.len())))
        .filter(|(s, e)| s < e)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut segs = Vec::new();
    let mut at = 0;
    for (s, e) in merged {
        if at < s {
            segs.push(Seg {
                text: chars[at..s].iter().collect(),
                mark: false,
            });
        }
        segs.push(Seg {
            text: chars[s..e].iter().collect(),
            mark: true,
        });
        at = e;
    }
    if at < chars.len() {
        segs.push(Seg {
            text: chars[at..].iter().collect(),
            mark: false,
        });
    }
    segs
}

/// Percent in steps of 5: the stylesheet has one class per step, because the page's
/// Content-Security-Policy forbids inline `style` attributes.
fn pct(v: f32) -> u32 {
    // Clamped to 0..=20 first, so the cast cannot truncate or wrap.
    (v.clamp(0.0, 1.0) * 20.0).round() as u32 * 5
}

/// A score bar against the review and reject thresholds.
pub(crate) fn score_bar(label: &'static str, score: f32, review: f32, reject: f32) -> ScoreBar {
    let band = if score >= reject {
        "reject"
    } else if score >= review {
        "review"
    } else {
        "low"
    };
    ScoreBar {
        label,
        value: format!("{score:.2}"),
        pct: pct(score),
        review: format!("{review:.2}"),
        review_pct: pct(review),
        reject: format!("{reject:.2}"),
        reject_pct: pct(reject),
        band,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(segs: &[Seg]) -> Vec<&str> {
        segs.iter()
            .filter(|s| s.mark)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn spans_are_code_points_not_bytes() {
        let text = "الكاتب حقير جدا";
        let segs = highlight(text, &[(7, 11)]);
        assert_eq!(marked(&segs), ["حقير"]);
        let all: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(all, text);
    }

    #[test]
    fn overlapping_and_out_of_range_spans_are_merged_and_clamped() {
        let segs = highlight("abcdef", &[(1, 3), (2, 4), (5, 99), (4, 4)]);
        assert_eq!(marked(&segs), ["bcd", "f"]);
        assert!(highlight("ab", &[(5, 9)]).iter().all(|s| !s.mark));
    }

    #[test]
    fn score_bands_follow_thresholds() {
        assert_eq!(score_bar("x", 0.2, 0.5, 0.9).band, "low");
        assert_eq!(score_bar("x", 0.5, 0.5, 0.9).band, "review");
        assert_eq!(score_bar("x", 0.95, 0.5, 0.9).pct, 95);
    }
}
