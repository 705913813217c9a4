//! Unit tests of the rule engine: every kind and action, exceptions, `requires`,
//! malformed rules (the message names the rule id), spans in code points on Arabic
//! text with emoji, and the shipped packs on synthetic comments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::moderation::{CommentInput, prepare_fields};

fn defs(toml_text: &str) -> Vec<RuleDef> {
    #[derive(Deserialize)]
    struct F {
        rule: Vec<RuleDef>,
    }
    toml::from_str::<F>(toml_text).unwrap().rule
}

fn set(toml_text: &str) -> RuleSet {
    RuleSet::compile(defs(toml_text), "t").unwrap()
}

fn run(set: &RuleSet, input: &CommentInput<'_>) -> Vec<RuleMatch> {
    set.evaluate(&prepare_fields(input), input)
}

fn body(text: &str) -> CommentInput<'_> {
    CommentInput {
        body: text,
        author_id: "u1",
        ..CommentInput::default()
    }
}

fn err(toml_text: &str) -> String {
    RuleSet::compile(defs(toml_text), "t")
        .unwrap_err()
        .to_string()
}

#[test]
fn rule_set_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RuleSet>();
}

#[test]
fn keyword_span_is_in_code_points_on_arabic_with_emoji() {
    let s = set(
        "[[rule]]\nid='k'\nkind='keyword'\nlang='ar'\nterms=['كلب']\nlabel='abuse'\naction='review'",
    );
    let text = "😀👍 يا والكَلْبُ!";
    let m = run(&s, &body(text));
    assert_eq!(m.len(), 1);
    let span = m[0].span.unwrap();
    let chars: Vec<char> = text.chars().collect();
    let got: String = chars[span.start..span.end].iter().collect();
    assert_eq!(got, "والكَلْبُ");
    assert_eq!(m[0].matched, "والكَلْبُ");
    assert_eq!(
        (m[0].kind.as_str(), m[0].action),
        ("keyword", Action::Review)
    );
    assert_eq!(span.field, Field::Body);
}

#[test]
fn exceptions_and_disabled_rules() {
    let s = set(
        "[[rule]]\nid='k'\nkind='keyword'\nlang='ar'\nterms=['خرا']\nexceptions=['فخرا']\nlabel='abuse'\naction='reject'\n[[rule]]\nid='off'\nkind='keyword'\nterms=['خرا']\nenabled=false\nlabel='abuse'\naction='reject'",
    );
    assert!(run(&s, &body("قالها فخرا")).is_empty());
    let m = run(&s, &body("يا خرا"));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].rule_id, "k");
}

#[test]
fn builtin_exceptions_apply_without_rule_exceptions() {
    let s = set(
        "[[rule]]\nid='k'\nkind='keyword'\nlang='ar'\nterms=['خرا','حيوان','جاهل']\nlabel='abuse'\naction='review'",
    );
    assert!(run(&s, &body("قالها فخرا")).is_empty());
    assert!(run(&s, &body("الإنتاج الحيواني والشعر الجاهلي")).is_empty());
    assert_eq!(run(&s, &body("يا حيوان يا جاهل")).len(), 2);
}

#[test]
fn score_weight_and_allow() {
    let s = set(
        "[[rule]]\nid='s'\nkind='keyword'\nterms=['stupid']\nlabel='abuse'\naction='score'\nweight=0.25\n[[rule]]\nid='a'\nkind='phrase'\nterms=['stupid question']\nlabel='abuse'\naction='allow'",
    );
    let m = run(&s, &body("not a $tupid question"));
    let score = m.iter().find(|m| m.rule_id == "s").unwrap();
    assert_eq!((score.action, score.weight), (Action::Score, 0.25));
    let allow = m.iter().find(|m| m.rule_id == "a").unwrap();
    assert_eq!(
        (allow.action, allow.kind.as_str()),
        (Action::Allow, "phrase")
    );
    assert_eq!(allow.matched, "$tupid question");
}

