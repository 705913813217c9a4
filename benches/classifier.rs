//! Classifier throughput: the two heads alone (on pre-normalized fields) and the
//! whole core (`Engine::moderate`: normalize + rules + both heads + policy), on
//! realistic Arabic and English news comments (mean about 200 characters) and on
//! 1 KB comments, plus normalization alone and the core without rules, to show
//! where the time goes. The core uses the shipped rule packs in `config/rules`. Needs the shipped model (`models/raqib-v1.bin`).
//!
//! Run: `cargo bench --bench classifier`; comments/s = 1 / reported time per comment.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use raqib::moderation::classifier::Model;
use raqib::moderation::{AuthorHistory, CommentInput, Engine, Policy, prepare_fields, rules};
use std::hint::black_box;
use std::path::Path;

/// Comments written for this bench (not from any dataset or case file).
const REALISTIC: &[&str] = &[
    "الحكومة أعلنت اليوم عن خطة جديدة لدعم الشباب العاطلين عن العمل، وأتمنى أن تنفذ هذه المرة فعلاً وليس مجرد وعود انتخابية كما حدث في السنوات الماضية. المهم أن تصل المساعدات لمستحقيها في القرى والمناطق البعيدة أيضاً.",
    "يا جماعة المقال ده فيه معلومات غلط، الاتفاقية اتوقعت سنة ٢٠١٩ مش ٢٠٢٠، ياريت الجريدة تراجع قبل ما تنشر. وكمان الصورة اللي فوق مش من نفس المكان، دي من مؤتمر تاني خالص.",
    "أنت حمار ولا تفهم شيئاً في السياسة، اسكت أحسن لك يا جاهل يا متخلف. كل تعليقاتك هنا كلام فاضي ولا أحد يقرأها، روح اتعلم قبل ما تتكلم عن بلد غير بلدك.",
    "للبيع شقة فاخرة بالتقسيط المريح بدون فوائد، اتصل الآن على 0501234567 أو واتساب، العرض لفترة محدودة!!! موقع ممتاز قريب من الخدمات والمدارس، تشطيب سوبر لوكس ومساحات مختلفة تناسب الجميع.",
    "مبروك للمنتخب على الفوز المستحق، الأداء كان رائع خصوصاً في الشوط الثاني والمدرب يستحق التحية. أتمنى أن يستمر الفريق بنفس الروح في المباريات القادمة وأن يهتم الاتحاد بالمواهب الشابة.",
    "The council should publish the full budget before the vote instead of a two-page summary. Residents deserve to see where the money actually goes, especially after last year's overspend on the bridge repairs.",
    "Great reporting as always. I grew up near that factory and the pollution problem has been ignored for decades by every administration. My neighbours still cannot open their windows in summer because of the smell.",
    "You are a complete idiot and everyone on this site knows it. Shut up and go back under your bridge, loser. Nobody asked for your stupid opinion and nobody will ever take you seriously here, moron.",
    "Make $5000 a week working from home!!! Click here www.easy-money-now.biz and start today, limited spots available. No experience needed, thousands of people already changed their lives, message me now for details.",
    "I disagree with the columnist, but she makes a fair point about housing costs. Rent has doubled in five years where I live, and wages have not moved. Building more homes near transit seems like the obvious start.",
];

/// The shipped model with the shipped default rule packs (`with_rules`) or none.
fn engine(with_rules: bool) -> Option<Engine> {
    let model = Model::load(Path::new("models/raqib-v1.bin")).ok()?;
    let defs = if with_rules {
        rules::load_paths(&[rules::default_rules_dir()]).ok()?
    } else {
        Vec::new()
    };
    let rules = rules::RuleSet::compile(defs, "bench").ok()?;
    Some(Engine {
        rules: rules.into(),
        model: Some(model.into()),
    })
}

fn long_comments() -> Vec<String> {
    REALISTIC
        .iter()
        .map(|c| {
            let mut s = String::new();
            while s.len() < 1024 {
                s.push_str(c);
                s.push(' ');
            }
            s
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (Some(engine), Some(bare)) = (engine(true), engine(false)) else {
        eprintln!("models/raqib-v1.bin or config/rules not loadable: run from the repository root");
        return;
    };
    // Startup cost: read and parse the shipped file (target < 200 ms).
    let mut g = c.benchmark_group("classifier/load");
    g.sample_size(10);
    g.bench_function("model_load", |b| {
        b.iter(|| black_box(Model::load(Path::new("models/raqib-v1.bin")).is_ok()))
    });
    g.finish();
    let policy = Policy::default();
    let history = AuthorHistory::default();
    let long = long_comments();
    let sets: [(&str, Vec<&str>); 2] = [
        ("realistic", REALISTIC.to_vec()),
        ("1kb", long.iter().map(String::as_str).collect()),
    ];
    for (name, texts) in &sets {
        let mut g = c.benchmark_group(format!("classifier/{name}"));
        g.throughput(Throughput::Elements(texts.len() as u64));
        let inputs: Vec<CommentInput<'_>> = texts
            .iter()
            .map(|t| CommentInput {
                body: t,
                author_id: "a1",
                ..CommentInput::default()
            })
            .collect();
        let prepared: Vec<_> = inputs.iter().map(prepare_fields).collect();
        g.bench_function("score_only", |b| {
            b.iter(|| {
                for f in &prepared {
                    if let Some(m) = &engine.model {
                        black_box(m.score(black_box(f)));
                    }
                }
            })
        });
        // Not the classifier's own cost, but what the core spends before it.
        g.bench_function("normalize_only", |b| {
            b.iter(|| {
                for i in &inputs {
                    black_box(prepare_fields(black_box(i)));
                }
            })
        });
        g.bench_function("engine_moderate", |b| {
            b.iter(|| {
                for i in &inputs {
                    black_box(engine.moderate(black_box(i), &policy, &history));
                }
            })
        });
        g.bench_function("engine_moderate_no_rules", |b| {
            b.iter(|| {
                for i in &inputs {
                    black_box(bare.moderate(black_box(i), &policy, &history));
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
