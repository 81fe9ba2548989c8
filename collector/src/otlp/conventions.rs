//! The semantic conventions Meridian reads, in one table: every fact the
//! graph takes from a span or resource, and the attributes that say it in
//! each generation SDKs emit today (HTTP before 1.20 and stable, databases
//! before and after 1.26, messaging, RPC), tried in order, newest first.
//!
//! The table ([`CONVENTIONS`]) is the truth: the conversion asks facts of
//! it, the scanner keeps exactly the attributes it names ([`Key`]), and the
//! README's table is checked against it by a test.
//!
//! Hosts and ports are taken as written (no DNS, no IDNA): from an address
//! attribute, else from a URL (`url.full`, `http.url`), a `host[:port]`
//! (`http.host`) or a connection string. A tiny splitter does it, not a URL
//! crate: the ingest path allocates nothing per span, and what is wanted
//! is the text between `//` and the path.

use super::Value;

/// The attribute a sampler's weight is read from when no tracestate
/// threshold says it, as Refinery writes it (Tempo's span multiplier
/// reads such an attribute too); `--sample-rate-attribute` names another.
pub const DEFAULT_SAMPLE_RATE_ATTRIBUTE: &str = "SampleRate";

/// Declares [`Key`]: each attribute name the conversion reads, once.
macro_rules! keys {
    ($($key:ident => $name:literal,)*) => {
        /// Every attribute the conversion reads (the scanner keeps these and
        /// skips the rest), and [`Key::SampleRate`], whose name is configured.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key {
            $($key,)*
            /// The configured sample-rate attribute ([`DEFAULT_SAMPLE_RATE_ATTRIBUTE`]).
            SampleRate,
        }

        impl Key {
            pub const ALL: [Key; [$(Key::$key,)*].len() + 1] = [$(Key::$key,)* Key::SampleRate];

            /// The attribute's name (the default one for [`Key::SampleRate`]).
            pub fn name(self) -> &'static str {
                match self {
                    $(Key::$key => const {
                        match std::str::from_utf8($name) {
                            Ok(name) => name,
                            Err(_) => panic!("attribute names are UTF-8"),
                        }
                    },)*
                    Key::SampleRate => DEFAULT_SAMPLE_RATE_ATTRIBUTE,
                }
            }

            /// The key an attribute name is, if the conversion reads it
            /// (the sample-rate attribute is matched by [`AttributeNames`]).
            /// Bytes, as the scanner finds them: no UTF-8 check per key.
            pub fn of(name: &[u8]) -> Option<Key> {
                Some(match name {
                    $($name => Key::$key,)*
                    _ => return None,
                })
            }
        }
    };
}

keys! {
    ServiceName => b"service.name",
    ServiceNamespace => b"service.namespace",
    ServiceVersion => b"service.version",
    DeploymentEnvironmentName => b"deployment.environment.name",
    DeploymentEnvironment => b"deployment.environment",
    HttpRequestMethod => b"http.request.method",
    HttpMethod => b"http.method",
    HttpRoute => b"http.route",
    UrlTemplate => b"url.template",
    HttpResponseStatusCode => b"http.response.status_code",
    HttpStatusCode => b"http.status_code",
    UrlFull => b"url.full",
    HttpUrl => b"http.url",
    HttpHost => b"http.host",
    ServerAddress => b"server.address",
    ServerPort => b"server.port",
    NetPeerName => b"net.peer.name",
    NetPeerPort => b"net.peer.port",
    NetworkPeerAddress => b"network.peer.address",
    PeerService => b"peer.service",
    RpcSystem => b"rpc.system",
    RpcService => b"rpc.service",
    RpcMethod => b"rpc.method",
    RpcGrpcStatusCode => b"rpc.grpc.status_code",
    DbSystemName => b"db.system.name",
    DbSystem => b"db.system",
    DbNamespace => b"db.namespace",
    DbName => b"db.name",
    DbConnectionString => b"db.connection_string",
    MessagingSystem => b"messaging.system",
    MessagingDestinationTemplate => b"messaging.destination.template",
    MessagingDestinationName => b"messaging.destination.name",
    MessagingDestination => b"messaging.destination",
    MessagingOperationType => b"messaging.operation.type",
    MessagingOperation => b"messaging.operation",
}

