//! Fuzz target: the request parsers of the drop-in protocols, called as their handlers
//! call them. The first byte picks the protocol; the rest is the body:
//! Perspective (`:analyze` / `:suggestscore` JSON and their validation), Akismet (form
//! bodies as any content type, JSON objects, `Fields` lookups), Coral (phase request,
//! HTML to text, signature header), OpenAI (`/v1/moderations` inputs), and the shared
//! Basic-auth and sentence splitting helpers.

#![no_main]

use libfuzzer_sys::fuzz_target;
use raqib::compat::akismet::Fields;
use raqib::compat::{basic_user, coral, html_to_text, openai, parse_form, perspective, sentences};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 6 {
        0 => perspective::fuzz_parse(body, 3000),
        1 => {
            let fields = Fields::parse(Some("application/x-www-form-urlencoded"), body);
            if let Ok(fields) = fields {
                let _ = fields.get("comment_content");
                let _ = fields.is_test();
            }
            let _ = Fields::parse(Some("application/json; charset=utf-8"), body);
            for (k, v) in parse_form(body) {
                // The parser decodes to text; a pair is never longer than its input.
                assert!(k.len() + v.len() <= body.len() * 3);
            }
        }
        2 => coral::fuzz_parse(body, 3000),
        3 => openai::fuzz_parse(body),
        4 => {
            let text = String::from_utf8_lossy(body);
            let _ = basic_user(&text);
            let plain = html_to_text(&text);
            let chars = plain.chars().count();
            for (start, end) in sentences(&plain) {
                assert!(start < end && end <= chars, "sentence ({start}, {end}) past {chars}");
            }
        }
        _ => {
            let _ = Fields::parse(None, body);
        }
    }
});
