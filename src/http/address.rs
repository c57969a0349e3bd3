//! Address safety: which IP addresses count as public.
//!
//! A feed is written by someone else. Its links must not make stet probe the machine it
//! runs on or its local network, so article URLs whose host is (or resolves to) a
//! loopback, private, link-local, shared, documentation, multicast or otherwise
//! special-purpose address (IANA special-purpose registries, RFC 6890) are refused,
//! unless the feed itself is on such an address or the configuration allows it.

use std::net::{IpAddr, Ipv4Addr};

/// True when `ip` is a globally reachable unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (may reach IPv4 private)
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

/// The host of a URL as an IP address, when it is an IP literal.
pub fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// Resolves the URL's host (an IP literal is taken as is) and returns its addresses.
///
/// # Errors
/// When the name does not resolve.
pub async fn resolve(url: &url::Url) -> std::io::Result<Vec<IpAddr>> {
    if let Some(ip) = literal_ip(url) {
        return Ok(vec![ip]);
    }
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    Ok(tokio::net::lookup_host((host, port))
        .await?
        .map(|a| a.ip())
        .collect())
}

/// True when the URL's host is a non-public address or resolves to one (a name that
/// does not resolve is not called private: its fetch fails at connect).
pub async fn is_private_host(url: &url::Url) -> bool {
    if url.host_str() == Some("localhost") {
        return true;
    }
    match resolve(url).await {
        Ok(ips) => ips.into_iter().any(|ip| !is_public(ip)),
        Err(_) => false,
    }
}

/// A DNS resolver for the HTTP client that connects only to public addresses: the names
/// it resolves lose their non-public addresses, and a name left with none fails to
/// connect. The address check before a fetch ([`is_private_host`]) resolves the name
/// once; this closes the gap between that check and the connection, where a name could
/// resolve again to another address (DNS rebinding).
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

/// The error text of a name that resolves to non-public addresses only.
pub const NON_PUBLIC: &str = "resolves only to non-public addresses";

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let public: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} {NON_PUBLIC}").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[tokio::test]
    async fn the_public_only_resolver_refuses_loopback_names() {
        use reqwest::dns::Resolve;
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let err = match PublicOnly.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e.to_string(),
        };
        assert_eq!(err, format!("localhost {NON_PUBLIC}"));
    }
}
