//! The non-keyword rule kinds: `regex`, `link_domain`, `author`, `length` and
//! `repetition`. Each is compiled once (regexes with a size limit, CIDR ranges
//! parsed) and evaluated per field, or once per comment for author rules.

use super::{Hit, RegexTarget, RuleDef, RuleError, RuleKind, invalid};
use crate::moderation::{CommentInput, FieldText};
use regex::{Regex, RegexBuilder};
use rustc_hash::FxHashMap as HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

/// Compiled regex size cap: a rule file must not be able to blow up memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Well-known URL shorteners (`shorteners = true`).
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rebrand.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "s.id",
    "bit.do",
    "t.ly",
    "v.gd",
    "shorte.st",
    "adf.ly",
    "bl.ink",
    "lnkd.in",
    "qrco.de",
    "tiny.one",
    "urlz.fr",
    "surl.li",
    "shrtco.de",
    "u.to",
    "clck.ru",
    "x.co",
];

/// Per-field results shared by the checks of one evaluation: every link rule reads
/// the same extracted links, and rules with the same pattern share one scan.
#[derive(Debug, Default)]
pub(crate) struct FieldScan {
    links: Option<Vec<Link>>,
    regex: Vec<Option<Vec<(usize, usize)>>>,
}

impl FieldScan {
    pub(crate) fn new(slots: usize) -> FieldScan {
        let mut regex = Vec::new();
        regex.resize_with(slots, || None);
        FieldScan { links: None, regex }
    }
}

/// One link found in a field: host, and the span of the whole link.
#[derive(Debug)]
struct Link {
    host: String,
    span: Option<(usize, usize)>,
}

fn extract_links(f: &FieldText<'_>) -> Vec<Link> {
    let Some(re) = link_regex() else {
        return Vec::new();
    };
    let key = f.norm.key();
    re.captures_iter(key)
        .take(256)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let host = caps.get(1).or(caps.get(2))?;
            Some(Link {
                host: host.as_str().trim_start_matches("www.").to_string(),
                span: f.norm.key_span(whole.start(), whole.end()),
            })
        })
        .collect()
}

fn regex_spans(re: &Regex, target: RegexTarget, f: &FieldText<'_>) -> Vec<(usize, usize)> {
    match target {
        RegexTarget::Key => re
            .find_iter(f.norm.key())
            .take(32)
            .filter_map(|m| f.norm.key_span(m.start(), m.end()))
            .collect(),
        RegexTarget::Raw => re
            .find_iter(f.raw)
            .take(32)
            .filter_map(|m| {
                let a = f.raw.get(..m.start()).map_or(0, |s| s.chars().count());
                let b = a + m.as_str().chars().count();
                (b > a).then_some((a, b))
            })
            .collect(),
    }
}

#[derive(Debug)]
enum Matcher {
    /// The compiled pattern, what it reads, and its shared scan slot.
    Regex(Regex, RegexTarget, usize),
    Links {
        domains: Vec<String>,
        allow: Vec<String>,
        shorteners: bool,
        max_links: Option<u32>,
    },
    Author {
        ids: Vec<String>,
        email_domains: Vec<String>,
        ranges: Vec<(IpAddr, u8)>,
    },
    Length {
        min: Option<u32>,
        max: Option<u32>,
    },
    Repetition {
        char_run: Option<u32>,
        word_repeats: Option<u32>,
    },
}

/// One compiled non-keyword rule.
#[derive(Debug)]
pub(crate) struct Check {
    pub(crate) rule: usize,
    matcher: Matcher,
}

fn domain_list(id: &str, list: &[String]) -> Result<Vec<String>, RuleError> {
    list.iter()
        .map(|d| {
            let d = d
                .trim()
                .trim_start_matches("*.")
                .trim_end_matches('.')
                .to_lowercase();
            if d.is_empty() || d.contains(['/', ' ', '@']) {
                Err(invalid(id, format!("bad domain {d:?}")))
            } else {
                Ok(d)
            }
        })
        .collect()
}

fn parse_cidr(id: &str, s: &str) -> Result<(IpAddr, u8), RuleError> {
    let bad = || invalid(id, format!("bad CIDR range {s:?}"));
    let (addr, len) = match s.trim().split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s.trim(), None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l.parse::<u8>().map_err(|_| bad())?,
        None => max,
    };
    if len > max {
        return Err(bad());
    }
    Ok((ip, len))
}

