//! Typed values: each kind of value a key holds, with the one parser that accepts it and the text
//! the manifests show for it. Validation checks a value with these parsers and the plan computes
//! with the parsed value, so a unit validation accepts means the same thing everywhere.

use crate::diagnostic::Shown;
use std::fmt;
use std::net::IpAddr;

/// A value that does not parse: the message (naming the value only through [`Shown`]) and what
/// to do about it.
pub type Problem = (String, String);

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    (message.into(), help.into())
}

/// Split a quantity into its number and its unit (`1.5Gi` → `1.5`, `Gi`).
fn split_number(raw: &str) -> (&str, &str) {
    let end = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    raw.split_at(end)
}

/// Digits with at most one `.` that has digits on both sides (`2`, `0.5`; not `.5`, `2.`).
pub(crate) fn is_decimal(number: &str) -> bool {
    let mut parts = number.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn is_zero(number: &str) -> bool {
    number.bytes().all(|b| b == b'0' || b == b'.')
}

/// `number × unit`, rounded up to a whole count, saturating: `number` is a checked decimal.
/// Kubernetes rounds a fractional quantity up to its smallest unit the same way.
fn scale_up(number: &str, unit: u128) -> u128 {
    // Digits past the 18th of the fraction change nothing but the rounding: they still round up.
    const FRAC_DIGITS: usize = 18;
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let whole = whole.bytes().fold(0u128, |n, b| {
        n.saturating_mul(10).saturating_add(u128::from(b - b'0'))
    });
    let kept = &frac[..frac.len().min(FRAC_DIGITS)];
    let dropped_nonzero = frac[kept.len()..].bytes().any(|b| b != b'0');
    let frac_value = kept
        .bytes()
        .fold(0u128, |n, b| n * 10 + u128::from(b - b'0'));
    let denominator = 10u128.pow(kept.len() as u32);
    let frac_product = frac_value * unit + u128::from(dropped_nonzero);
    let frac_part = frac_product.div_ceil(denominator);
    whole.saturating_mul(unit).saturating_add(frac_part)
}

/// A CPU quantity: cores (`2`, `0.5`) or millicores (`500m`), as Kubernetes reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpu {
    millis: u64,
    text: String,
}

impl Cpu {
    /// Parse a CPU quantity larger than zero.
    pub fn parse(raw: &str, shown: &Shown) -> Result<Cpu, Problem> {
        let (number, in_millis) = match raw.strip_suffix('m') {
            Some(n) => (n, true),
            None => (raw, false),
        };
        if !is_decimal(number) || is_zero(number) {
            return Err(problem(
                format!("{shown} is not a CPU quantity"),
                "write cores such as 1 or 0.5, or millicores such as 500m",
            ));
        }
        let millis = scale_up(number, if in_millis { 1 } else { 1000 });
        Ok(Cpu {
            millis: u64::try_from(millis).unwrap_or(u64::MAX),
            text: raw.to_string(),
        })
    }

    /// A quantity napgen fixes itself (`"250m"`, `"1"`); panics on text that is not one.
    pub fn fixed(text: &str) -> Cpu {
        Cpu::parse(text, &Shown::literal(text)).expect("a CPU quantity")
    }

    /// Millicores, rounded up as Kubernetes does (`0.5` → 500, `1` → 1000).
    pub fn millis(&self) -> u64 {
        self.millis
    }

    /// `n` times this quantity in whole cores when it is some (`500m` × 4 → `2`), else in
    /// millicores (`300m` × 4 → `1200m`).
    pub fn times(&self, n: u64) -> String {
        let millis = self.millis.saturating_mul(n);
        if millis.is_multiple_of(1000) {
            (millis / 1000).to_string()
        } else {
            format!("{millis}m")
        }
    }

    /// The quantity as the operator wrote it (what the manifests show).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A quantity of bytes, of memory or storage: plain bytes (`1048576`) or with a decimal (`k`,
/// `M`, `G`, `T`, `P`, `E`) or binary (`Ki` … `Ei`) unit, whole or decimal (`1.5Gi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    bytes: u128,
    text: String,
}

/// Units a byte quantity may carry, with their size in bytes (longest suffix first).
const BYTE_UNITS: [(&str, u128); 12] = [
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("Pi", 1 << 50),
    ("Ei", 1 << 60),
    ("k", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000),
];

