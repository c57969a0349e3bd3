//! Address safety: which IP addresses a fetch may reach.
//!
//! A feed is written by someone else. Its links must not make stet probe the machine it
//! runs on or its local network, so a link whose host is (or resolves to) a loopback,
//! private, link-local, shared, documentation, multicast or otherwise special-purpose
//! address (IANA special-purpose registries, RFC 6890) is refused unless
//! `politeness.allow_private_addresses` ([`PrivateAccess`]) allows that address.
//!
//! The decision is made per connection: the HTTP client's resolver ([`Guarded`]) drops
//! every address a name resolves to that is not allowed, so a name that resolves to one
//! public and one loopback address only ever connects to the public one, and a name
//! that resolves again to another address between the check and the connection (DNS
//! rebinding) gains nothing. A host counts as non-public only when **all** of its
//! addresses are ([`Fetcher::host_is_private`](super::Fetcher::host_is_private)).
//!
//! Name lookups go through a [`Lookup`], so that tests can make a name resolve to any
//! address without a DNS server ([`super::Fetcher::with_lookup`]).

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::sync::Arc;

use ipnet::IpNet;

/// The address `ip` reaches, for classification: an IPv6 address that embeds an IPv4
/// address is that IPv4 address. Those are the IPv4-mapped `::ffff:0:0/96` (RFC 4291
/// §2.5.5.2), the deprecated IPv4-compatible `::/96` (§2.5.5.1; `::` and `::1` aside)
/// and the NAT64 well-known prefix `64:ff9b::/96` (RFC 6052 §2.1), through which
/// `64:ff9b::a9fe:a9fe` reaches 169.254.169.254. Any other address is itself.
pub fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip.to_canonical() else {
        return ip.to_canonical();
    };
    let s = v6.segments();
    let o = v6.octets();
    let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let compatible = s[..6] == [0; 6] && u32::from(v4) > 1;
    if nat64 || compatible {
        IpAddr::V4(v4)
    } else {
        IpAddr::V6(v6)
    }
}

/// True for the NAT64 local-use prefix `64:ff9b:1::/48` (RFC 8215), whose IPv4
/// embedding depends on the network's own prefix length: which IPv4 address it reaches
/// is not known here.
fn is_local_nat64(ip: IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.segments()[..3] == [0x64, 0xff9b, 1])
}

/// True when `ip` is a globally reachable unicast address (an address embedding an
/// IPv4 one is judged by it, [`canonical`]).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // other NAT64 prefixes (RFC 8215)
                || s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // discard
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // shared address space 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240) // reserved
}

/// Cloud instance-metadata addresses outside the link-local blocks (Alibaba Cloud
/// `100.100.100.200`, AWS's IPv6 `fd00:ec2::254`).
const METADATA: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254)),
];

/// True for link-local addresses (169.254.0.0/16, which holds the cloud metadata
/// service 169.254.169.254, and fe80::/10), the other known metadata addresses, these
/// embedded in IPv6 ([`canonical`]), and the NAT64 local-use prefix `64:ff9b:1::/48`,
/// which may embed any of them: never reached unless listed by network or address.
pub fn is_link_local_or_metadata(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    is_local_nat64(ip)
        || METADATA.contains(&ip)
        || match ip {
            IpAddr::V4(v4) => v4.is_link_local(),
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        }
}

/// One entry of a `politeness.allow_private_addresses` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare address is a
    /// network of one (`/32`, `/128`).
    Net(IpNet),
    /// A host name (lowercase), allowed whatever it resolves to.
    Host(String),
}