impl Key {
    /// Whether the conversion reads this key on a span of OTLP kind `kind`
    /// (0: not known yet, as when the kind follows the attributes): the
    /// callee's address, URL and database only say something on a CLIENT
    /// span, messaging destinations on CLIENT, PRODUCER and CONSUMER ones.
    /// The scanner skips the rest unread.
    pub fn read_on(self, kind: i32) -> bool {
        use Key::*;
        match self {
            PeerService
            | ServerAddress
            | ServerPort
            | NetPeerName
            | NetPeerPort
            | UrlFull
            | HttpUrl
            | HttpHost
            | NetworkPeerAddress
            | DbSystemName
            | DbSystem
            | DbNamespace
            | DbName
            | DbConnectionString
            | MessagingOperationType
            | MessagingOperation => {
                matches!(kind, 0 | 3)
            }
            MessagingDestinationTemplate | MessagingDestinationName | MessagingDestination => matches!(kind, 0 | 3..=5),
            _ => true,
        }
    }
}

/// The attribute names in force: the fixed ones and the configured
/// sample-rate attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeNames {
    sample_rate: Box<str>,
}

impl Default for AttributeNames {
    fn default() -> Self {
        Self { sample_rate: DEFAULT_SAMPLE_RATE_ATTRIBUTE.into() }
    }
}

impl AttributeNames {
    /// With `sample_rate` as the sample-rate attribute; `Err` when empty or
    /// one of the conventions' own names.
    pub fn with_sample_rate(sample_rate: &str) -> Result<Self, String> {
        if sample_rate.is_empty() {
            return Err("the sample-rate attribute name is empty".into());
        }
        if Key::of(sample_rate.as_bytes()).is_some() {
            return Err(format!("`{sample_rate}` is a semantic-convention attribute, not a sample rate"));
        }
        Ok(Self { sample_rate: sample_rate.into() })
    }

    pub fn of(&self, name: &[u8]) -> Option<Key> {
        Key::of(name).or_else(|| (name == self.sample_rate.as_bytes()).then_some(Key::SampleRate))
    }

    pub fn name(&self, key: Key) -> &str {
        match key {
            Key::SampleRate => &self.sample_rate,
            _ => key.name(),
        }
    }
}

/// How an attribute's value says a fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// The value itself.
    Value,
    /// The host of a URL or of a `host[:port]`.
    Host,
    /// The port of a URL or of a `host[:port]`.
    Port,
    /// The server's host of a database connection string (a URL, JDBC, or
    /// `key=value;` pairs).
    ConnectionHost,
    /// The database of a connection string.
    ConnectionDatabase,
}

/// What the graph takes from a span or its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    ServiceName,
    ServiceNamespace,
    ServiceVersion,
    Environment,
    HttpMethod,
    /// The server's route, else the client's URL template.
    HttpRoute,
    HttpStatus,
    RpcSystem,
    RpcService,
    RpcMethod,
    GrpcStatus,
    /// The remote service as its caller names it.
    PeerService,
    /// The remote server's host, when no instrumented server answers.
    PeerHost,
    PeerPort,
    DbSystem,
    DbNamespace,
    /// A database's server (a database with neither this nor a namespace is local).
    DbServer,
    MessagingSystem,
    MessagingDestination,
    MessagingOperation,
    /// How many spans a kept span stands for, when no tracestate threshold says it.
    SampleRate,
}

