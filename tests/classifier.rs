//! Tests of the trained classifier: training determinism, refusal of models built
//! for another feature configuration, and the shipped model on hand-written examples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use raqib::moderation::classifier::{ClassifierError, Model};
use raqib::moderation::eval::score_text;
use std::path::Path;

const SHIPPED: &str = "models/raqib-v1.bin";

/// Rewrite the JSON metadata of a model file with `edit`, keeping the weights.
fn edit_meta(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let mut meta: serde_json::Value = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
    edit(&mut meta);
    let m = serde_json::to_vec(&meta).unwrap();
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(m.len() as u32).to_le_bytes());
    out.extend_from_slice(&m);
    out.extend_from_slice(&bytes[16 + len..]);
    out
}

#[cfg(feature = "train")]
mod training {
    use super::*;
    use raqib::moderation::eval::data::Row;
    use raqib::moderation::train::{TrainArgs, train};

    /// A small synthetic corpus (written for this test) with both heads and both
    /// languages, big enough that every split holds both classes.
    fn fixture() -> Vec<Row> {
        let clean_en = [
            "thanks for the report",
            "good point about the budget",
            "the match was great",
            "I agree with the mayor",
            "interesting article today",
        ];
        let abuse_en = [
            "you are an idiot",
            "shut up stupid loser",
            "what a moron you are",
            "idiot writer go away",
            "stupid pathetic clown",
        ];
        let spam_en = [
            "win cash now call 0501234567",
            "click www.free-money.biz now",
            "cheap pills buy now http://x.co",
            "earn $500 daily click here",
            "free iphone visit bit.ly/win",
        ];
        let clean_ar = [
            "شكرا على التقرير",
            "مقال جميل ومفيد",
            "اتفق مع الكاتب",
            "المباراة كانت رائعة",
            "خبر مهم اليوم",
        ];
        let abuse_ar = [
            "انت حمار وغبي",
            "اسكت يا جاهل",
            "يا كلب يا حقير",
            "كاتب غبي ومتخلف",
            "يا حيوان اسكت",
        ];
        let spam_ar = [
            "للبيع بالتقسيط اتصل 0551234567",
            "اربح الان زوروا موقعنا",
            "خصم كبير اطلب الان واتساب 0561234567",
            "متجر عروض اطلب الان",
            "اربح جوائز اتصل الان 0571234567",
        ];
        let mut rows = Vec::new();
        for i in 0..600usize {
            let k = i % 5;
            let suffix = format!(" {}", ["", "!", " ok", " .", " yes"][(i / 5) % 5]);
            let (text, lang, spam, abuse, source) = match i % 6 {
                0 => (clean_en[k], "en", None, Some(false), "fx_abuse_en"),
                1 => (abuse_en[k], "en", None, Some(true), "fx_abuse_en"),
                2 => (clean_ar[k], "ar", None, Some(false), "fx_abuse_ar"),
                3 => (abuse_ar[k], "ar", None, Some(true), "fx_abuse_ar"),
                4 => (spam_en[k], "en", Some(true), None, "fx_spam"),
                _ => (
                    if i % 12 < 6 { spam_ar[k] } else { clean_en[k] },
                    "en",
                    Some(i % 12 < 6),
                    None,
                    "fx_spam",
                ),
            };
            rows.push(Row {
                id: format!("{source}:{i}"),
                text: format!("{text}{suffix}"),
                lang: Some(lang.into()),
                spam,
                abuse,
                source: Some(source.into()),
            });
        }
        rows
    }

    fn args(seed: u64) -> TrainArgs {
        TrainArgs {
            data: vec![],
            out: "unused".into(),
            seed,
            exclude: vec![],
            weights: vec![],
            trained_at: Some("2026-01-01".into()),
            nb_alpha: 0.5,
            l2: 1e-2,
            group_rows: 200,
            sparse: "lr".into(),
            epochs: 3,
            sparse_lr: 0.1,
            sparse_l2: 1e-6,
            abuse_group_power: 0.5,
            spam_group_power: 0.0,
            abuse_balance: false,
            stack_folds: 0,
            stack_drop: vec![],
            dataset_intercepts: vec!["abuse".into()],
            dataset_copies: vec![],
        }
    }

