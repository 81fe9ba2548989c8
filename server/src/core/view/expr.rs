//! The graph's find/hide expressions, in the spirit of Kiali's:
//! `rate > 10`, `errors > 1%`, `owner = team-a and kind = service`,
//! `not (protocol = http or p95 >= 200ms)`.
//!
//! A comparison is `field op value`; `and`, `or`, `not` and parentheses
//! combine them. Fields of nodes: `name`, `kind`, `owner`, `system`,
//! `namespace`, `lifecycle`, `type`, `tag`; of edges: `protocol` (also
//! `connection`), `source`, `target`; of both: `rate` (requests a second;
//! a node's is what it served), `errors` (share, `1%` or `0.01`), `p95`
//! (milliseconds, `200ms` or `200`). A comparison on a field an element
//! does not have is false for it. Text compares without case; `~` is
//! "contains". Parsed into a value, never formatted into anything again.

use std::fmt;

/// A parse error: where (a 1-based column) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Contains => "~",
        })
    }
}

/// A field an expression may test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Kind,
    Owner,
    System,
    Namespace,
    Lifecycle,
    Type,
    Tag,
    Protocol,
    Source,
    Target,
    Rate,
    Errors,
    P95,
}

impl Field {
    const NAMES: [(&'static str, Field); 15] = [
        ("name", Field::Name),
        ("kind", Field::Kind),
        ("owner", Field::Owner),
        ("system", Field::System),
        ("namespace", Field::Namespace),
        ("lifecycle", Field::Lifecycle),
        ("type", Field::Type),
        ("tag", Field::Tag),
        ("protocol", Field::Protocol),
        ("connection", Field::Protocol),
        ("source", Field::Source),
        ("target", Field::Target),
        ("rate", Field::Rate),
        ("errors", Field::Errors),
        ("p95", Field::P95),
    ];

    fn parse(text: &str) -> Option<Field> {
        Field::NAMES.iter().find(|(name, _)| name.eq_ignore_ascii_case(text)).map(|(_, field)| *field)
    }

    fn numeric(self) -> bool {
        matches!(self, Field::Rate | Field::Errors | Field::P95)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Compare(Field, Op, Value),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// What an element offers to expressions: its text fields (lower case,
/// absent when unknown) and its traffic.
pub trait Facts {
    fn text(&self, field: Field) -> Vec<&str>;
    fn number(&self, field: Field) -> Option<f64>;
}

impl Expr {
    pub fn matches(&self, element: &dyn Facts) -> bool {
        match self {
            Expr::And(a, b) => a.matches(element) && b.matches(element),
            Expr::Or(a, b) => a.matches(element) || b.matches(element),
            Expr::Not(a) => !a.matches(element),
            Expr::Compare(field, op, value) => compare(element, *field, *op, value),
        }
    }
}

fn compare(element: &dyn Facts, field: Field, op: Op, value: &Value) -> bool {
    match value {
        Value::Number(wanted) => {
            let Some(have) = element.number(field) else { return false };
            match op {
                Op::Eq => (have - wanted).abs() < 1e-9,
                Op::Ne => (have - wanted).abs() >= 1e-9,
                Op::Gt => have > *wanted,
                Op::Ge => have >= *wanted,
                Op::Lt => have < *wanted,
                Op::Le => have <= *wanted,
                Op::Contains => false,
            }
        }
        Value::Text(wanted) => {
            let values = element.text(field);
            match op {
                Op::Ne => !values.is_empty() && values.iter().all(|v| !v.eq_ignore_ascii_case(wanted)),
                Op::Contains => values.iter().any(|v| v.to_ascii_lowercase().contains(&wanted.to_ascii_lowercase())),
                _ => values.iter().any(|v| v.eq_ignore_ascii_case(wanted)),
            }
        }
    }
}

/// Parses an expression; the error names the column.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0, end: text.chars().count() + 1 };
    let expr = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some((column, token)) => {
            Err(ExprError { column: *column, message: format!("unexpected `{token}`; expected `and`, `or` or the end") })
        }
    }
}

/// Tokens with their 1-based columns.
fn tokenize(text: &str) -> Result<Vec<(usize, String)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push((column, c.to_string()));
            i += 1;
        } else if matches!(c, '=' | '!' | '<' | '>' | '~') {
            let two = chars.get(i + 1) == Some(&'=') && c != '=' && c != '~';
            let token: String = if two { [c, '='].iter().collect() } else { c.to_string() };
            if token == "!" {
                return Err(ExprError { column, message: "`!` must be followed by `=`".into() });
            }
            i += token.len();
            out.push((column, token));
        } else if c == '"' || c == '\'' {
            let Some(end) = chars[i + 1..].iter().position(|&d| d == c) else {
                return Err(ExprError { column, message: "this quote is never closed".into() });
            };
            out.push((column, format!("\"{}", chars[i + 1..i + 1 + end].iter().collect::<String>())));
            i += end + 2;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | '=' | '!' | '<' | '>' | '~' | '"' | '\'')
            {
                i += 1;
            }
            out.push((column, chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, String)>,
    at: usize,
    /// The column just past the text, for "expected … at the end".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|(_, t)| t.as_str())
    }

    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(c, _)| *c)
    }

    fn keyword(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some("(") {
            let open = self.column();
            self.at += 1;
            let inner = self.or()?;
            if self.peek() != Some(")") {
                return Err(ExprError { column: self.column(), message: format!("expected `)` to close the `(` at column {open}") });
            }
            self.at += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let column = self.column();
        let Some(name) = self.peek().map(str::to_string) else {
            return Err(ExprError { column, message: "expected a field such as `rate`, `errors`, `owner` or `kind`".into() });
        };
        let field = Field::parse(&name).ok_or_else(|| {
            let known: Vec<&str> = Field::NAMES.iter().map(|(n, _)| *n).collect();
            ExprError { column, message: format!("unknown field `{name}`; fields are {}", known.join(", ")) }
        })?;
        self.at += 1;
        let op_column = self.column();
        let op = match self.peek() {
            Some("=") => Op::Eq,
            Some("!=") => Op::Ne,
            Some(">") => Op::Gt,
            Some(">=") => Op::Ge,
            Some("<") => Op::Lt,
            Some("<=") => Op::Le,
            Some("~") => Op::Contains,
            other => {
                let found = other.map_or("the end".to_string(), |t| format!("`{t}`"));
                return Err(ExprError {
                    column: op_column,
                    message: format!("expected `=`, `!=`, `>`, `>=`, `<`, `<=` or `~` after `{name}`, found {found}"),
                });
            }
        };
        self.at += 1;
        let value_column = self.column();
        let Some(raw) = self.peek().map(str::to_string) else {
            return Err(ExprError { column: value_column, message: format!("expected a value after `{op}`") });
        };
        self.at += 1;
        let value = if field.numeric() {
            let number = number(field, &raw).ok_or_else(|| ExprError {
                column: value_column,
                message: format!("`{name}` compares with a number (`10`, `1%`, `200ms`), not `{}`", raw.trim_start_matches('"')),
            })?;
            if op == Op::Contains {
                return Err(ExprError { column: op_column, message: format!("`~` compares text; `{name}` is a number") });
            }
            Value::Number(number)
        } else {
            if matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le) {
                return Err(ExprError { column: op_column, message: format!("`{name}` is text: use `=`, `!=` or `~`") });
            }
            Value::Text(raw.trim_start_matches('"').to_string())
        };
        Ok(Expr::Compare(field, op, value))
    }
}

