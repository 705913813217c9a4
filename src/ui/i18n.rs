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
    pub(crate) nav: &'static str,
    pub(crate) nav_queue: &'static str,
    pub(crate) nav_stats: &'static str,
    pub(crate) nav_sites: &'static str,
    pub(crate) nav_rules: &'static str,
    pub(crate) nav_models: &'static str,
    pub(crate) nav_deliveries: &'static str,
    pub(crate) nav_users: &'static str,
    pub(crate) select: &'static str,
    pub(crate) bulk_title: &'static str,
    pub(crate) bulk_apply: &'static str,
    pub(crate) decision: &'static str,
    pub(crate) open: &'static str,
    pub(crate) notice_partial: &'static str,
    pub(crate) notice_none: &'static str,
    pub(crate) notice_campaign: &'static str,
    pub(crate) campaigns_title: &'static str,
    pub(crate) campaign_copies: &'static str,
    pub(crate) campaign_authors: &'static str,
    pub(crate) campaign_waiting: &'static str,
    pub(crate) campaign_show: &'static str,
    pub(crate) campaign_filter: &'static str,
    pub(crate) campaign_all: &'static str,
    pub(crate) campaign_reject: &'static str,
    pub(crate) campaign_confirm: &'static str,
    pub(crate) comment_title: &'static str,
    pub(crate) status: &'static str,
    pub(crate) thread: &'static str,
    pub(crate) thread_empty: &'static str,
    pub(crate) audit: &'static str,
    pub(crate) verdict_history: &'static str,
    pub(crate) when: &'static str,
    pub(crate) actor: &'static str,
    pub(crate) action: &'static str,
    pub(crate) change: &'static str,
    pub(crate) event: &'static str,
    pub(crate) claimed: &'static str,
    pub(crate) not_found: &'static str,
    pub(crate) not_found_text: &'static str,
    pub(crate) admins_only: &'static str,
    pub(crate) sites_title: &'static str,
    pub(crate) name: &'static str,
    pub(crate) id: &'static str,
    pub(crate) callback_url: &'static str,
    pub(crate) created: &'static str,
    pub(crate) create_site: &'static str,
    pub(crate) shown_once: &'static str,
    pub(crate) api_key: &'static str,
    pub(crate) webhook_secret: &'static str,
    pub(crate) rotate_key: &'static str,
    pub(crate) rotate_secret: &'static str,
    /// Labels of the policy modes: auto, premoderate, postmoderate.
    pub(crate) modes: [&'static str; 3],
    /// Labels of the roles: moderator, admin.
    pub(crate) roles: [&'static str; 2],
    pub(crate) save: &'static str,
    pub(crate) saved: &'static str,
    pub(crate) policy: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) error_prefix: &'static str,
    pub(crate) rules_title: &'static str,
    pub(crate) rule_json: &'static str,
    pub(crate) rule_hint: &'static str,
    pub(crate) test_text: &'static str,
    pub(crate) test: &'static str,
    pub(crate) backtest: &'static str,
    pub(crate) save_rule: &'static str,
    pub(crate) new_rule: &'static str,
    pub(crate) edit: &'static str,
    pub(crate) delete: &'static str,
    pub(crate) shipped: &'static str,
    pub(crate) matches: &'static str,
    pub(crate) no_match: &'static str,
    pub(crate) scanned: &'static str,
    pub(crate) matched: &'static str,
    pub(crate) models_title: &'static str,
    pub(crate) version: &'static str,
    pub(crate) trained_at: &'static str,
    pub(crate) metrics: &'static str,
    pub(crate) active: &'static str,
    pub(crate) serving: &'static str,
    pub(crate) activate: &'static str,
    pub(crate) deliveries_title: &'static str,
    pub(crate) attempts: &'static str,
    pub(crate) last_error: &'static str,
    pub(crate) redeliver: &'static str,
    pub(crate) nothing: &'static str,
    pub(crate) users_title: &'static str,
    pub(crate) role: &'static str,
    pub(crate) create_user: &'static str,
    pub(crate) disable: &'static str,
    pub(crate) token_once: &'static str,
    pub(crate) stats_title: &'static str,
    pub(crate) queue_depth: &'static str,
    pub(crate) oldest_age: &'static str,
    pub(crate) decisions_time: &'static str,
    pub(crate) decisions_source: &'static str,
    pub(crate) agreement: &'static str,
    pub(crate) precision: &'static str,
    pub(crate) recall: &'static str,
    pub(crate) approved: &'static str,
    pub(crate) rejected: &'static str,
    pub(crate) pending: &'static str,
    pub(crate) last_days: &'static str,
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
    shortcuts_help: "j / k: next / previous comment · a: approve · r: reject · s: skip · x: select for bulk · o: open · ?: this help",
    notice_conflict: "Someone else decided or holds this comment; the queue is refreshed.",
    notice_not_found: "That comment is gone or not yours to moderate.",
    notice_invalid: "Choose a reason to reject.",
    notice_done: "Done.",
    forbidden: "Not allowed",
    forbidden_text: "This form has expired or did not come from raqib. Go back, reload the page and try again.",
    internal: "Something went wrong",
    internal_text: "raqib could not finish this request. Try again in a moment.",
    nav: "Main",
    nav_queue: "Queue",
    nav_stats: "Statistics",
    nav_sites: "Sites",
    nav_rules: "Rules",
    nav_models: "Models",
    nav_deliveries: "Deliveries",
    nav_users: "Users",
    select: "Select",
    bulk_title: "Decide the selected comments",
    bulk_apply: "Decide selected",
    decision: "Decision",
    open: "Open",
    notice_partial: "Some selected comments could not be decided: someone else decided or holds them.",
    notice_none: "Select at least one comment.",
    campaigns_title: "Texts posted again and again (last 72 h)",
    campaign_copies: "copies",
    campaign_authors: "authors",
    campaign_waiting: "waiting",
    campaign_show: "Show the waiting copies",
    campaign_filter: "Showing the waiting copies of one text.",
    campaign_all: "Show the whole queue",
    campaign_reject: "Reject every copy as spam",
    campaign_confirm: "Reject every copy of this text as spam, published ones included?",
    notice_campaign: "Done. The other copies of the same text, held or published by raqib, were rejected with it as spam.",
    comment_title: "Comment",
    status: "Status",
    thread: "The thread",
    thread_empty: "No other comments in this thread.",
    audit: "Audit trail",
    verdict_history: "Verdict history",
    when: "When",
    actor: "Who",
    action: "Action",
    change: "Change",
    event: "Event",
    claimed: "You hold this comment for review now.",
    not_found: "Not found",
    not_found_text: "There is no such page, or it is not yours to see.",
    admins_only: "This page is for administrators.",
    sites_title: "Sites",
    name: "Name",
    id: "Id",
    callback_url: "Callback URL",
    created: "Created",
    create_site: "Create site",
    shown_once: "Copy it now: it is shown only this once.",
    api_key: "API key",
    webhook_secret: "Webhook secret",
    rotate_key: "Rotate API key",
    rotate_secret: "Rotate webhook secret",
    modes: [
        "Automatic",
        "Review every comment first",
        "Publish, review later",
    ],
    roles: ["Moderator", "Administrator"],
    save: "Save",
    saved: "Saved.",
    policy: "Policy and thresholds",
    mode: "Mode",
    error_prefix: "Not saved",
    rules_title: "Rules",
    rule_json: "Rule (JSON)",
    rule_hint: "id, kind (keyword, phrase, regex, …), lang, terms or pattern, label (spam, abuse), action (reject, review, score).",
    test_text: "Text to test",
    test: "Test the text",
    backtest: "Backtest on recent comments",
    save_rule: "Save the rule",
    new_rule: "New rule",
    edit: "Edit",
    delete: "Delete",
    shipped: "Shipped rules in force",
    matches: "Matches",
    no_match: "No match.",
    scanned: "Scanned",
    matched: "Matched",
    models_title: "Models",
    version: "Version",
    trained_at: "Trained",
    metrics: "Metrics",
    active: "Active",
    serving: "Serving now",
    activate: "Activate",
    deliveries_title: "Dead webhook deliveries",
    attempts: "Attempts",
    last_error: "Last error",
    redeliver: "Redeliver",
    nothing: "Nothing here.",
    users_title: "Users",
    role: "Role",
    create_user: "Create user",
    disable: "Disable",
    token_once: "Personal API token",
    stats_title: "Statistics",
    queue_depth: "Waiting in the queue",
    oldest_age: "Oldest waits",
    decisions_time: "Decisions per day by outcome",
    decisions_source: "Decisions by source",
    agreement: "Model and moderators agree",
    precision: "precision",
    recall: "recall",
    approved: "approved",
    rejected: "rejected",
    pending: "pending",
    last_days: "last 14 days",
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
    shortcuts_help: "j / k: التعليق التالي / السابق · a: قبول · r: رفض · s: تخطٍّ · x: تحديد للقرار الجماعي · o: فتح · ?: هذه المساعدة",
    notice_conflict: "قرّر مشرف آخر في هذا التعليق أو يحتجزه؛ تم تحديث القائمة.",
    notice_not_found: "هذا التعليق غير موجود أو ليس ضمن مواقعك.",
    notice_invalid: "اختر سببًا للرفض.",
    notice_done: "تم.",
    forbidden: "غير مسموح",
    forbidden_text: "انتهت صلاحية هذا النموذج أو لم يصدر عن رقيب. ارجع وأعد تحميل الصفحة ثم حاول مجددًا.",
    internal: "حدث خطأ",
    internal_text: "تعذّر على رقيب إتمام الطلب. حاول بعد قليل.",
    nav: "القائمة الرئيسية",
    nav_queue: "المراجعة",
    nav_stats: "الإحصاءات",
    nav_sites: "المواقع",
    nav_rules: "القواعد",
    nav_models: "النماذج",
    nav_deliveries: "التسليم",
    nav_users: "المستخدمون",
    select: "تحديد",
    bulk_title: "القرار في التعليقات المحددة",
    bulk_apply: "نفّذ على المحدد",
    decision: "القرار",
    open: "افتح",
    notice_partial: "تعذّر القرار في بعض التعليقات المحددة: قرّر فيها مشرف آخر أو يحتجزها.",
    notice_none: "حدّد تعليقًا واحدًا على الأقل.",
    campaigns_title: "نصوص نُشرت مرارًا (آخر 72 ساعة)",
    campaign_copies: "النسخ",
    campaign_authors: "الكتّاب",
    campaign_waiting: "بانتظار المراجعة",
    campaign_show: "اعرض النسخ المنتظرة",
    campaign_filter: "تُعرض النسخ المنتظرة من نص واحد.",
    campaign_all: "اعرض القائمة كلها",
    campaign_reject: "ارفض كل النسخ بوصفها رسائل مزعجة",
    campaign_confirm: "أترفض كل نسخ هذا النص بوصفها رسائل مزعجة، والمنشورة منها أيضًا؟",
    notice_campaign: "تم. ورُفضت معه بوصفها رسائل مزعجة النسخ الأخرى من النص نفسه، المعلّقة منها والتي نشرها رقيب.",
    comment_title: "التعليق",
    status: "الحالة",
    thread: "النقاش",
    thread_empty: "لا تعليقات أخرى في هذا النقاش.",
    audit: "سجل التدقيق",
    verdict_history: "تاريخ الأحكام",
    when: "متى",
    actor: "من",
    action: "الإجراء",
    change: "التغيير",
    event: "الحدث",
    claimed: "هذا التعليق محجوز لك للمراجعة الآن.",
    not_found: "غير موجود",
    not_found_text: "لا توجد هذه الصفحة أو ليست ضمن صلاحياتك.",
    admins_only: "هذه الصفحة للمديرين فقط.",
    sites_title: "المواقع",
    name: "الاسم",
    id: "المعرّف",
    callback_url: "رابط الاستدعاء",
    created: "أُنشئ",
    create_site: "أنشئ موقعًا",
    shown_once: "انسخه الآن: لن يظهر إلا هذه المرة.",
    api_key: "مفتاح الواجهة",
    webhook_secret: "سر الإشعارات",
    rotate_key: "جدّد مفتاح الواجهة",
    rotate_secret: "جدّد سر الإشعارات",
    modes: ["تلقائي", "مراجعة كل تعليق قبل نشره", "النشر ثم المراجعة"],
    roles: ["مشرف", "مدير"],
    save: "احفظ",
    saved: "حُفظ.",
    policy: "السياسة والعتبات",
    mode: "النمط",
    error_prefix: "لم يُحفظ",
    rules_title: "القواعد",
    rule_json: "القاعدة (JSON)",
    rule_hint: "id و kind (keyword و phrase و regex …) و lang و terms أو pattern و label (spam أو abuse) و action (reject أو review أو score).",
    test_text: "نص للتجربة",
    test: "جرّب النص",
    backtest: "اختبار على التعليقات الأخيرة",
    save_rule: "احفظ القاعدة",
    new_rule: "قاعدة جديدة",
    edit: "عدّل",
    delete: "احذف",
    shipped: "القواعد المضمّنة السارية",
    matches: "التطابقات",
    no_match: "لا تطابق.",
    scanned: "فُحص",
    matched: "طابق",
    models_title: "النماذج",
    version: "الإصدار",
    trained_at: "دُرّب",
    metrics: "المقاييس",
    active: "مفعّل",
    serving: "يعمل الآن",
    activate: "فعّل",
    deliveries_title: "إشعارات فشل تسليمها",
    attempts: "المحاولات",
    last_error: "آخر خطأ",
    redeliver: "أعد الإرسال",
    nothing: "لا شيء هنا.",
    users_title: "المستخدمون",
    role: "الدور",
    create_user: "أنشئ مستخدمًا",
    disable: "عطّل",
    token_once: "رمز الواجهة الشخصي",
    stats_title: "الإحصاءات",
    queue_depth: "بانتظار المراجعة",
    oldest_age: "أقدمها ينتظر منذ",
    decisions_time: "القرارات يوميًا حسب النتيجة",
    decisions_source: "القرارات حسب المصدر",
    agreement: "توافق النموذج مع المشرفين",
    precision: "الدقة",
    recall: "الاستدعاء",
    approved: "مقبول",
    rejected: "مرفوض",
    pending: "معلّق",
    last_days: "آخر 14 يومًا",
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
        ("policy.links_only", Lang::En) => format!(
            "Held for review, not rejected: without its links the spam model scores it {score:.2}."
        ),
        ("policy.links_only", Lang::Ar) => format!(
            "أُحيل إلى المراجعة بدل الرفض: بدون روابطه يقدّره نموذج الرسائل المزعجة بـ {score:.2}."
        ),
        ("signal.duplicate", lang) => {
            let c = r.copies.unwrap_or_default();
            let mut s = match lang {
                Lang::En => format!("A campaign copy: the same text was posted {}.", c.summary()),
                // Counts after a colon, so no number has to agree with its noun.
                Lang::Ar => format!(
                    "نسخة من حملة: نُشر النص نفسه من قبل (النسخ: {}، الكتّاب: {}، المواضيع: {}).",
                    c.copies, c.authors, c.threads
                ),
            };
            if c.rejected_as_spam {
                s.push_str(match lang {
                    Lang::En => " A moderator rejected a copy of it as spam.",
                    Lang::Ar => " رفض مشرف نسخة منه بوصفها رسالة مزعجة.",
                });
            }
            s
        }
        ("policy.trusted_author", Lang::En) => "The author is trusted on this site.".into(),
        ("policy.trusted_author", Lang::Ar) => "الكاتب موثوق على هذا الموقع.".into(),
        ("moderator.campaign", Lang::En) => format!(
            "A copy of a text a moderator rejected as spam (comment {}).",
            r.detail.as_deref().unwrap_or("?")
        ),
        ("moderator.campaign", Lang::Ar) => format!(
            "نسخة من نص رفضه مشرف بوصفه رسالة مزعجة (التعليق {}).",
            r.detail.as_deref().unwrap_or("؟")
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A spam score past reject_at that only reached review says why, in both
    /// languages, with the score the text got without its links.
    #[test]
    fn links_only_reason_reads_in_both_languages() {
        let r = Reason {
            code: "policy.links_only".into(),
            score: Some(0.32),
            ..Reason::default()
        };
        let en = describe(&r, Lang::En);
        let ar = describe(&r, Lang::Ar);
        assert!(en.contains("0.32") && en.contains("links"), "{en}");
        assert!(ar.contains("0.32") && ar.contains("روابط"), "{ar}");
    }

    #[test]
    fn duplicate_reason_gives_its_counts_in_both_languages() {
        let duplicate = |copies, authors, threads, rejected_as_spam| Reason {
            code: "signal.duplicate".into(),
            copies: Some(crate::moderation::signals::Copies {
                copies,
                authors,
                threads,
                rejected_as_spam,
            }),
            ..Reason::default()
        };
        let r = duplicate(7, 5, 3, true);
        let en = describe(&r, Lang::En);
        let ar = describe(&r, Lang::Ar);
        assert!(
            en.contains("7 times") && en.contains("5 authors") && en.contains("3 threads"),
            "{en}"
        );
        assert!(
            ar.contains("حملة") && ar.contains('7') && ar.contains('5') && ar.contains('3'),
            "{ar}"
        );
        assert!(
            en.contains("moderator rejected") && ar.contains("مشرف"),
            "{en} / {ar}"
        );
        let one = duplicate(1, 1, 1, false);
        let en = describe(&one, Lang::En);
        assert!(
            en.contains("1 time before, by 1 author in 1 thread.") && !en.contains("moderator"),
            "{en}"
        );
    }
}