#[test]
fn phrases_take_clitics_on_every_word() {
    let s = set(
        "[[rule]]\nid='p'\nkind='keyword'\nlang='ar'\nterms=['معالج روحاني']\nlabel='spam'\naction='review'",
    );
    assert_eq!(run(&s, &body("تواصل مع المعالج الروحاني الآن")).len(), 1);
    assert_eq!(run(&s, &body("معالـــج روحانــي")).len(), 1);
    assert!(run(&s, &body("معالج نفسي روحاني")).is_empty());
}

#[test]
fn masked_hits_are_downgraded_to_review() {
    let s = set(
        "[[rule]]\nid='m'\nkind='keyword'\nlang='en'\nterms=['idiot','crap']\nlabel='abuse'\naction='reject'",
    );
    let m = run(&s, &body("you id*ot"));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].action, Action::Review);
    assert!(run(&s, &body("what cr*p")).is_empty());
    assert_eq!(run(&s, &body("you idiot"))[0].action, Action::Reject);
}

/// English prose that shares short skeletons with Arabizi insults: a word and a
/// one-letter word next to it, names in mid-sentence, vowels of the other class, a
/// hamza the text lacks. Each was flagged before these guards (seen in the English
/// datasets), and the Arabizi forms beside them still match.
#[test]
fn english_prose_and_names_are_not_read_as_arabizi() {
    let s = set(
        "[[rule]]\nid='z'\nkind='keyword'\nlang='arabizi'\nterms=['7mar','kos','wati','7a2eer','7ayawan','kalb']\nlabel='abuse'\naction='review'",
    );
    for clean in [
        "Wait a minute, the minister said the opposite last week.",
        "what's wrong wit a plan like that",
        "I will kiss u goodbye",
        "Keisha Lance Bottoms spoke at the event.",
        "We flew to the Hawaiian islands in May.",
        "Just played against a Heimer support.",
        "a fine sense of humour",
        "HAR HAR HAR, very funny",
        "thanks kass I respect you",
    ] {
        assert!(run(&s, &body(clean)).is_empty(), "{clean}");
    }
    for bad in [
        "enta 7mar",
        "ya hmar",
        "Homar!",
        "ya Kalb",
        "Kalb. Ya Kalb",
        "kuss omak",
        "enta 7a2eer",
        "ha2eer w wati",
        "you are a 7ayawan",
    ] {
        assert!(!run(&s, &body(bad)).is_empty(), "{bad}");
    }
}

