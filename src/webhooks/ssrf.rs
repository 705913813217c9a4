//! The SSRF guard: raqib POSTs to URLs that site admins type in, so a callback URL
//! must not become a way to reach raqib's own network (cloud metadata at
//! 169.254.169.254, databases on 10.x, admin ports on localhost).
//!
//! A URL must be `https://` (or `http://` with `[webhooks] allow_insecure`) and every
//! address its host resolves to must be public (unless `[webhooks]
//! allow_private_targets`). The check runs when the URL is saved ([`CallbackUrl::parse`])
//! and again at every delivery: literal IPs by [`check_static`], host names inside
//! the HTTP client's own DNS step ([`GuardedResolver`]), so the address that is
//! checked is the address that is connected to, even if DNS changed since saving.

use crate::config::WebhooksSettings;
use crate::net::{IpRange, canonical};
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// What the configuration allows as a delivery target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// `http://` is allowed too.
    pub allow_insecure: bool,
    /// Loopback, private, link-local, multicast and unspecified addresses are allowed.
    pub allow_private: bool,
}

impl From<&WebhooksSettings> for TargetPolicy {
    fn from(s: &WebhooksSettings) -> Self {
        TargetPolicy {
            allow_insecure: s.allow_insecure,
            allow_private: s.allow_private_targets,
        }
    }
}

/// Why a callback URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsrfError {
    #[error("not an absolute URL with a host")]
    Invalid,
    #[error("must use https://")]
    NotHttps,
    #[error("must use http:// or https://")]
    Scheme,
    #[error("must not contain a user name or password")]
    Credentials,
    #[error("resolves to {addr}, a {kind} address")]
    Blocked { addr: IpAddr, kind: &'static str },
    #[error("host {0:?} does not resolve")]
    Unresolvable(String),
}

/// A callback URL that passed every check when it was saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackUrl(String);

impl CallbackUrl {
    /// Check a URL as typed by an admin, resolving its host now. A name that does
    /// not resolve (yet) is accepted: there is no address to refuse, and every
    /// delivery checks again; the test ping shows whether it works.
    pub async fn parse(raw: &str, policy: TargetPolicy) -> Result<CallbackUrl, SsrfError> {
        let url = Url::parse(raw.trim()).map_err(|_| SsrfError::Invalid)?;
        check_static(&url, policy)?;
        if let Host::Name(name) = host(&url)? {
            let port = url.port_or_known_default().unwrap_or(443);
            match resolve_checked(name, port, policy.allow_private).await {
                Ok(_) => {}
                Err(SsrfError::Unresolvable(name)) => {
                    tracing::warn!(host = %name, "callback host does not resolve now; saved anyway");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(CallbackUrl(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

fn host(url: &Url) -> Result<Host<'_>, SsrfError> {
    let raw = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or(SsrfError::Invalid)?;
    // IPv6 literals come bracketed: `[::1]`.
    let bare = raw.trim_start_matches('[').trim_end_matches(']');
    Ok(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(raw),
    })
}

/// The checks that need no DNS: scheme, credentials, and the host when it is an IP
/// literal (the HTTP client does not resolve those, so [`GuardedResolver`] never
/// sees them).
pub fn check_static(url: &Url, policy: TargetPolicy) -> Result<(), SsrfError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_insecure => {}
        "http" => return Err(SsrfError::NotHttps),
        _ => return Err(SsrfError::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(SsrfError::Credentials);
    }
    if let Host::Ip(ip) = host(url)? {
        check_ip(ip, policy.allow_private)?;
    }
    Ok(())
}

fn check_ip(ip: IpAddr, allow_private: bool) -> Result<(), SsrfError> {
    match forbidden_kind(ip) {
        Some(kind) if !allow_private => Err(SsrfError::Blocked { addr: ip, kind }),
        _ => Ok(()),
    }
}

/// Resolve a host name and refuse it if any of its addresses is forbidden: a name
/// with one private address among public ones could be connected to the private one.
pub async fn resolve_checked(
    name: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, SsrfError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|_| SsrfError::Unresolvable(name.to_string()))?
        .collect();
    if addrs.is_empty() {
        return Err(SsrfError::Unresolvable(name.to_string()));
    }
    for addr in &addrs {
        check_ip(addr.ip(), allow_private)?;
    }
    Ok(addrs)
}

/// Why an address is not a public one, or `None` if it is.
pub fn forbidden_kind(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let in_range = |cidr: &str| IpRange::parse(cidr).is_ok_and(|r| r.contains(IpAddr::V4(ip)));
    if ip.is_unspecified() || in_range("0.0.0.0/8") {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() || in_range("100.64.0.0/10") {
        // 100.64/10 is carrier-grade NAT space: private in all but name.
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || in_range("240.0.0.0/4") {
        Some("reserved")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let in_range = |cidr: &str| IpRange::parse(cidr).is_ok_and(|r| r.contains(IpAddr::V6(ip)));
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unique_local() || in_range("fec0::/10") {
        // fc00::/7 (fd00::/8 in practice) and the deprecated site-local range.
        Some("private")
    } else if ip.is_unicast_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if in_range("64:ff9b::/96") || in_range("::/96") {
        // NAT64 and the deprecated IPv4-compatible form embed an IPv4 address that
        // the network may route to; judge that address.
        let [.., a, b, c, d] = ip.octets();
        forbidden_v4(Ipv4Addr::new(a, b, c, d))
    } else {
        None
    }
}

/// The HTTP client's DNS step with the guard inside: names resolving to a forbidden
/// address fail to connect, whatever they resolved to when the URL was saved.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let name = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: the client puts the URL's port in.
            let addrs = resolve_checked(&name, 0, allow_private).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy {
        allow_insecure: false,
        allow_private: false,
    };

    #[test]
    fn forbidden_ranges() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "private"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("255.255.255.255", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fd00::1", "private"),
            ("fc00::1", "private"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
        ] {
            assert_eq!(forbidden_kind(ip.parse().unwrap()), Some(kind), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(forbidden_kind(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn static_checks() {
        let check = |u: &str, p| check_static(&Url::parse(u).unwrap(), p);
        assert_eq!(check("https://93.184.216.34/hook", STRICT), Ok(()));
        assert_eq!(
            check("http://93.184.216.34/hook", STRICT),
            Err(SsrfError::NotHttps)
        );
        assert_eq!(
            check("ftp://93.184.216.34/", STRICT),
            Err(SsrfError::Scheme)
        );
        assert_eq!(
            check("https://u:p@93.184.216.34/", STRICT),
            Err(SsrfError::Credentials)
        );
        assert!(matches!(
            check("https://[::1]:8443/", STRICT),
            Err(SsrfError::Blocked { .. })
        ));
        // The URL parser normalizes odd IPv4 spellings before we look.
        assert!(matches!(
            check("https://0x7f.1/", STRICT),
            Err(SsrfError::Blocked { .. })
        ));
        let open = TargetPolicy {
            allow_insecure: true,
            allow_private: true,
        };
        assert_eq!(check("http://127.0.0.1:9/", open), Ok(()));
    }
}
