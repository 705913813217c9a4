//! The shipped per-keyword exception list (`normalization.md` §3): innocent whole
//! words that the clitic grammar would otherwise read as keyword + clitics. Any
//! keyword rule with one of these keywords gets its innocent words added to its
//! own `exceptions`, so the guard holds for site rules too.
//!
//! Reviewed by hand from the clitic parses of the shipped keywords; extend it when
//! a keyword is added (run the keyword over a lexicon, keep the innocent hits).

/// (keyword, innocent words), both as written; they are normalized at compile time.
pub(crate) const BUILTIN: &[(&str, &[&str])] = &[
    // ف + خرا: "proudly".
    ("خرا", &["فخرا", "وفخرا"]),
    // حيوان + ي: the adjective "animal" (الإنتاج الحيواني, الطب الحيواني).
    ("حيوان", &["حيواني", "الحيواني", "والحيواني", "بالحيواني"]),
    // جاهل + ي: "pre-Islamic" (الشعر الجاهلي, العصر الجاهلي).
    ("جاهل", &["جاهلي", "الجاهلي", "والجاهلي", "بالجاهلي"]),
    // كلب + ي: the surname and tribe al-Kalbi.
    ("كلب", &["الكلبي"]),
    // بهيم + ه: "beast, livestock" (بهيمة الأنعام).
    ("بهيم", &["بهيمه", "البهيمه"]),
    // ب + نيك: "your sons" (بنيك).
    ("نيك", &["بنيك", "وبنيك"]),
];