fn ip_bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (u128::from(u32::from(v4)), 32),
            None => (u128::from(v6), 128),
        },
    }
}

fn in_range(ip: IpAddr, (net, len): (IpAddr, u8)) -> bool {
    let (a, wa) = ip_bits(ip);
    let (b, wb) = ip_bits(net);
    if wa != wb {
        return false;
    }
    let shift = u32::from(wa - len.min(wa));
    if shift >= 128 {
        return true;
    }
    (a >> shift) == (b >> shift)
}

fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// Links in folded key text: a scheme or `www.`, or a host with a plausible TLD.
fn link_regex() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?:https?://|www\.)((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})|(?-u:\b)((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|net|org|info|biz|io|co|me|ly|gl|gd|cc|ws|to|tv|xyz|top|site|online|shop|store|click|link|live|app|dev|vip|club|pro|sa|ae|eg|ma|dz|tn|iq|jo|kw|qa|bh|om|lb|sy|ps|ye|sd|uk|us|de|fr|ru|cn|in|tr|ir|pk|id|be|at|ch|nl))(?-u:\b)(?:/\S*)?",
        )
        .ok()
    })
    .as_ref()
}

impl Check {
    /// Compile one rule; `slots` collects distinct (pattern, target) pairs so that
    /// identical patterns share one scan per field.
    pub(crate) fn compile(
        rule: usize,
        d: &RuleDef,
        slots: &mut Vec<(String, RegexTarget)>,
    ) -> Result<Check, RuleError> {
        let id = d.id.as_str();
        let matcher = match d.kind {
            RuleKind::Regex => {
                let pattern = d
                    .pattern
                    .as_deref()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| invalid(id, "regex rule without pattern"))?;
                let re = RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| invalid(id, format!("bad regex: {e}")))?;
                let key = (pattern.to_string(), d.target);
                let slot = match slots.iter().position(|s| *s == key) {
                    Some(i) => i,
                    None => {
                        slots.push(key);
                        slots.len() - 1
                    }
                };
                Matcher::Regex(re, d.target, slot)
            }
            RuleKind::LinkDomain => {
                let domains = domain_list(id, &d.domains)?;
                if domains.is_empty() && !d.shorteners && d.max_links.is_none() {
                    return Err(invalid(
                        id,
                        "link_domain needs domains, shorteners or max_links",
                    ));
                }
                Matcher::Links {
                    domains,
                    allow: domain_list(id, &d.allow_domains)?,
                    shorteners: d.shorteners,
                    max_links: d.max_links,
                }
            }
            RuleKind::Author => {
                let ranges = d
                    .ip_ranges
                    .iter()
                    .map(|r| parse_cidr(id, r))
                    .collect::<Result<Vec<_>, _>>()?;
                if d.author_ids.is_empty() && d.email_domains.is_empty() && ranges.is_empty() {
                    return Err(invalid(
                        id,
                        "author rule needs author_ids, email_domains or ip_ranges",
                    ));
                }
                Matcher::Author {
                    ids: d.author_ids.clone(),
                    email_domains: domain_list(id, &d.email_domains)?,
                    ranges,
                }
            }
            RuleKind::Length => {
                if d.min_chars.is_none() && d.max_chars.is_none() {
                    return Err(invalid(id, "length rule needs min_chars or max_chars"));
                }
                Matcher::Length {
                    min: d.min_chars,
                    max: d.max_chars,
                }
            }
            RuleKind::Repetition => {
                if d.max_char_run.is_none() && d.max_word_repeats.is_none() {
                    return Err(invalid(
                        id,
                        "repetition rule needs max_char_run or max_word_repeats",
                    ));
                }
                Matcher::Repetition {
                    char_run: d.max_char_run,
                    word_repeats: d.max_word_repeats,
                }
            }
            RuleKind::Keyword | RuleKind::Phrase => {
                return Err(invalid(id, "keyword rules are not checks"));
            }
        };
        Ok(Check { rule, matcher })
    }

    pub(crate) fn evaluate_field(
        &self,
        f: &FieldText<'_>,
        scan: &mut FieldScan,
        hits: &mut Vec<Hit>,
    ) {
        let mut hit = |start: usize, end: usize| {
            hits.push(Hit {
                rule: self.rule,
                span: Some((f.field, start, end)),
                text: None,
                downgrade: false,
            });
        };
        match &self.matcher {
            Matcher::Regex(re, target, slot) => {
                if let Some(cell) = scan.regex.get_mut(*slot) {
                    for &(a, b) in cell
                        .get_or_insert_with(|| regex_spans(re, *target, f))
                        .iter()
                    {
                        hit(a, b);
                    }
                }
            }
            Matcher::Links {
                domains,
                allow,
                shorteners,
                max_links,
            } => {
                let links = scan.links.get_or_insert_with(|| extract_links(f));
                for (n, link) in links.iter().enumerate() {
                    let host = link.host.as_str();
                    let allowed = allow.iter().any(|d| domain_matches(host, d));
                    let blocked = domains.iter().any(|d| domain_matches(host, d))
                        || (*shorteners && SHORTENERS.iter().any(|d| domain_matches(host, d)));
                    let too_many = max_links.is_some_and(|m| n as u64 >= u64::from(m));
                    if !allowed
                        && (blocked || too_many)
                        && let Some((a, b)) = link.span
                    {
                        hit(a, b);
                    }
                }
            }
            Matcher::Length { min, max } => {
                let n = f.norm.char_len();
                let short = min.is_some_and(|m| n < m as usize);
                let long = max.is_some_and(|m| n > m as usize);
                if (short || long) && n > 0 {
                    hit(0, n);
                } else if short {
                    // An empty field has no span to point at (found by the fuzzer).
                    hits.push(Hit {
                        rule: self.rule,
                        span: None,
                        text: Some(String::new()),
                        downgrade: false,
                    });
                }
            }
            Matcher::Repetition {
                char_run,
                word_repeats,
            } => repetition(f, *char_run, *word_repeats, &mut hit),
            Matcher::Author { .. } => {}
        }
    }

    pub(crate) fn evaluate_author(&self, input: &CommentInput<'_>, hits: &mut Vec<Hit>) {
        let Matcher::Author {
            ids,
            email_domains,
            ranges,
        } = &self.matcher
        else {
            return;
        };
        let mut hit = |text: String| {
            hits.push(Hit {
                rule: self.rule,
                span: None,
                text: Some(text),
                downgrade: false,
            });
        };
        if ids.iter().any(|i| i == input.author_id) {
            hit(input.author_id.to_string());
        }
        if let Some(email) = input.author_email
            && let Some((_, domain)) = email.rsplit_once('@')
        {
            let domain = domain.trim().to_lowercase();
            if email_domains.iter().any(|d| domain_matches(&domain, d)) {
                hit(email.to_string());
            }
        }
        if let Some(ip) = input.author_ip
            && ranges.iter().any(|r| in_range(ip, *r))
        {
            hit(ip.to_string());
        }
    }
}