impl Memory {
    /// Parse a byte quantity larger than zero. A unit is required: a plain number is refused
    /// here (it is almost always a forgotten `Gi`), though [`Memory::bytes`] would read it.
    pub fn parse(raw: &str, shown: &Shown) -> Result<Memory, Problem> {
        let (number, suffix) = split_number(raw);
        let unit = BYTE_UNITS.iter().find(|(s, _)| *s == suffix).map(|u| u.1);
        let Some(unit) = unit.filter(|_| is_decimal(number)) else {
            let help = if is_decimal(number) && suffix.is_empty() {
                match shown.part(number, "").text() {
                    Some(number) => format!("a size needs a unit, e.g. {number}Gi"),
                    None => "a size needs a unit, e.g. 20Gi".into(),
                }
            } else {
                "write a Kubernetes quantity such as 500Gi, 20Gi or 512Mi".into()
            };
            return Err(problem(format!("{shown} is not a size"), help));
        };
        if is_zero(number) {
            return Err(problem(
                format!("{shown} is zero"),
                "give a size larger than zero",
            ));
        }
        Ok(Memory {
            bytes: scale_up(number, unit),
            text: raw.to_string(),
        })
    }

    /// A quantity napgen fixes itself (`"512Mi"`); panics on text that is not one.
    pub fn fixed(text: &str) -> Memory {
        Memory::parse(text, &Shown::literal(text)).expect("a byte quantity")
    }

    /// Bytes, rounded up (saturating far beyond any real machine).
    pub fn bytes(&self) -> u128 {
        self.bytes
    }

    /// MiB, rounded up (`1G` → 954, `1Pi` → 1073741824).
    pub fn mib(&self) -> u64 {
        u64::try_from(self.bytes.div_ceil(1 << 20)).unwrap_or(u64::MAX)
    }

    /// The quantity as the operator wrote it (what the manifests show).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A whole number in `min..=max`; `why` is the help when it is outside (a default help names
/// the range).
pub fn parse_whole(
    raw: &str,
    shown: &dyn fmt::Display,
    min: i64,
    max: i64,
    why: &str,
) -> Result<i64, Problem> {
    let n: i64 = raw.parse().map_err(|_| {
        problem(
            format!("{shown} is not a whole number"),
            format!("write a number in {min}-{max}"),
        )
    })?;
    if !(min..=max).contains(&n) {
        let help = if why.is_empty() {
            format!("choose a number in {min}-{max}")
        } else {
            why.to_string()
        };
        return Err(problem(format!("{n} is outside {min}-{max}"), help));
    }
    Ok(n)
}

/// A TCP/UDP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Port(pub u16);

impl Port {
    /// The NodePort range Kubernetes allocates from by default.
    pub const NODE_PORTS: (u16, u16) = (30000, 32767);

    /// Parse a NodePort: a port in [`Port::NODE_PORTS`].
    pub fn parse_node_port(raw: &str, shown: &dyn fmt::Display) -> Result<Port, Problem> {
        let (low, high) = Port::NODE_PORTS;
        let n = parse_whole(
            raw,
            shown,
            low.into(),
            high.into(),
            "a NodePort must be a free port in 30000-32767",
        )?;
        Ok(Port(u16::try_from(n).expect("within the NodePort range")))
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An address block: `10.42.0.0/16`, `fd00::/8`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
    text: String,
}

impl Cidr {
    /// Parse one block (the message names it as `item`, a part of the list it came from).
    pub fn parse(raw: &str, item: &dyn fmt::Display) -> Result<Cidr, Problem> {
        let bad = || {
            problem(
                format!("{item} is not a CIDR block"),
                "write blocks like 10.42.0.0/16, separated by commas",
            )
        };
        let (addr, prefix) = raw.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr {
            addr,
            prefix,
            text: raw.to_string(),
        })
    }

    /// The block as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Declares a checked text value: validation has accepted it; it renders as written.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wrap text validation has accepted.
            pub fn new(text: impl Into<String>) -> $name {
                $name(text.into())
            }

            /// The value as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text!(
    /// A backup retention period as barman-cloud reads it: a number and d, w or m (`30d`).
    Retention
);

/// An absolute URL validation has accepted (`https://nap.example.com`, `ldaps://dc:636`,
/// `http://[2001:db8::5]:8080/v1`), with its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    text: String,
    scheme_len: usize,
    host: String,
    port: u16,
}