    /// The fixture's clearly abusive, clean and spam texts land on the right side.
    fn separates_the_fixture(m: &Model) {
        assert!(score_text(m, "you are an idiot").abuse > 0.5);
        assert!(score_text(m, "thanks for the report").abuse < 0.5);
        assert!(score_text(m, "win cash now call 0501234567").spam > 0.5);
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let rows = fixture();
        let a = train(&rows, &args(7)).unwrap().to_bytes().unwrap();
        let b = train(&rows, &args(7)).unwrap().to_bytes().unwrap();
        assert!(a == b, "two runs with the same seed differ");
        let m = Model::from_bytes(&a).unwrap();
        separates_the_fixture(&m);
    }

    /// With `--stack-folds` the sparse stage also learns from the validation split and
    /// the dense stage is fitted on out-of-fold inputs: still byte-for-byte repeatable,
    /// recorded in the file, and a different model from the plain split.
    #[test]
    fn cross_fitting_is_deterministic_and_recorded() {
        let rows = fixture();
        let folded = TrainArgs {
            stack_folds: 3,
            ..args(7)
        };
        let a = train(&rows, &folded).unwrap();
        let b = train(&rows, &folded).unwrap();
        assert!(
            a.to_bytes().unwrap() == b.to_bytes().unwrap(),
            "two cross-fitted runs with the same seed differ"
        );
        assert_eq!(a.meta().hyperparameters["stack_folds"], 3);
        for head in [&a.meta().spam, &a.meta().abuse] {
            assert!(
                head.calibration
                    .contains("train + validation, out of 3 folds"),
                "{}",
                head.calibration
            );
        }
        let plain = train(&rows, &args(7)).unwrap();
        assert!(
            plain
                .meta()
                .spam
                .calibration
                .contains("the validation split")
        );
        assert_ne!(a.version(), plain.version());
        separates_the_fixture(&a);
    }

    /// `--stack-drop head:input` zeroes that input's weight in that head only, and a
    /// misspelt input is refused by name; `--abuse-balance` is recorded and changes
    /// the abuse head.
    #[test]
    fn stack_drops_and_balance_are_applied_and_recorded() {
        let rows = fixture();
        let plain = train(&rows, &args(7)).unwrap();
        let names = plain.meta().hyperparameters["stack_inputs"].clone();
        let col = names
            .as_array()
            .unwrap()
            .iter()
            .position(|n| n == "upper_frac")
            .unwrap();
        assert_ne!(plain.meta().spam.weights[col], 0.0);
        let dropped = train(
            &rows,
            &TrainArgs {
                stack_drop: vec!["spam:upper_frac".into()],
                ..args(7)
            },
        )
        .unwrap();
        assert_eq!(dropped.meta().spam.weights[col], 0.0);
        assert_ne!(dropped.meta().abuse.weights[col], 0.0, "only the spam head");
        assert_eq!(
            dropped.meta().hyperparameters["stack_drop"],
            serde_json::json!(["spam:upper_frac"])
        );
        for bad in ["spam:upper_fraction", "toxicity:upper_frac", "upper_frac"] {
            let err = train(
                &rows,
                &TrainArgs {
                    stack_drop: vec![bad.into()],
                    ..args(7)
                },
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains(bad), "{bad}: {err}");
        }
        let balanced = train(
            &rows,
            &TrainArgs {
                abuse_balance: true,
                ..args(7)
            },
        )
        .unwrap();
        assert_eq!(
            balanced.meta().hyperparameters["abuse_balance_per_dataset"],
            true
        );
        assert_ne!(balanced.meta().abuse.weights, plain.meta().abuse.weights);
        assert_eq!(balanced.meta().spam.weights, plain.meta().spam.weights);
    }

