//! Interface text in Arabic and English, and the plain-words descriptions of verdict
//! reasons. Comment text is never translated or altered; only the chrome around it.

use crate::moderation::Reason;

/// The interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    Ar,
    En,
}

impl Lang {
    pub(crate) fn parse(s: &str) -> Option<Lang> {
        match s {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub(crate) fn texts(self) -> &'static Texts {
        match self {
            Lang::Ar => &AR,
            Lang::En => &EN,
        }
    }
}

/// Every string of the interface in one language.
pub(crate) struct Texts {
    pub(crate) lang: &'static str,
    pub(crate) dir: &'static str,
    pub(crate) skip_link: &'static str,
    pub(crate) switch_lang: &'static str,
    pub(crate) login_title: &'static str,
    pub(crate) email: &'static str,
    pub(crate) password: &'static str,
    pub(crate) sign_in: &'static str,
    pub(crate) sign_out: &'static str,
    pub(crate) bad_login: &'static str,
    pub(crate) too_many: &'static str,
    pub(crate) queue_title: &'static str,
    pub(crate) filters: &'static str,
    pub(crate) site: &'static str,
    pub(crate) any: &'static str,
    pub(crate) language: &'static str,
    pub(crate) arabic: &'static str,
    pub(crate) english: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) reason_hint: &'static str,
    pub(crate) age: &'static str,
    /// Labels of the age filter's choices: any, 15 minutes, 1 hour, 1 day.
    pub(crate) ages: [&'static str; 4],
    pub(crate) order: &'static str,
    pub(crate) oldest: &'static str,
    pub(crate) risk: &'static str,
    pub(crate) uncertain: &'static str,
    pub(crate) apply: &'static str,
    pub(crate) empty: &'static str,
    pub(crate) approve: &'static str,
    pub(crate) reject: &'static str,
    pub(crate) skip: &'static str,
    pub(crate) reject_reason: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) author: &'static str,
    pub(crate) history: &'static str,
    pub(crate) first_seen: &'static str,
    pub(crate) reports: &'static str,
    pub(crate) article: &'static str,
    pub(crate) scores: &'static str,
    pub(crate) spam: &'static str,
    pub(crate) abuse: &'static str,
    pub(crate) review_at: &'static str,
    pub(crate) reject_at: &'static str,
    pub(crate) reasons: &'static str,
    pub(crate) appeal: &'static str,
    pub(crate) held_by_other: &'static str,
    pub(crate) shortcuts: &'static str,
    pub(crate) shortcuts_help: &'static str,
    pub(crate) notice_conflict: &'static str,
    pub(crate) notice_not_found: &'static str,
    pub(crate) notice_invalid: &'static str,
    pub(crate) notice_done: &'static str,
    pub(crate) forbidden: &'static str,
    pub(crate) forbidden_text: &'static str,
    pub(crate) internal: &'static str,
    pub(crate) internal_text: &'static str,
    /// Moderator reject reasons, in the order of `http::queue::REJECT_REASONS`.
    pub(crate) reject_reasons: [&'static str; 7],
}

static EN: Texts = Texts {
    lang: "en",
    dir: "ltr",
    skip_link: "Skip to the queue",
    switch_lang: "العربية",
    login_title: "Sign in to raqib",
    email: "E-mail",
    password: "Password",
    sign_in: "Sign in",
    sign_out: "Sign out",
    bad_login: "That e-mail and password do not match an account.",
    too_many: "Too many attempts. Wait a few minutes and try again.",
    queue_title: "Review queue",
    filters: "Filters",
    site: "Site",
    any: "Any",
    language: "Comment language",
    arabic: "Arabic",
    english: "English",
    reason: "Reason",
    reason_hint: "a reason code such as rule.keyword, or a rule id",
    age: "Waiting at least",
    ages: ["Any time", "15 minutes", "1 hour", "1 day"],
    order: "Order",
    oldest: "Oldest first",
    risk: "Highest risk first",
    uncertain: "Most uncertain first",
    apply: "Apply",
    empty: "Nothing waits for review. Well done.",
    approve: "Approve",
    reject: "Reject",
    skip: "Skip",
    reject_reason: "Reject because",
    subject: "Subject",
    author: "Author",
    history: "approved / rejected before",
    first_seen: "first seen",
    reports: "Reader reports",
    article: "Article",
    scores: "Scores",
    spam: "Spam",
    abuse: "Abuse",
    review_at: "review at",
    reject_at: "reject at",
    reasons: "Why it is held",
    appeal: "The author appeals a rejection",
    held_by_other: "Another moderator is looking at this comment.",
    shortcuts: "Keyboard shortcuts",
    shortcuts_help: "j / k: next / previous comment · a: approve · r: reject · s: skip · ?: this help",
    notice_conflict: "Someone else decided or holds this comment; the queue is refreshed.",
    notice_not_found: "That comment is gone or not yours to moderate.",
    notice_invalid: "Choose a reason to reject.",
    notice_done: "Done.",
    forbidden: "Not allowed",
    forbidden_text: "This form has expired or did not come from raqib. Go back, reload the page and try again.",
    internal: "Something went wrong",
    internal_text: "raqib could not finish this request. Try again in a moment.",
    reject_reasons: [
        "Spam",
        "Abuse",
        "Hate",
        "Harassment",
        "Off topic",
        "Personal data",
        "Other",
    ],
};

static AR: Texts = Texts {
    lang: "ar",
    dir: "rtl",
    skip_link: "انتقل إلى قائمة المراجعة",
    switch_lang: "English",
    login_title: "تسجيل الدخول إلى رقيب",
    email: "البريد الإلكتروني",
    password: "كلمة المرور",
    sign_in: "دخول",
    sign_out: "خروج",
    bad_login: "البريد الإلكتروني وكلمة المرور لا يطابقان أي حساب.",
    too_many: "محاولات كثيرة. انتظر بضع دقائق ثم حاول مجددًا.",
    queue_title: "قائمة المراجعة",
    filters: "التصفية",
    site: "الموقع",
    any: "الكل",
    language: "لغة التعليق",
    arabic: "العربية",
    english: "الإنجليزية",
    reason: "السبب",
    reason_hint: "رمز سبب مثل rule.keyword أو معرّف قاعدة",
    age: "ينتظر منذ",
    ages: ["أي مدة", "15 دقيقة", "ساعة", "يوم"],
    order: "الترتيب",
    oldest: "الأقدم أولًا",
    risk: "الأخطر أولًا",
    uncertain: "الأقل يقينًا أولًا",
    apply: "تطبيق",
    empty: "لا شيء بانتظار المراجعة. أحسنت.",
    approve: "قبول",
    reject: "رفض",
    skip: "تخطٍّ",
    reject_reason: "سبب الرفض",
    subject: "العنوان",
    author: "الكاتب",
    history: "مقبول / مرفوض سابقًا",
    first_seen: "أول ظهور",
    reports: "بلاغات القرّاء",
    article: "المقال",
    scores: "الدرجات",
    spam: "رسائل مزعجة",
    abuse: "إساءة",
    review_at: "المراجعة عند",
    reject_at: "الرفض عند",
    reasons: "سبب الحجز",
    appeal: "الكاتب يعترض على رفض سابق",
    held_by_other: "مشرف آخر يراجع هذا التعليق الآن.",
    shortcuts: "اختصارات لوحة المفاتيح",
    shortcuts_help: "j / k: التعليق التالي / السابق · a: قبول · r: رفض · s: تخطٍّ · ?: هذه المساعدة",
    notice_conflict: "قرّر مشرف آخر في هذا التعليق أو يحتجزه؛ تم تحديث القائمة.",
    notice_not_found: "هذا التعليق غير موجود أو ليس ضمن مواقعك.",
    notice_invalid: "اختر سببًا للرفض.",
    notice_done: "تم.",
    forbidden: "غير مسموح",
    forbidden_text: "انتهت صلاحية هذا النموذج أو لم يصدر عن رقيب. ارجع وأعد تحميل الصفحة ثم حاول مجددًا.",
    internal: "حدث خطأ",
    internal_text: "تعذّر على رقيب إتمام الطلب. حاول بعد قليل.",
    reject_reasons: [
        "رسائل مزعجة",
        "إساءة",
        "كراهية",
        "تحرش",
        "خارج الموضوع",
        "بيانات شخصية",
        "سبب آخر",
    ],
};

fn field_name(field: &str, lang: Lang) -> &'static str {
    match (field, lang) {
        ("name", Lang::En) => "name",
        ("name", Lang::Ar) => "الاسم",
        ("email", Lang::En) => "e-mail",
        ("email", Lang::Ar) => "البريد",
        ("ip", Lang::En) => "address",
        ("ip", Lang::Ar) => "العنوان",
        ("user_agent", Lang::En) => "browser",
        ("user_agent", Lang::Ar) => "المتصفح",
        (_, Lang::En) => "account",
        (_, Lang::Ar) => "الحساب",
    }
}

