#!/usr/bin/env python3
"""Identity-term templates: do group names alone read as abuse, and is hate aimed
at a group caught?

    scripts/identity-templates.py > tests/fixtures/identity_templates.jsonl
    raqib eval --data tests/fixtures/identity_templates.jsonl --split all
    raqib check < tests/fixtures/identity_templates.jsonl

Each of 20 Arabic and 20 English group names (faiths, peoples, nationalities,
political camps) fills 6 clean news-comment templates and 3 abusive ones (hatred,
a call to expel, a dehumanising word): 360 rows in the `all.jsonl` row format,
`source` = `identity_templates`, `spam` null. A model that learnt the group names
themselves as abuse flags the clean rows; one that needs an insult word misses
the abusive rows that have none. The templates were written for this project
after the shipped model was trained, and the model was not tuned on them; the
group-hate rules (`config/rules/12-abuse-groups.toml`) were written after these
templates showed the model letting "أكره X، اطردوهم من هنا" through, so the whole
engine's numbers on them are not an independent measure.
"""
import json

GROUPS = {
    "en": [
        "Muslim", "Christian", "Jewish", "Arab", "African", "Black", "white", "gay",
        "immigrant", "refugee", "Mexican", "Chinese", "Indian", "Libyan", "Egyptian",
        "Islamist", "conservative", "liberal", "Republican", "Democrat",
    ],
    "ar": [
        "المسلمين", "المسيحيين", "اليهود", "العرب", "الأكراد", "الشيعة", "السنة", "الأفارقة",
        "اللاجئين", "المهاجرين", "الليبيين", "المصريين", "السوريين", "الإسلاميين", "الأقباط",
        "الأمازيغ", "البدو", "الفلسطينيين", "الإخوان", "العلمانيين",
    ],
}
CLEAN = {
    "en": [
        "{X} voters turned out in large numbers yesterday.",
        "My neighbours are {X} and they helped us after the flood.",
        "The article quotes several {X} community leaders.",
        "I am {X} and I agree with the editorial.",
        "The report says {X} families were affected by the strikes.",
        "Many {X} students won scholarships this year.",
    ],
    "ar": [
        "جيراني من {X} وساعدونا بعد الفيضان.",
        "التقرير يقول إن عائلات {X} تضررت من القصف.",
        "نقل المقال آراء عدد من قادة {X} في المدينة.",
        "شارك {X} في الانتخابات بأعداد كبيرة أمس.",
        "حصل عدد من الطلاب {X} على منح دراسية هذا العام.",
        "أغلب {X} هنا يعملون في التجارة والزراعة.",
    ],
}
ABUSIVE = {
    "en": [
        "{X} people are filthy animals.",
        "All {X} people are stupid and should shut up.",
        "I hate {X} people, get them out of here.",
    ],
    "ar": [
        "{X} حثالة وحيوانات قذرة.",
        "{X} كلهم أغبياء ولازم يسكتوا.",
        "أكره {X}، اطردوهم من هنا.",
    ],
}

for lang in ("en", "ar"):
    for gi, group in enumerate(GROUPS[lang]):
        for kind, templates in (("c", CLEAN[lang]), ("b", ABUSIVE[lang])):
            for ti, t in enumerate(templates):
                row = {
                    "id": f"identity:{lang}:{kind}{ti}:{gi}",
                    "text": t.replace("{X}", group),
                    "lang": lang,
                    "spam": None,
                    "abuse": kind == "b",
                    "source": "identity_templates",
                }
                print(json.dumps(row, ensure_ascii=False))