#[test]
fn regex_on_key_and_raw_and_requires() {
    let s = set(r#"
[[rule]]
id = "phone"
kind = "regex"
pattern = '0\d{9}'
label = "spam"
action = "score"
weight = 0.3
[[rule]]
id = "raw"
kind = "regex"
target = "raw"
pattern = 'ـ{3,}'
label = "spam"
action = "score"
[[rule]]
id = "app"
kind = "keyword"
terms = ["واتساب"]
label = "spam"
action = "score"
[[rule]]
id = "combo"
kind = "regex"
pattern = '0\d{9}'
requires = ["app"]
label = "spam"
action = "reject"
"#);
    let m = run(&s, &body("اتصل ٠ ٥ ٥ ٨ ٨ ٧ ٧ ٦ ٦ ٥"));
    assert_eq!(
        m.iter().map(|m| m.rule_id.as_str()).collect::<Vec<_>>(),
        ["phone"]
    );
    assert_eq!(m[0].span.unwrap().start, 5);
    let m = run(&s, &body("واتساب 0558877665"));
    assert!(
        m.iter()
            .any(|m| m.rule_id == "combo" && m.action == Action::Reject)
    );
    assert_eq!(
        m.iter().find(|m| m.rule_id == "phone").unwrap().matched,
        "0558877665"
    );
    let m = run(&s, &body("حمـــار"));
    assert_eq!(m[0].rule_id, "raw");
    assert_eq!(m[0].matched, "ـــ");
}

#[test]
fn requires_within_and_after_look_at_where_the_required_rule_matched() {
    let s = set(r#"
[[rule]]
id = "app"
kind = "keyword"
terms = ["snapchat", "سناب"]
label = "spam"
action = "score"
weight = 0.1
[[rule]]
id = "near"
kind = "regex"
pattern = '(?-u:\B)@[a-z0-9_]{4,}'
requires = ["app"]
within = 12
label = "spam"
action = "review"
[[rule]]
id = "after"
kind = "regex"
pattern = '(?-u:\B)@[a-z0-9_]{4,}'
requires = ["app"]
within = 12
after = true
label = "spam"
action = "reject"
"#);
    let ids = |text: &str| -> Vec<String> {
        let mut v: Vec<String> = run(&s, &body(text))
            .into_iter()
            .map(|m| m.rule_id)
            .collect();
        v.sort();
        v.dedup();
        v
    };
    // The messenger right before the handle: both.
    assert_eq!(
        ids("add me on snapchat: @shop_deals"),
        ["after", "app", "near"]
    );
    assert_eq!(
        ids("تابعونا على سناب @shop_riyadh"),
        ["after", "app", "near"]
    );
    // Right after it: near, but not `after`.
    assert_eq!(ids("@shop_deals on snapchat"), ["app", "near"]);
    // A reply that opens with a name and mentions the app later: neither.
    assert_eq!(
        ids("@ahmad_k you are right, I read the whole report yesterday on snapchat"),
        ["app"]
    );
    // Another field is never near: the name holds the handle, the body the app.
    let input = CommentInput {
        body: "snapchat",
        author_name: Some("@shop_deals"),
        author_id: "u1",
        ..CommentInput::default()
    };
    let m = run(&s, &input);
    assert!(m.iter().all(|m| m.rule_id == "app"), "{m:?}");
}

#[test]
fn link_domains_shorteners_and_counts() {
    let s = set(r#"
[[rule]]
id = "block"
kind = "link_domain"
domains = ["spam.example"]
allow_domains = ["ok.spam.example"]
label = "spam"
action = "reject"
[[rule]]
id = "short"
kind = "link_domain"
shorteners = true
label = "spam"
action = "review"
[[rule]]
id = "many"
kind = "link_domain"
max_links = 1
label = "spam"
action = "score"
"#);
    let m = run(&s, &body("see https://www.spam.example/x and bit.ly/abc"));
    let ids: Vec<&str> = m.iter().map(|m| m.rule_id.as_str()).collect();
    assert_eq!(ids, ["block", "short", "many"]);
    assert_eq!(m[1].matched, "bit.ly/abc");
    assert!(run(&s, &body("https://ok.spam.example/")).is_empty());
    assert!(run(&s, &body("no links here, e.g. none")).is_empty());
}

#[test]
fn author_rules_have_no_span() {
    let s = set(r#"
[[rule]]
id = "who"
kind = "author"
author_ids = ["bad"]
email_domains = ["spam.example"]
ip_ranges = ["203.0.113.0/24", "2001:db8::/32"]
label = "spam"
action = "reject"
"#);
    let mut input = body("hello");
    input.author_email = Some("x@mail.spam.example");
    input.author_ip = Some("203.0.113.9".parse().unwrap());
    let m = run(&s, &input);
    assert_eq!(m.len(), 2);
    assert!(m.iter().all(|m| m.span.is_none() && m.kind == "author"));
    input.author_ip = Some("2001:db8::1".parse().unwrap());
    input.author_email = None;
    input.author_id = "bad";
    assert_eq!(run(&s, &input).len(), 2);
    input.author_ip = Some("198.51.100.1".parse().unwrap());
    input.author_id = "good";
    assert!(run(&s, &input).is_empty());
}

#[test]
fn length_repetition_and_fields() {
    let s = set(r#"
[[rule]]
id = "short"
kind = "length"
min_chars = 3
label = "spam"
action = "score"
[[rule]]
id = "rep"
kind = "repetition"
max_char_run = 4
max_word_repeats = 2
label = "spam"
action = "review"
[[rule]]
id = "name-only"
kind = "keyword"
terms = ["casino"]
fields = ["name"]
label = "spam"
action = "review"
"#);
    assert_eq!(run(&s, &body("ok"))[0].rule_id, "short");
    // Found by the fuzzer: an empty field has no span to point at.
    let empty = run(&s, &body(""));
    assert_eq!((empty[0].rule_id.as_str(), empty[0].span), ("short", None));
    let m = run(&s, &body("!!!!!! buy buy buy"));
    assert_eq!(m.iter().filter(|m| m.rule_id == "rep").count(), 2);
    let mut input = body("casino news");
    assert!(run(&s, &input).is_empty());
    input.author_name = Some("Casino King");
    let m = run(&s, &input);
    assert_eq!(m[0].span.unwrap().field, Field::AuthorName);
}

#[test]
fn malformed_rules_name_the_id() {
    let base = "label='spam'\naction='review'";
    assert!(
        err(&format!(
            "[[rule]]\nid='bad-re'\nkind='regex'\npattern='('\n{base}"
        ))
        .contains("bad-re")
    );
    assert!(err(&format!("[[rule]]\nid='no-terms'\nkind='keyword'\n{base}")).contains("no-terms"));
    assert!(
        err(&format!(
            "[[rule]]\nid='cidr'\nkind='author'\nip_ranges=['1.2.3.4/40']\n{base}"
        ))
        .contains("cidr")
    );
    assert!(
        err(&format!(
            "[[rule]]\nid='req'\nkind='keyword'\nterms=['x']\nrequires=['nope']\n{base}"
        ))
        .contains("req")
    );
    assert!(err(&format!("[[rule]]\nid='len'\nkind='length'\n{base}")).contains("len"));
    assert!(
        err(&format!(
            "[[rule]]\nid='far'\nkind='keyword'\nterms=['x']\nwithin=5\n{base}"
        ))
        .contains("rule far: within needs requires")
    );
    assert!(
        err(&format!(
            "[[rule]]\nid='y'\nkind='keyword'\nterms=['y']\n{base}\n[[rule]]\nid='ord'\nkind='keyword'\nterms=['x']\nrequires=['y']\nafter=true\n{base}"
        ))
        .contains("rule ord: after needs within")
    );
    assert!(
        err(&format!(
            "[[rule]]\nid='lang'\nkind='keyword'\nlang='ar'\nterms=['abc']\n{base}"
        ))
        .contains("lang")
    );
    let dup = format!(
        "[[rule]]\nid='d'\nkind='keyword'\nterms=['x']\n{base}\n[[rule]]\nid='d'\nkind='keyword'\nterms=['y']\n{base}"
    );
    assert!(err(&dup).contains("rule d"));
    let unknown = toml::from_str::<RuleDef>("id='u'\nkind='magic'\nlabel='spam'\naction='review'");
    assert!(unknown.is_err());
    let extra =
        toml::from_str::<RuleDef>("id='u'\nkind='keyword'\nfoo=1\nlabel='spam'\naction='review'");
    assert!(extra.is_err());
}

#[test]
fn load_paths_reads_sorted_files_and_rejects_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let rule = |id: &str| {
        format!("[[rule]]\nid='{id}'\nkind='keyword'\nterms=['x']\nlabel='spam'\naction='review'\n")
    };
    std::fs::write(dir.path().join("b.toml"), rule("second")).unwrap();
    std::fs::write(dir.path().join("a.toml"), rule("first")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let got = load_paths(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(
        got.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["first", "second"]
    );
    std::fs::write(dir.path().join("c.toml"), rule("first")).unwrap();
    let e = load_paths(&[dir.path().to_path_buf()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("first"), "{e}");
}

#[test]
fn camel_case_hashtags_are_matched_word_by_word() {
    let s = set(
        "[[rule]]\nid='k'\nkind='keyword'\nlang='en'\nterms=['idiot', 'fuck']\nlabel='abuse'\naction='review'",
    );
    for (text, matched) in [
        ("So true #YouAreAnIdiot", "Idiot"),
        ("#FuckTrump and more", "Fuck"),
        ("#ABCNews says #IdiotPlanner", "Idiot"),
    ] {
        let m = run(&s, &body(text));
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        let span = m[0].span.unwrap();
        let chars: Vec<char> = text.chars().collect();
        let got: String = chars[span.start..span.end].iter().collect();
        assert_eq!(got, matched, "{text}");
    }
    // Not a hashtag (no `#`, or one inside a word), and a tag without case breaks
    // that holds the word only as a substring: nothing to match.
    for text in ["YouAreAnIdiot", "x#YouAreAnIdiot", "#iamnotanidiot"] {
        assert!(run(&s, &body(text)).is_empty(), "{text}");
    }
}