/// One reason of a verdict as a sentence a moderator reads without a manual.
pub(crate) fn describe(r: &Reason, lang: Lang) -> String {
    let rule = r.rule_id.as_deref().unwrap_or("?");
    let matched = r.matched.as_deref().unwrap_or("");
    let score = r.score.unwrap_or(0.0);
    let review = r.review_at.unwrap_or(0.0);
    let code = r.code.as_str();
    match (code, lang) {
        ("model.abuse", Lang::En) => {
            format!("The abuse model scores it {score:.2} (review from {review:.2}).")
        }
        ("model.abuse", Lang::Ar) => {
            format!("قدّر نموذج الإساءة الدرجة {score:.2} (المراجعة من {review:.2}).")
        }
        ("model.spam", Lang::En) => {
            format!("The spam model scores it {score:.2} (review from {review:.2}).")
        }
        ("model.spam", Lang::Ar) => {
            format!("قدّر نموذج الرسائل المزعجة الدرجة {score:.2} (المراجعة من {review:.2}).")
        }
        ("policy.mode", Lang::En) => "This site reviews every comment before it appears.".into(),
        ("policy.mode", Lang::Ar) => "هذا الموقع يراجع كل تعليق قبل نشره.".into(),
        ("policy.new_author", Lang::En) => "The author is new on this site.".into(),
        ("policy.new_author", Lang::Ar) => "الكاتب جديد على هذا الموقع.".into(),
        ("policy.recent_rejections", Lang::En) => {
            "The author had comments rejected recently.".into()
        }
        ("policy.recent_rejections", Lang::Ar) => "رُفضت للكاتب تعليقات مؤخرًا.".into(),
        ("policy.trusted_author", Lang::En) => "The author is trusted on this site.".into(),
        ("policy.trusted_author", Lang::Ar) => "الكاتب موثوق على هذا الموقع.".into(),
        ("moderator.decision", Lang::En) => "A moderator decided it before.".into(),
        ("moderator.decision", Lang::Ar) => "قرّر فيه مشرف من قبل.".into(),
        _ if code.starts_with("author.") => {
            let field = field_name(code.trim_start_matches("author."), lang);
            match lang {
                Lang::En => format!("The author's {field} matches rule {rule}."),
                Lang::Ar => format!("{field} الكاتب يطابق القاعدة {rule}."),
            }
        }
        _ if code.starts_with("rule.") && !matched.is_empty() => match lang {
            Lang::En => format!("Rule {rule} matched “{matched}”."),
            Lang::Ar => format!("طابقت القاعدة {rule} «{matched}»."),
        },
        _ if code.starts_with("rule.") => match lang {
            Lang::En => format!("Rule {rule} matched."),
            Lang::Ar => format!("طابقت القاعدة {rule}."),
        },
        _ => match (lang, r.detail.as_deref()) {
            (Lang::En, Some(d)) => format!("Signal {code}: {d}."),
            (Lang::Ar, Some(d)) => format!("إشارة {code}: {d}."),
            (Lang::En, None) => format!("Signal {code}."),
            (Lang::Ar, None) => format!("إشارة {code}."),
        },
    }
}
