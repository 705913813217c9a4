//! Fuzz target: the JSON request bodies of every public endpoint that takes one, fed
//! through the parser the handlers use ([`parse_json`]: UTF-8 check, syntax, then shape
//! with field paths) and, where a handler validates further, that validation too. The
//! first byte picks the request type; the rest is the body. Any panic is a bug: every
//! bad body must come back as an `ApiError` (a 4xx).

#![no_main]

use libfuzzer_sys::fuzz_target;
use raqib::config::ServerSettings;
use raqib::http::comments::{BatchRequest, CommentRequest, MAX_BATCH};
use raqib::http::deliveries::WebhookSettingsRequest;
use raqib::http::error::ApiError;
use raqib::http::extract::{from_value, parse_json};
use raqib::http::queue::{
    AppealRequest, BulkRequest, ClaimRequest, DecisionRequest, ReleaseRequest, ReportRequest,
};
use raqib::http::sites::{NewSite, NewUser};
use raqib::http::admin::{BacktestRequest, RuleTestRequest};
use raqib::moderation::policy::Policy;
use raqib::moderation::rules::{RuleDef, RuleSet};
use raqib::ratelimit::SiteLimits;

/// Every bad body must be a client error, never a server error.
fn client_error(e: &ApiError) {
    let status = e.status();
    assert!(status.is_client_error(), "{status} for a request body: {e:?}");
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    match parse_json::<T>(body) {
        Ok(v) => Some(v),
        Err(e) => {
            client_error(&e);
            None
        }
    }
}

fn comment(body: &[u8], limits: &ServerSettings) {
    if let Some(req) = parse::<CommentRequest>(body) {
        if let Err(e) = req.validate(limits) {
            client_error(&e);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    // Small limits so long fields hit the length checks cheaply.
    let limits = ServerSettings {
        max_comment_chars: 2000,
        max_field_chars: 64,
        ..ServerSettings::default()
    };
    match which % 16 {
        // POST /v1/comments, POST /v1/check, PUT /v1/comments/{id}
        0 => comment(body, &limits),
        // POST /v1/comments/batch: the envelope, then each item as the handler does.
        1 => {
            if let Some(batch) = parse::<BatchRequest>(body) {
                for (i, item) in batch.comments.into_iter().take(MAX_BATCH).enumerate() {
                    match from_value::<CommentRequest>(item, &format!("comments[{i}]")) {
                        Ok(req) => {
                            if let Err(e) = req.validate(&limits) {
                                client_error(&e);
                            }
                        }
                        Err(e) => client_error(&e),
                    }
                }
            }
        }
        2 => drop(parse::<ReportRequest>(body)),
        3 => drop(parse::<AppealRequest>(body)),
        4 => drop(parse::<ClaimRequest>(body)),
        5 => drop(parse::<ReleaseRequest>(body)),
        6 => drop(parse::<DecisionRequest>(body)),
        7 => drop(parse::<BulkRequest>(body)),
        8 => drop(parse::<NewSite>(body)),
        9 => {
            if let Some(policy) = parse::<Policy>(body) {
                let _ = policy.validate();
            }
        }
        10 => drop(parse::<NewUser>(body)),
        11 => {
            // Rules are compiled when stored: compile errors are 422, never panics.
            if let Some(rule) = parse::<RuleDef>(body) {
                let _ = RuleSet::compile(vec![rule], "fuzz");
            }
        }
        12 => drop(parse::<RuleTestRequest>(body)),
        13 => drop(parse::<BacktestRequest>(body)),
        14 => drop(parse::<WebhookSettingsRequest>(body)),
        _ => {
            if let Some(limits) = parse::<SiteLimits>(body) {
                let _ = limits.validate();
            }
        }
    }
});