fn repetition(
    f: &FieldText<'_>,
    char_run: Option<u32>,
    word_repeats: Option<u32>,
    hit: &mut impl FnMut(usize, usize),
) {
    let key = f.norm.key();
    if let Some(limit) = char_run {
        let mut run = 0u32;
        let mut last = None;
        let mut start = 0;
        for (i, c) in key.char_indices() {
            if Some(c) == last && !c.is_whitespace() {
                run += 1;
            } else {
                run = 1;
                last = Some(c);
                start = i;
            }
            if run == limit.saturating_add(1)
                && let Some((a, b)) = f.norm.key_span(start, i + c.len_utf8())
            {
                hit(a, b);
            }
        }
    }
    if let Some(limit) = word_repeats {
        // Sized once from the number of spaces: growing the map word by word
        // rehashed it several times per comment.
        let words = key.bytes().filter(|&b| b == b' ').count() + 1;
        let mut counts: HashMap<&str, u32> =
            HashMap::with_capacity_and_hasher(words, Default::default());
        let mut offset = 0;
        for word in key.split(' ') {
            let n = counts.entry(word).or_default();
            *n += 1;
            if *n == limit.saturating_add(1)
                && word.chars().any(char::is_alphanumeric)
                && let Some((a, b)) = f.norm.key_span(offset, offset + word.len())
            {
                hit(a, b);
            }
            offset += word.len() + 1;
        }
    }
}