/// Every fact and where it is read, first match wins.
pub const CONVENTIONS: &[(Fact, &[(Key, Read)])] = {
    use Key::*;
    use Read::*;
    &[
        (Fact::ServiceName, &[(ServiceName, Value)]),
        (Fact::ServiceNamespace, &[(ServiceNamespace, Value)]),
        (Fact::ServiceVersion, &[(ServiceVersion, Value)]),
        (Fact::Environment, &[(DeploymentEnvironmentName, Value), (DeploymentEnvironment, Value)]),
        (Fact::HttpMethod, &[(HttpRequestMethod, Value), (HttpMethod, Value)]),
        (Fact::HttpRoute, &[(HttpRoute, Value), (UrlTemplate, Value)]),
        (Fact::HttpStatus, &[(HttpResponseStatusCode, Value), (HttpStatusCode, Value)]),
        (Fact::RpcSystem, &[(RpcSystem, Value)]),
        (Fact::RpcService, &[(RpcService, Value)]),
        (Fact::RpcMethod, &[(RpcMethod, Value)]),
        (Fact::GrpcStatus, &[(RpcGrpcStatusCode, Value)]),
        (Fact::PeerService, &[(PeerService, Value)]),
        (
            Fact::PeerHost,
            &[
                (ServerAddress, Value),
                (NetPeerName, Value),
                (UrlFull, Host),
                (HttpUrl, Host),
                (HttpHost, Host),
                (NetworkPeerAddress, Value),
            ],
        ),
        (Fact::PeerPort, &[(ServerPort, Value), (NetPeerPort, Value), (UrlFull, Port), (HttpUrl, Port), (HttpHost, Port)]),
        (Fact::DbSystem, &[(DbSystemName, Value), (DbSystem, Value)]),
        (Fact::DbNamespace, &[(DbNamespace, Value), (DbName, Value), (DbConnectionString, ConnectionDatabase)]),
        (Fact::DbServer, &[(ServerAddress, Value), (NetPeerName, Value), (DbConnectionString, ConnectionHost)]),
        (Fact::MessagingSystem, &[(MessagingSystem, Value)]),
        (
            Fact::MessagingDestination,
            &[(MessagingDestinationTemplate, Value), (MessagingDestinationName, Value), (MessagingDestination, Value)],
        ),
        (Fact::MessagingOperation, &[(MessagingOperationType, Value), (MessagingOperation, Value)]),
        (Fact::SampleRate, &[(SampleRate, Value)]),
    ]
};

impl Fact {
    /// What the fact is for, in the README's words.
    pub fn meaning(self) -> &'static str {
        match self {
            Fact::ServiceName => "service (resource)",
            Fact::ServiceNamespace => "service namespace (resource; `namespace/name`)",
            Fact::ServiceVersion => "version: a change is a deploy (resource)",
            Fact::Environment => "environment of a deploy (resource)",
            Fact::HttpMethod => "HTTP: the span is HTTP; method of the operation",
            Fact::HttpRoute => "HTTP: route of the operation (`METHOD /route`)",
            Fact::HttpStatus => "HTTP: status, for the call's outcome",
            Fact::RpcSystem => "RPC: the span is RPC",
            Fact::RpcService => "RPC: service of the operation (`service/method`)",
            Fact::RpcMethod => "RPC: method of the operation",
            Fact::GrpcStatus => "RPC: gRPC status, for the call's outcome",
            Fact::PeerService => "callee's name as its caller gives it (external or database node)",
            Fact::PeerHost => "callee's host, when no instrumented server answers (external node)",
            Fact::PeerPort => "callee's port (tells a host's servers apart)",
            Fact::DbSystem => "database: the span is a database call",
            Fact::DbNamespace => "database: its node's name",
            Fact::DbServer => "database: its node's name without a namespace",
            Fact::MessagingSystem => "messaging: the span is messaging; topic node without a destination",
            Fact::MessagingDestination => "messaging: topic node",
            Fact::MessagingOperation => "messaging: which side a CLIENT span is (`send`/`publish`/`create`, `receive`/`process`)",
            Fact::SampleRate => "sampling weight when the tracestate has no `ot=th` (`--sample-rate-attribute`)",
        }
    }
}