impl Allowed {
    /// Parses a list entry: a CIDR network, an IP address or a host name.
    ///
    /// # Errors
    /// When the text is none of these (the error says what was expected).
    pub fn parse(text: &str) -> Result<Allowed, String> {
        let t = text.trim();
        if let Ok(net) = t.parse::<IpNet>() {
            return Ok(Allowed::Net(net.trunc()));
        }
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Allowed::Net(IpNet::from(canonical(ip))));
        }
        let host_like = !t.is_empty()
            && t.len() <= 253
            && !t.contains('/')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            && t.chars().any(|c| c.is_ascii_alphabetic());
        if host_like {
            Ok(Allowed::Host(t.trim_end_matches('.').to_ascii_lowercase()))
        } else {
            Err(format!(
                "{text:?} is not a network (CIDR such as \"10.0.0.0/8\"), an IP address or a host name"
            ))
        }
    }
}

/// Which non-public addresses article links may reach: the value of
/// `politeness.allow_private_addresses`. Public addresses are always allowed; the
/// feeds' own URLs (written by the operator) may be on any address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PrivateAccess {
    /// `false` (the default): no non-public address, except that a feed whose host
    /// has only non-public addresses (a feed on loopback or the LAN) may link to pages
    /// on that same host name. Redirects from there to other hosts are checked again.
    #[default]
    FeedHostOnly,
    /// `true`: any non-public address except link-local and metadata addresses
    /// ([`is_link_local_or_metadata`]), which must be listed to be reached.
    AllButLinkLocal,
    /// A list: exactly these networks and host names, for every feed's links (a feed
    /// on loopback or the LAN gets nothing more).
    Listed(Vec<Allowed>),
}

impl PrivateAccess {
    /// True when an article link may connect to `ip`.
    pub fn permits_ip(&self, ip: IpAddr) -> bool {
        let reached = canonical(ip);
        if is_public(reached) {
            return true;
        }
        match self {
            PrivateAccess::FeedHostOnly => false,
            PrivateAccess::AllButLinkLocal => !is_link_local_or_metadata(reached),
            // A listed IPv6 network (`64:ff9b::/96`) covers the addresses written in it.
            PrivateAccess::Listed(list) => list
                .iter()
                .any(|a| matches!(a, Allowed::Net(n) if n.contains(&reached) || n.contains(&ip))),
        }
    }

    /// True when the host name is listed (then any of its addresses may be reached).
    pub fn permits_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        matches!(self, PrivateAccess::Listed(list)
            if list.iter().any(|a| matches!(a, Allowed::Host(h) if h.eq_ignore_ascii_case(host))))
    }
}

/// The host of a URL as an IP address, when it is an IP literal.
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// A future of resolved addresses.
pub type Lookedup = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

/// Resolves host names to addresses. The HTTP clients and the address checks use the
/// same one, so a test can stand in for DNS.
pub trait Lookup: Send + Sync + 'static {
    /// The addresses of `host` (a name, never an IP literal), in preference order.
    fn lookup(&self, host: &str) -> Lookedup;
}

/// The system resolver (`getaddrinfo` through tokio).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> Lookedup {
        let host = host.to_string();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|a| a.ip())
                .collect())
        })
    }
}

/// Resolves the URL's host with `lookup` (an IP literal is taken as is).
///
/// # Errors
/// When the name does not resolve.
pub async fn resolve(lookup: &dyn Lookup, url: &url::Url) -> std::io::Result<Vec<IpAddr>> {
    if let Some(ip) = literal_ip(url) {
        return Ok(vec![ip]);
    }
    lookup.lookup(url.host_str().unwrap_or_default()).await
}

/// The error text of a name none of whose addresses may be reached.
pub const NON_PUBLIC: &str = "resolves only to non-public addresses";

/// The resolver of the client for trusted hosts (a feed's own): every address.
pub struct Plain(pub Arc<dyn Lookup>);

impl reqwest::dns::Resolve for Plain {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let fut = self.0.lookup(name.as_str());
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = Box::new(
                fut.await?
                    .into_iter()
                    .map(|ip| std::net::SocketAddr::new(ip, 0)),
            );
            Ok(addrs)
        })
    }
}

/// The resolver of the client for links: a name keeps only the addresses that
/// [`PrivateAccess`] permits (all of them for a listed host name), and a name left with
/// none fails to connect. This is the check at connect time; the check before a fetch
/// only gives the clearer error.
pub struct Guarded {
    /// Name lookups.
    pub lookup: Arc<dyn Lookup>,
    /// What may be reached.
    pub access: Arc<PrivateAccess>,
}