    /// Per-dataset intercepts keep part of a dataset's class mix out of the words that
    /// mark its rows. Two abuse sets use the same clean and abusive texts; one is 80 %
    /// abusive and signs two rows in three "via zzapp", the other is 20 % abusive and
    /// unsigned. Without intercepts the signature is learnt as abuse; with them the
    /// first set's intercept shares the class mix with it, and the signature moves a
    /// clean comment's logit about a fifth less (1.18 → 0.92 here).
    #[test]
    fn dataset_intercepts_keep_a_class_mix_out_of_its_marks() {
        let base = fixture();
        let english = |abusive: bool| {
            base.iter()
                .filter(|r| r.abuse == Some(abusive) && r.lang.as_deref() == Some("en"))
                .map(|r| r.text.clone())
                .collect::<Vec<_>>()
        };
        let (clean, abusive) = (english(false), english(true));
        let mut rows: Vec<Row> = base.iter().filter(|r| r.spam.is_some()).cloned().collect();
        for i in 0..1000usize {
            let (source, share) = if i % 2 == 0 {
                ("fx_signed", 8)
            } else {
                ("fx_plain", 2)
            };
            let y = (i / 2) % 10 < share;
            let pool = if y { &abusive } else { &clean };
            let text = &pool[(i / 20) % pool.len()];
            rows.push(Row {
                id: format!("{source}:{i}"),
                text: if source == "fx_signed" && i % 3 != 0 {
                    format!("{text} via zzapp")
                } else {
                    text.clone()
                },
                lang: Some("en".into()),
                spam: None,
                abuse: Some(y),
                source: Some(source.into()),
            });
        }
        // In logits: the clean text's probability is tiny either way.
        let logit = |p: f32| (f64::from(p) / (1.0 - f64::from(p))).ln();
        let shift = |m: &Model| {
            logit(score_text(m, "good point about the budget via zzapp").abuse)
                - logit(score_text(m, "good point about the budget").abuse)
        };
        let plain = train(
            &rows,
            &TrainArgs {
                dataset_intercepts: vec!["none".into()],
                ..args(7)
            },
        )
        .unwrap();
        let own = train(&rows, &args(7)).unwrap();
        assert_eq!(
            own.meta().hyperparameters["dataset_intercepts"],
            serde_json::json!([false, true])
        );
        let (before, after) = (shift(&plain), shift(&own));
        assert!(
            before > 0.5,
            "the signature should read as abuse without intercepts: {before}"
        );
        assert!(
            after < 0.85 * before,
            "with intercepts {after}, without {before}"
        );
        assert_eq!(
            own.meta().spam.weights,
            plain.meta().spam.weights,
            "only the abuse head"
        );
    }
}

#[test]
fn model_with_another_feature_config_is_refused() {
    let bytes = std::fs::read(SHIPPED).expect("shipped model present");
    assert!(Model::from_bytes(&bytes).is_ok());
    let other = edit_meta(&bytes, |m| {
        m["features"]["normalizer_version"] = "some-older-normalizer".into();
    });
    match Model::from_bytes(&other) {
        Err(ClassifierError::Incompatible(msg)) => {
            assert!(
                msg.contains("norm:some-older-normalizer") && msg.contains("retrain"),
                "{msg}"
            );
        }
        other => panic!("expected Incompatible, got {other:?}"),
    }
    let buckets = edit_meta(&bytes, |m| m["features"]["bucket_bits"] = 18.into());
    assert!(matches!(
        Model::from_bytes(&buckets),
        Err(ClassifierError::Incompatible(_))
    ));
    assert!(matches!(
        Model::from_bytes(&bytes[..100]),
        Err(ClassifierError::Invalid(_))
    ));
}