/// The README's table of [`CONVENTIONS`] (a test holds the README to it).
pub fn markdown_table() -> String {
    let mut table = String::from("| what Meridian takes | attributes, first found wins |\n|---|---|\n");
    for (fact, sources) in CONVENTIONS {
        let sources: Vec<String> = sources
            .iter()
            .map(|(key, read)| {
                let how = match read {
                    Read::Value => "",
                    Read::Host => " (its host)",
                    Read::Port => " (its port)",
                    Read::ConnectionHost => " (its server)",
                    Read::ConnectionDatabase => " (its database)",
                };
                format!("`{}`{how}", key.name())
            })
            .collect();
        table.push_str(&format!("| {} | {} |\n", fact.meaning(), sources.join(", ")));
    }
    table
}

/// Where `fact` is read (the table's row: rows are in [`Fact`]'s order, so
/// this is an index, not a search; a test holds the order).
pub fn sources(fact: Fact) -> &'static [(Key, Read)] {
    CONVENTIONS[fact as usize].1
}

/// A span's or resource's attributes, looked up by key: the first attribute
/// of a key decides, as OTLP's "keys are unique" leaves it to receivers.
pub trait Attributes {
    fn get(&self, key: Key) -> Option<Value<'_>>;

    /// The fact as text: the first source that gives a non-empty one.
    #[inline]
    fn text(&self, fact: Fact) -> Option<&str> {
        sources(fact).iter().find_map(|&(key, read)| {
            let Value::Str(value) = self.get(key)? else { return None };
            let text = match read {
                Read::Value => value,
                Read::Host => split_authority(value).0,
                Read::ConnectionHost => connection_string(value).0?,
                Read::ConnectionDatabase => connection_string(value).1?,
                Read::Port => return None,
            };
            Some(text).filter(|t| !t.is_empty())
        })
    }

    /// The fact as a number: an integer, a double, or text that reads as one.
    #[inline]
    fn number(&self, fact: Fact) -> Option<f64> {
        sources(fact).iter().find_map(|&(key, read)| match (self.get(key)?, read) {
            (Value::Int(i), Read::Value) => Some(i as f64),
            (Value::Double(d), Read::Value) => Some(d).filter(|d| d.is_finite()),
            (Value::Str(s), Read::Value) => s.trim().parse::<f64>().ok().filter(|d| d.is_finite()),
            (Value::Str(s), Read::Port) => split_authority(s).1.and_then(|p| p.parse().ok()),
            _ => None,
        })
    }

    /// The fact as a whole number: an integer, or text that reads as one
    /// (a port or a status code; a double is not one).
    #[inline]
    fn integer(&self, fact: Fact) -> Option<i64> {
        sources(fact).iter().find_map(|&(key, read)| match (self.get(key)?, read) {
            (Value::Int(i), Read::Value) => Some(i),
            (Value::Str(s), Read::Value) => s.trim().parse().ok(),
            (Value::Str(s), Read::Port) => split_authority(s).1.and_then(|p| p.parse().ok()),
            _ => None,
        })
    }

    /// Whether any source of the fact is present at all.
    #[inline]
    fn has(&self, fact: Fact) -> bool {
        sources(fact).iter().any(|&(key, _)| self.get(key).is_some())
    }
}

/// A URL's or a `host[:port]`'s host and port, as written: `http://user@h:8080/p`
/// → (`h`, `8080`), `[::1]:80` → (`::1`, `80`), `h` → (`h`, none).
pub fn split_authority(text: &str) -> (&str, Option<&str>) {
    let rest = match text.find("://") {
        Some(at) => &text[at + 3..],
        None => text,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return match bracketed.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':').filter(|p| !p.is_empty())),
            None => (bracketed, None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        _ => (host_port, None),
    }
}