/// `10`, `2.5`, `1%` (a share), `200ms`, `10/s`.
fn number(field: Field, raw: &str) -> Option<f64> {
    let text = raw.trim();
    if let Some(percent) = text.strip_suffix('%') {
        return percent.parse::<f64>().ok().filter(|_| field == Field::Errors).map(|p| p / 100.0);
    }
    let text = text
        .strip_suffix("ms")
        .filter(|_| field == Field::P95)
        .or_else(|| text.strip_suffix("/s").filter(|_| field == Field::Rate))
        .unwrap_or(text);
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Element {
        kind: &'static str,
        owner: Option<&'static str>,
        tags: Vec<&'static str>,
        rate: Option<f64>,
        errors: Option<f64>,
    }

    impl Facts for Element {
        fn text(&self, field: Field) -> Vec<&str> {
            match field {
                Field::Kind => vec![self.kind],
                Field::Owner => self.owner.into_iter().collect(),
                Field::Tag => self.tags.clone(),
                _ => Vec::new(),
            }
        }
        fn number(&self, field: Field) -> Option<f64> {
            match field {
                Field::Rate => self.rate,
                Field::Errors => self.errors,
                _ => None,
            }
        }
    }

    fn service() -> Element {
        Element { kind: "service", owner: Some("group:default/team-a"), tags: vec!["rust", "edge"], rate: Some(12.0), errors: Some(0.02) }
    }

    #[test]
    fn comparisons_combine_with_and_or_not_and_parentheses() {
        let matches = |text: &str| parse(text).unwrap().matches(&service());
        assert!(matches("rate > 10"));
        assert!(matches("errors > 1%"));
        assert!(!matches("errors > 0.05"));
        assert!(matches("kind = SERVICE and tag = rust"));
        assert!(matches("owner ~ team-a"));
        assert!(matches("owner = \"group:default/team-a\""));
        assert!(matches("not (kind = database or rate < 1/s)"));
        assert!(!matches("p95 > 200ms"), "a field the element lacks is false");
        assert!(!matches("kind != service"));
        assert!(matches("kind = database or errors >= 2%"));
    }

    #[test]
    fn errors_name_the_column_and_what_was_expected() {
        let error = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(error("rate >"), "at column 7: expected a value after `>`");
        assert_eq!(
            error("speed > 3"),
            "at column 1: unknown field `speed`; fields are name, kind, owner, system, namespace, lifecycle, type, tag, protocol, connection, source, target, rate, errors, p95"
        );
        assert_eq!(error("rate > fast"), "at column 8: `rate` compares with a number (`10`, `1%`, `200ms`), not `fast`");
        assert_eq!(error("owner > a"), "at column 7: `owner` is text: use `=`, `!=` or `~`");
        assert_eq!(error("(rate > 1"), "at column 10: expected `)` to close the `(` at column 1");
        assert_eq!(error("rate > 1 kind = a"), "at column 10: unexpected `kind`; expected `and`, `or` or the end");
        assert_eq!(error("owner = 'a"), "at column 9: this quote is never closed");
        assert_eq!(error("rate 3"), "at column 6: expected `=`, `!=`, `>`, `>=`, `<`, `<=` or `~` after `rate`, found `3`");
        assert_eq!(error(""), "at column 1: expected a field such as `rate`, `errors`, `owner` or `kind`");
    }
}