#[test]
fn shipped_model_loads_fast_and_carries_metadata() {
    let t = std::time::Instant::now();
    let m = Model::load(Path::new(SHIPPED)).unwrap();
    let ms = t.elapsed().as_millis();
    // Generous bound for debug builds; release loads far faster (see model card).
    assert!(ms < 2_000, "load took {ms} ms");
    assert!(!m.version().is_empty() && !m.trained_at().is_empty());
    assert!(m.datasets().len() >= 10);
    assert!(
        m.metrics()["results"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
}

/// Hand-written examples (not from any dataset or case file).
#[test]
fn shipped_model_puts_clear_examples_on_the_right_side() {
    let m = Model::load(Path::new(SHIPPED)).unwrap();
    let abusive = [
        "أنت حمار وغبي ولا تفهم شيئا، اسكت يا جاهل",
        "يا كلب يا حقير يا ابن الكلب",
        "You are a stupid fucking idiot, shut up",
        "what a pathetic moron, go to hell you loser",
    ];
    let spam = [
        "Make $3000 a week from home!!! Click here www.cash-now-easy.biz to start today",
        "FREE entry! Text WIN to 80086 to claim your prize now, call 09061234567",
        "للبيع شقق بالتقسيط بدون فوائد اتصل الان واتساب 0501234567 العرض لفترة محدودة",
        "Check out my channel and subscribe please!!! http://youtube.com/mychannel",
    ];
    let clean = [
        "شكرا للكاتب على هذا المقال المفيد، أتمنى أن تهتم الحكومة بهذه القضية",
        "المباراة كانت جميلة والفريق لعب بشكل ممتاز في الشوط الثاني",
        "I think the council made a reasonable decision on the new bus routes.",
        "Thanks for the detailed reporting, the charts were really helpful.",
    ];
    for t in abusive {
        let s = score_text(&m, t);
        assert!(s.abuse > 0.5, "abuse {:.3} for {t}", s.abuse);
    }
    for t in spam {
        let s = score_text(&m, t);
        assert!(s.spam > 0.5, "spam {:.3} for {t}", s.spam);
    }
    for t in clean {
        let s = score_text(&m, t);
        assert!(s.abuse < 0.5 && s.spam < 0.5, "{s:?} for {t}");
    }
}

/// An ad in the display name raises the spam score; a plain name does not.
#[test]
fn author_name_ads_count_for_spam_only_when_they_look_like_ads() {
    use raqib::moderation::{CommentInput, prepare_fields};
    let m = Model::load(Path::new(SHIPPED)).unwrap();
    let body = "I think the council made a reasonable decision on the new bus routes.";
    let score = |name: &str| {
        let input = CommentInput {
            body,
            author_name: Some(name),
            author_id: "a",
            ..CommentInput::default()
        };
        m.score(&prepare_fields(&input))
    };
    let plain = score("Sara Ahmed");
    let ad = score("Cheap loans call now 09061234567 www.fast-cash-now.biz");
    assert!(plain.spam < 0.5, "{plain:?}");
    assert!(ad.spam > 0.5 && ad.spam > plain.spam, "{ad:?}");
    assert_eq!(plain.abuse, ad.abuse, "names never move the abuse head");
}

/// A reader citing a source must not be rejected for the link: the heads read any
/// link as spam (the training data's clean comments have almost none), so links
/// alone may send a comment to review but not reject it. Ads with links still are.
/// Hand-written examples, shipped model and rule packs, default policy.
#[test]
fn a_link_alone_never_gets_a_comment_rejected() {
    use raqib::moderation::{
        AuthorHistory, CommentInput, Decision, Engine, Policy,
        rules::{self, RuleSet},
    };
    let defs = rules::load_paths(&[rules::default_rules_dir()]).unwrap();
    let engine = Engine {
        rules: RuleSet::compile(defs, "packs").unwrap().into(),
        model: Some(Model::load(Path::new(SHIPPED)).unwrap().into()),
    };
    let decide = |body: &str| {
        let input = CommentInput {
            body,
            author_id: "a",
            ..CommentInput::default()
        };
        let v = engine.moderate(&input, &Policy::default(), &AuthorHistory::default());
        (v.decision, v.scores)
    };
    for body in [
        "The original report from Reuters: https://www.reuters.com/world/middle-east/",
        "https://www.bbc.com/news/world-middle-east-123",
    ] {
        let (decision, scores) = decide(body);
        assert!(
            scores.spam >= 0.9,
            "the head alone would reject: {scores:?}"
        );
        assert!(
            scores.spam_without_links.is_some_and(|s| s < 0.9),
            "{scores:?}"
        );
        assert_eq!(decision, Decision::Review, "{body}");
    }
    for body in [
        "FREE entry to win 1000 cash, text WIN to 80086 now www.win-cash-now.biz",
        "subscribe to my channel for free giveaways every day https://youtube.com/c/mychannel",
    ] {
        assert_eq!(decide(body).0, Decision::Reject, "{body}");
    }
    let (decision, scores) = decide("Thanks for the clear report on the budget.");
    assert_eq!(decision, Decision::Approve);
    assert_eq!(scores.spam_without_links, None, "no links, no second pass");
    // Below the reject threshold the second pass has no use and is skipped.
    let (decision, scores) =
        decide("Read the BBC piece on it https://www.bbc.com/news/world-middle-east-123");
    assert!(scores.spam < 0.9, "{scores:?}");
    assert_eq!(scores.spam_without_links, None, "{decision:?}");
}