/// A connection string's server host and database: URL form
/// (`postgresql://h:5432/db`, `jdbc:mysql://h/db`) or `key=value;` pairs
/// (`Server=tcp:h,1433;Database=db`).
pub fn connection_string(text: &str) -> (Option<&str>, Option<&str>) {
    let text = text.trim();
    let text = text.strip_prefix("jdbc:").unwrap_or(text);
    if let Some(at) = text.find("://") {
        let (host, _) = split_authority(text);
        let path = &text[at + 3..];
        let database = path.split_once('/').map(|(_, p)| p.split(['/', '?', ';', '#']).next().unwrap_or_default());
        return (Some(host).filter(|h| !h.is_empty()), database.filter(|d| !d.is_empty()));
    }
    let (mut host, mut database) = (None, None);
    for pair in text.split(';') {
        let Some((key, value)) = pair.split_once('=') else { continue };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        match key.as_str() {
            "server" | "host" | "data source" | "address" | "addr" | "network address" => {
                let value = value.strip_prefix("tcp:").unwrap_or(value);
                let value = value.split(',').next().unwrap_or_default();
                host = Some(split_authority(value).0).filter(|h| !h.is_empty());
            }
            "database" | "initial catalog" | "dbname" => database = Some(value).filter(|d| !d.is_empty()),
            _ => {}
        }
    }
    (host, database)
}

/// Database systems that run inside the calling process or on its disk:
/// such a database is the calling service's own node.
pub const EMBEDDED_DATABASES: &[&str] = &["sqlite", "h2", "hsqldb", "derby", "duckdb"];

/// Whether a database system runs inside its caller.
pub fn is_embedded(system: &str) -> bool {
    EMBEDDED_DATABASES.iter().any(|e| e.eq_ignore_ascii_case(system))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_found_by_its_name() {
        let names = AttributeNames::default();
        for (at, key) in Key::ALL.into_iter().enumerate() {
            assert_eq!(key as usize, at, "ALL is in declaration order");
            assert_eq!(names.of(names.name(key).as_bytes()), Some(key));
        }
        assert_eq!(Key::of(b"service.nam"), None);
        let custom = AttributeNames::with_sample_rate("sampling.weight").expect("a free name");
        assert_eq!((custom.of(b"sampling.weight"), custom.of(b"SampleRate")), (Some(Key::SampleRate), None));
        assert!(AttributeNames::with_sample_rate("http.route").is_err());
        assert!(AttributeNames::with_sample_rate("").is_err());
    }

    #[test]
    fn every_fact_has_a_row_and_every_key_a_fact() {
        for (at, (fact, sources)) in CONVENTIONS.iter().enumerate() {
            assert_eq!(*fact as usize, at, "rows are in the order of Fact");
            assert!(!sources.is_empty(), "{fact:?}");
        }
        for key in Key::ALL {
            assert!(CONVENTIONS.iter().any(|(_, sources)| sources.iter().any(|(k, _)| *k == key)), "{key:?} is read for no fact");
        }
    }

    #[test]
    fn hosts_and_ports_as_written() {
        assert_eq!(split_authority("http://localhost:38991/rates/EUR"), ("localhost", Some("38991")));
        assert_eq!(split_authority("https://user:pw@api.example.com/v1?q=1"), ("api.example.com", None));
        assert_eq!(split_authority("127.0.0.1:36523"), ("127.0.0.1", Some("36523")));
        assert_eq!(split_authority("http://[::1]:8080/x"), ("::1", Some("8080")));
        assert_eq!(split_authority("example.com"), ("example.com", None));
        assert_eq!(split_authority("http://h:/x"), ("h:", None), "an empty port is no port");
        assert_eq!(split_authority(""), ("", None));
    }

    #[test]
    fn connection_strings_of_every_form() {
        assert_eq!(connection_string("postgresql://127.0.0.1:55432/postgres"), (Some("127.0.0.1"), Some("postgres")));
        assert_eq!(connection_string("jdbc:mysql://db.internal:3306/shop?useSSL=false"), (Some("db.internal"), Some("shop")));
        assert_eq!(connection_string("Server=tcp:sql.example.com,1433;Initial Catalog=orders;"), (Some("sql.example.com"), Some("orders")));
        assert_eq!(connection_string("Host=pg;Database=users"), (Some("pg"), Some("users")));
        assert_eq!(connection_string("redis://cache:6379"), (Some("cache"), None));
        assert_eq!(connection_string("nonsense"), (None, None));
    }
}