impl Retention {
    /// Parse what the barman-cloud plugin's retentionPolicy accepts: `^[1-9][0-9]*[dwm]$`.
    pub fn parse(raw: &str, shown: &dyn fmt::Display) -> Result<Retention, Problem> {
        let (number, unit) = raw.split_at(raw.len() - raw.chars().last().map_or(0, char::len_utf8));
        let ok = matches!(unit, "d" | "w" | "m")
            && !number.is_empty()
            && !number.starts_with('0')
            && number.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Retention(raw.to_string()))
        } else {
            Err(problem(
                format!("{shown} is not a retention period"),
                "write a number and d, w or m (days, weeks, months), e.g. 30d",
            ))
        }
    }
}

impl Url {
    /// Split a URL validation has accepted: `scheme://host[:port][/path]`, the port by scheme
    /// when not given (http 80, https 443, ldap 389, ldaps 636).
    pub fn new(text: impl Into<String>) -> Url {
        let text = text.into();
        let (scheme, rest) = text.split_once("://").unwrap_or(("http", &text));
        let authority = rest.split('/').next().unwrap_or(rest);
        let default = match scheme {
            "https" => 443,
            "ldap" => 389,
            "ldaps" => 636,
            _ => 80,
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').unwrap_or((v6, ""));
            (host, after.strip_prefix(':').and_then(|p| p.parse().ok()))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, port.parse().ok()),
                None => (authority, None),
            }
        };
        Url {
            scheme_len: text.find("://").unwrap_or(0),
            host: host.to_string(),
            port: port.unwrap_or(default),
            text,
        }
    }

    /// The scheme (`https`), the part before `://`.
    pub fn scheme(&self) -> &str {
        &self.text[..self.scheme_len]
    }

    /// The host: a name, or an IP address (without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port: as given, else the scheme's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A host name or IP address validation has accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    text: String,
    ip: Option<IpAddr>,
}

impl Host {
    /// Wrap a host validation has accepted, noting whether it is an IP address.
    pub fn new(text: impl Into<String>) -> Host {
        let text = text.into();
        Host {
            ip: text.parse().ok(),
            text,
        }
    }

    /// The address, when the host is given as one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The host as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A secret's value. Its `Debug` never shows it, so a stray `{:?}` cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret validation has accepted.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The secret itself: only for the Secret objects and checksums that need it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// Declares an enum of a closed set of words, each with the text values.env and the manifests
/// use for it.
macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every value, in the order the registry lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word, as written in values.env and the manifests.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value a word names, `None` for any other word.
            pub fn from_word(word: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// The cluster's shape (PROFILE).
    Profile { SingleNode = "single-node", MultiNode = "multi-node" }
);
word_enum!(
    /// The distribution the install targets (PLATFORM): it decides who picks the pods' UIDs.
    Platform { Kubernetes = "kubernetes", OpenShift = "openshift" }
);
word_enum!(
    /// How users reach the platform (INGRESS_MODE).
    IngressMode { NodePort = "nodeport", External = "external", Ingress = "ingress", Gateway = "gateway", Route = "route" }
);
word_enum!(
    /// The kind of cert-manager issuer (CERT_MANAGER_ISSUER_KIND).
    IssuerKind { ClusterIssuer = "ClusterIssuer", Issuer = "Issuer" }
);
word_enum!(
    /// An agent napgen can run workspaces of (AGENT_TYPES).
    AgentType { Codex = "codex", ClaudeCode = "claude-code" }
);
word_enum!(
    /// When the kubelet pulls an image (IMAGE_PULL_POLICY).
    PullPolicy { IfNotPresent = "IfNotPresent", Always = "Always", Never = "Never" }
);
word_enum!(
    /// Where PostgreSQL runs (DATABASE_MODE).
    DatabaseMode { CloudNativePg = "cloudnative-pg", External = "external" }
);
word_enum!(
    /// libpq's `sslmode` towards an external server (DATABASE_SSLMODE), weakest first.
    SslMode {
        Disable = "disable",
        Allow = "allow",
        Prefer = "prefer",
        Require = "require",
        VerifyCa = "verify-ca",
        VerifyFull = "verify-full",
    }
);

impl SslMode {
    /// Whether the server's certificate is checked against a CA.
    pub fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}
word_enum!(
    /// How strictly PostgreSQL instances are kept on different nodes (POSTGRES_ANTI_AFFINITY).
    AntiAffinity { Preferred = "preferred", Required = "required" }
);

/// A `key=value` pair of a label list (NODE_SELECTOR, MONITORING_LABELS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub key: String,
    pub value: String,
}