impl Guarded {
    /// The permitted addresses of `host`, or the error of a host with none.
    ///
    /// # Errors
    /// When the name does not resolve, or none of its addresses is permitted.
    pub async fn permitted(
        &self,
        host: &str,
    ) -> Result<Vec<IpAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let all = self.lookup.lookup(host).await?;
        if self.access.permits_host(host) {
            return Ok(all);
        }
        let kept: Vec<IpAddr> = all
            .iter()
            .copied()
            .filter(|ip| self.access.permits_ip(*ip))
            .collect();
        if kept.is_empty() {
            return Err(format!("{host} {NON_PUBLIC} ({})", list_ips(&all)).into());
        }
        Ok(kept)
    }
}

/// Addresses as `a, b, c`.
pub fn list_ips(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let me = Guarded {
            lookup: Arc::clone(&self.lookup),
            access: Arc::clone(&self.access),
        };
        Box::pin(async move {
            let kept = me.permitted(name.as_str()).await?;
            let addrs: reqwest::dns::Addrs =
                Box::new(kept.into_iter().map(|ip| std::net::SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn special_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn each_setting_permits_what_it_says() {
        let default = PrivateAccess::default();
        assert!(default.permits_ip(ip("93.184.216.34")));
        for a in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"] {
            assert!(!default.permits_ip(ip(a)), "{a}");
        }
        let all = PrivateAccess::AllButLinkLocal;
        for a in ["127.0.0.1", "10.0.0.1", "192.168.1.9", "::1", "fd12::1"] {
            assert!(all.permits_ip(ip(a)), "{a}");
        }
        for a in [
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "fe80::1",
            "100.100.100.200",
            "fd00:ec2::254",
        ] {
            assert!(!all.permits_ip(ip(a)), "{a}");
        }
        let listed = PrivateAccess::Listed(
            ["10.1.0.0/16", "127.0.0.1", "Intranet.Example"]
                .iter()
                .map(|s| Allowed::parse(s).unwrap())
                .collect(),
        );
        assert!(listed.permits_ip(ip("10.1.200.3")));
        assert!(listed.permits_ip(ip("127.0.0.1")));
        assert!(listed.permits_ip(ip("::ffff:127.0.0.1")));
        assert!(!listed.permits_ip(ip("127.0.0.2")));
        assert!(!listed.permits_ip(ip("10.2.0.1")));
        assert!(!listed.permits_ip(ip("169.254.169.254")));
        assert!(listed.permits_host("intranet.example"));
        assert!(!listed.permits_host("other.example"));
        let metadata = PrivateAccess::Listed(vec![Allowed::parse("169.254.169.254").unwrap()]);
        assert!(metadata.permits_ip(ip("169.254.169.254")));
    }

    #[test]
    fn an_ipv6_address_embedding_an_ipv4_one_is_judged_by_it() {
        for (v6, v4) in [
            ("64:ff9b::a9fe:a9fe", "169.254.169.254"),
            ("64:ff9b::7f00:1", "127.0.0.1"),
            ("64:ff9b::808:808", "8.8.8.8"),
            ("::ffff:10.0.0.1", "10.0.0.1"),
            ("::169.254.169.254", "169.254.169.254"),
        ] {
            assert_eq!(canonical(ip(v6)), ip(v4), "{v6}");
        }
        for a in ["::", "::1", "64:ff9b:1::a9fe:a9fe", "2606:4700::1111"] {
            assert_eq!(canonical(ip(a)), ip(a), "{a}");
        }
        assert!(!is_public(ip("64:ff9b::7f00:1")));
        assert!(is_public(ip("64:ff9b::808:808")));
        assert!(!is_public(ip("64:ff9b:1::808:808")));
        let all = PrivateAccess::AllButLinkLocal;
        for a in [
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::6464:64c8",
            "::169.254.169.254",
            "64:ff9b:1::a9fe:a9fe",
        ] {
            assert!(!all.permits_ip(ip(a)), "{a}");
        }
        assert!(all.permits_ip(ip("64:ff9b::a00:1")));
        let listed = PrivateAccess::Listed(
            ["169.254.169.254", "64:ff9b:1::/48"]
                .iter()
                .map(|s| Allowed::parse(s).unwrap())
                .collect(),
        );
        assert!(listed.permits_ip(ip("64:ff9b::a9fe:a9fe")));
        assert!(listed.permits_ip(ip("64:ff9b:1::a9fe:a9fe")));
        assert!(!listed.permits_ip(ip("64:ff9b::a00:1")));
        assert_eq!(
            Allowed::parse("64:ff9b::a9fe:a9fe"),
            Allowed::parse("169.254.169.254")
        );
    }

    #[test]
    fn list_entries_parse_or_say_why_not() {
        assert_eq!(
            Allowed::parse("10.0.0.0/8").unwrap(),
            Allowed::Net("10.0.0.0/8".parse().unwrap())
        );
        assert_eq!(
            Allowed::parse("10.9.9.9/8").unwrap(),
            Allowed::Net("10.0.0.0/8".parse().unwrap())
        );
        assert_eq!(
            Allowed::parse("::1").unwrap(),
            Allowed::Net("::1/128".parse().unwrap())
        );
        assert_eq!(
            Allowed::parse("NAS.local.").unwrap(),
            Allowed::Host("nas.local".into())
        );
        assert_eq!(
            Allowed::parse("10.0.0.0/33").unwrap_err(),
            "\"10.0.0.0/33\" is not a network (CIDR such as \"10.0.0.0/8\"), an IP address or a host name"
        );
    }

    /// A resolver stub: fixed answers per name.
    pub(crate) struct Stub(pub HashMap<String, Vec<IpAddr>>);

    impl Lookup for Stub {
        fn lookup(&self, host: &str) -> Lookedup {
            let r =
                self.0.get(host).cloned().ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such host")
                });
            Box::pin(async move { r })
        }
    }

    #[tokio::test]
    async fn the_guarded_resolver_keeps_only_permitted_addresses() {
        let stub = Stub(HashMap::from([
            (
                "mixed.test".into(),
                vec![ip("127.0.0.1"), ip("93.184.216.34")],
            ),
            ("meta.test".into(), vec![ip("169.254.169.254")]),
            ("lan.test".into(), vec![ip("10.0.0.7")]),
        ]));
        let guard = |access| Guarded {
            lookup: Arc::new(Stub(stub.0.clone())),
            access: Arc::new(access),
        };
        let g = guard(PrivateAccess::FeedHostOnly);
        assert_eq!(
            g.permitted("mixed.test").await.unwrap(),
            vec![ip("93.184.216.34")]
        );
        assert_eq!(
            g.permitted("meta.test").await.unwrap_err().to_string(),
            format!("meta.test {NON_PUBLIC} (169.254.169.254)")
        );
        let g = guard(PrivateAccess::AllButLinkLocal);
        assert!(g.permitted("meta.test").await.is_err());
        assert_eq!(g.permitted("lan.test").await.unwrap(), vec![ip("10.0.0.7")]);
        let g = guard(PrivateAccess::Listed(vec![
            Allowed::parse("meta.test").unwrap(),
        ]));
        assert_eq!(
            g.permitted("meta.test").await.unwrap(),
            vec![ip("169.254.169.254")]
        );
        assert!(g.permitted("lan.test").await.is_err());
    }

    #[tokio::test]
    async fn the_guarded_resolver_refuses_loopback_names() {
        use reqwest::dns::Resolve;
        let g = Guarded {
            lookup: Arc::new(SystemLookup),
            access: Arc::new(PrivateAccess::FeedHostOnly),
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let err = match g.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert!(
            err.starts_with(&format!("localhost {NON_PUBLIC} (")),
            "{err}"
        );
    }
}