impl Label {
    /// Split a checked `key=value` item.
    pub fn from_item(item: &str) -> Label {
        let (key, value) = item.split_once('=').unwrap_or((item, ""));
        Label {
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

/// A TOLERATIONS entry, `key[=value][:Effect]`: with a value it matches the taint's value
/// (operator Equal), without one any value (Exists); without an effect, every effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl Toleration {
    /// Split a checked item.
    pub fn from_item(item: &str) -> Toleration {
        let (taint, effect) = match item.rsplit_once(':') {
            Some((t, e)) => (t, Some(e.to_string())),
            None => (item, None),
        };
        let (key, value) = match taint.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (taint, None),
        };
        Toleration {
            key: key.to_string(),
            value,
            effect,
        }
    }
}

/// An image pinned by digest (IMAGE_DIGESTS): `name=sha256:…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDigest {
    /// The image's short name (see `registry::IMAGE_NAMES`).
    pub name: String,
    pub digest: String,
}

impl ImageDigest {
    /// Split a checked `name=digest` item.
    pub fn from_item(item: &str) -> ImageDigest {
        let (name, digest) = item.split_once('=').unwrap_or((item, ""));
        ImageDigest {
            name: name.to_string(),
            digest: digest.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(text: &str) -> Result<Memory, Problem> {
        Memory::parse(text, &Shown::literal(text))
    }

    fn cpu(text: &str) -> Result<Cpu, Problem> {
        Cpu::parse(text, &Shown::literal(text))
    }

    #[test]
    fn memory_reads_every_unit_validation_accepts() {
        let cases: [(&str, u128); 14] = [
            ("1Ki", 1024),
            ("512Mi", 512 << 20),
            ("1.5Gi", 3 << 29),
            ("1Ti", 1 << 40),
            ("1Pi", 1 << 50),
            ("1Ei", 1 << 60),
            ("1k", 1_000),
            ("1M", 1_000_000),
            ("1G", 1_000_000_000),
            ("2T", 2_000_000_000_000),
            ("1P", 1_000_000_000_000_000),
            ("1E", 1_000_000_000_000_000_000),
            ("0.5k", 500),
            ("1.0001k", 1001),
        ];
        for (text, bytes) in cases {
            assert_eq!(memory(text).unwrap().bytes(), bytes, "{text}");
        }
        assert_eq!(memory("1Pi").unwrap().mib(), 1 << 30);
        assert_eq!(memory("1G").unwrap().mib(), 954);
        assert_eq!(memory("1.5Gi").unwrap().mib(), 1536);
        assert_eq!(memory("8Gi").unwrap().as_str(), "8Gi");
    }

    #[test]
    fn memory_saturates_instead_of_overflowing() {
        let huge = memory("99999999999999999999999999999999999999999Ei").unwrap();
        assert_eq!(huge.bytes(), u128::MAX);
        assert_eq!(huge.mib(), u64::MAX);
        assert_eq!(
            memory("0.0000000000000000000001k").unwrap().bytes(),
            1,
            "a fraction past the kept digits still rounds up"
        );
    }

    #[test]
    fn memory_refuses_what_validation_refused() {
        let (message, help) = memory("20").unwrap_err();
        assert_eq!(message, "\"20\" is not a size");
        assert_eq!(help, "a size needs a unit, e.g. 20Gi");
        for bad in ["1.5", "20gb", "Gi", ".5Gi", "1.Gi", "1KiB", "-1Gi"] {
            assert!(memory(bad).is_err(), "{bad}");
        }
        assert_eq!(memory("0.0Gi").unwrap_err().0, "\"0.0Gi\" is zero");
    }

    #[test]
    fn cpu_reads_cores_and_millicores() {
        for (text, millis) in [
            ("500m", 500),
            ("2", 2000),
            ("0.5", 500),
            ("1.5", 1500),
            ("0.0005", 1),
            ("0.5m", 1),
        ] {
            assert_eq!(cpu(text).unwrap().millis(), millis, "{text}");
        }
        assert_eq!(cpu("500m").unwrap().as_str(), "500m");
        for bad in ["0", "0m", "m", "1.", "-1", "1 core", "1c"] {
            assert!(cpu(bad).is_err(), "{bad}");
        }
        assert_eq!(
            cpu("fast").unwrap_err(),
            (
                "\"fast\" is not a CPU quantity".into(),
                "write cores such as 1 or 0.5, or millicores such as 500m".into()
            )
        );
    }

    #[test]
    fn cpu_multiples_keep_the_manifests_text() {
        assert_eq!(Cpu::fixed("500m").times(4), "2");
        assert_eq!(Cpu::fixed("250m").times(4), "1");
        assert_eq!(Cpu::fixed("300m").times(4), "1200m");
        assert_eq!(Cpu::fixed("1.5").times(4), "6");
        assert_eq!(Cpu::fixed("0.1").times(4), "400m");
        assert_eq!(Cpu::fixed("500m").times(2), "1");
        assert_eq!(Cpu::fixed("0.25").times(2), "500m");
    }

    #[test]
    fn cidr_parses_v4_and_v6() {
        let c = Cidr::parse("10.42.0.0/16", &"10.42.0.0/16").unwrap();
        assert_eq!((c.addr, c.prefix), ("10.42.0.0".parse().unwrap(), 16));
        assert_eq!(Cidr::parse("fd00::/8", &"x").unwrap().prefix, 8);
        for bad in ["10.0.0.0/33", "10.0.0.0", "fd00::/129", "x/8"] {
            assert!(Cidr::parse(bad, &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_read_their_words() {
        assert_eq!(Profile::from_word("multi-node"), Some(Profile::MultiNode));
        assert_eq!(PullPolicy::Always.as_str(), "Always");
        assert_eq!(
            AgentType::from_word("claude-code"),
            Some(AgentType::ClaudeCode)
        );
        assert_eq!(IngressMode::from_word("NodePort"), None);
        let words: Vec<&str> = IngressMode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(words, crate::config::registry::INGRESS_MODES);
        let platforms: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(platforms, crate::config::registry::PLATFORMS);
    }

    #[test]
    fn ports_and_retentions() {
        assert_eq!(Port::parse_node_port("30080", &"30080"), Ok(Port(30080)));
        assert_eq!(
            Port::parse_node_port("8080", &"8080").unwrap_err(),
            (
                "8080 is outside 30000-32767".into(),
                "a NodePort must be a free port in 30000-32767".into()
            )
        );
        assert_eq!(
            Port::parse_node_port("http", &"\"http\"").unwrap_err().0,
            "\"http\" is not a whole number"
        );
        assert_eq!(Retention::parse("30d", &"30d").unwrap().as_str(), "30d");
        for bad in ["0d", "30", "d", "30y", "030d", "3.5w"] {
            assert!(Retention::parse(bad, &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_have_their_parts() {
        let cases = [
            (
                "http://proxy.example.com:3128",
                "http",
                "proxy.example.com",
                3128,
            ),
            ("https://s3.example.com", "https", "s3.example.com", 443),
            ("http://10.0.0.5", "http", "10.0.0.5", 80),
            ("ldap://ldap.auth.svc", "ldap", "ldap.auth.svc", 389),
            ("ldaps://ldap.auth.svc", "ldaps", "ldap.auth.svc", 636),
            ("http://[2001:db8::5]:8080/x", "http", "2001:db8::5", 8080),
            (
                "https://llm.example.com/v1",
                "https",
                "llm.example.com",
                443,
            ),
        ];
        for (text, scheme, host, port) in cases {
            let url = Url::new(text);
            assert_eq!(
                (url.scheme(), url.host(), url.port()),
                (scheme, host, port),
                "{text}"
            );
            assert_eq!(url.as_str(), text);
        }
    }

    #[test]
    fn hosts_know_their_address() {
        assert_eq!(
            Host::new("203.0.113.10").ip(),
            Some("203.0.113.10".parse().unwrap())
        );
        assert_eq!(Host::new("fd00::1").ip(), Some("fd00::1".parse().unwrap()));
        assert_eq!(Host::new("turn.example.com").ip(), None);
    }

    #[test]
    fn tolerations_split_key_value_and_effect() {
        let t = Toleration::from_item("dedicated=nap:NoSchedule");
        assert_eq!(
            (t.key.as_str(), t.value.as_deref(), t.effect.as_deref()),
            ("dedicated", Some("nap"), Some("NoSchedule"))
        );
        let t = Toleration::from_item("gpu");
        assert_eq!((t.key.as_str(), t.value, t.effect), ("gpu", None, None));
        let t = Toleration::from_item("example.com/spot:NoExecute");
        assert_eq!(
            (t.key.as_str(), t.value, t.effect.as_deref()),
            ("example.com/spot", None, Some("NoExecute"))
        );
    }

    #[test]
    fn secrets_do_not_debug_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "<secret>");
    }
}
