//! Definition source shown with its syntax highlighted: comments, strings,
//! numbers and keywords get a class each. Highlighting is a reading aid, not
//! a parser: an unknown language is shown plain.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    Plain,
    Comment,
    String,
    Number,
    Keyword,
}

impl TokenClass {
    fn class(self) -> &'static str {
        match self {
            TokenClass::Plain => "tok-plain",
            TokenClass::Comment => "tok-comment",
            TokenClass::String => "tok-string",
            TokenClass::Number => "tok-number",
            TokenClass::Keyword => "tok-keyword",
        }
    }
}

const PROTO: &[&str] = &[
    "syntax", "package", "import", "option", "service", "rpc", "returns", "stream", "message", "enum", "oneof", "map", "repeated",
    "optional", "reserved",
];
const GRAPHQL: &[&str] = &[
    "type",
    "query",
    "mutation",
    "subscription",
    "schema",
    "input",
    "enum",
    "interface",
    "union",
    "scalar",
    "extend",
    "implements",
    "fragment",
    "on",
    "directive",
];

/// `text` split into classed tokens; concatenated they give `text` back.
pub fn highlight(language: &str, text: &str) -> Vec<(TokenClass, String)> {
    let (keywords, line_comment): (&[&str], &str) = match language {
        "grpc" | "protobuf" => (PROTO, "//"),
        "graphql" => (GRAPHQL, "#"),
        "asyncapi" | "yaml" | "openapi" => (&[], "#"),
        _ => return vec![(TokenClass::Plain, text.to_string())],
    };
    let yaml = keywords.is_empty();
    let mut out: Vec<(TokenClass, String)> = Vec::new();
    let mut push = |class: TokenClass, piece: &str| match out.last_mut() {
        Some((last, text)) if *last == class => text.push_str(piece),
        _ => out.push((class, piece.to_string())),
    };
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let taken = if rest.starts_with(line_comment) && (line_comment != "#" || at_word_start(text, rest)) {
            let end = rest.find('\n').unwrap_or(rest.len());
            push(TokenClass::Comment, &rest[..end]);
            end
        } else if c == '"' || c == '\'' {
            let end = rest[1..].find(c).map_or(rest.len(), |i| i + 2);
            push(TokenClass::String, &rest[..end]);
            end
        } else if c.is_ascii_digit() {
            let end = rest.find(|d: char| !(d.is_ascii_alphanumeric() || d == '.')).unwrap_or(rest.len());
            push(TokenClass::Number, &rest[..end]);
            end
        } else if c.is_alphabetic() || c == '_' || (yaml && c == '$') {
            let end = rest.find(|d: char| !(d.is_alphanumeric() || matches!(d, '_' | '-' | '.' | '$'))).unwrap_or(rest.len());
            let word = &rest[..end];
            // YAML keys (a word before `:`) read as keywords.
            let key = yaml && rest[end..].starts_with(':');
            push(if keywords.contains(&word) || key { TokenClass::Keyword } else { TokenClass::Plain }, word);
            end
        } else {
            push(TokenClass::Plain, &rest[..c.len_utf8()]);
            c.len_utf8()
        }
        .max(1);
        rest = &rest[taken..];
    }
    out
}

/// Whether `rest` (a suffix of `text`) starts after whitespace or at a line start: `#` inside a value is not a comment.
fn at_word_start(text: &str, rest: &str) -> bool {
    let before = &text[..text.len() - rest.len()];
    before.chars().next_back().is_none_or(char::is_whitespace)
}

#[component]
pub fn SourceView(language: String, text: String) -> impl IntoView {
    let tokens = highlight(&language, &text);
    view! {
        <pre class="source" data-testid="definition-source"><code>
            {tokens.into_iter().map(|(class, piece)| view! { <span class=class.class()>{piece}</span> }).collect_view()}
        </code></pre>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_give_the_text_back_and_are_classed() {
        let proto = "// stock\nservice Stock {\n  rpc Reserve(R) returns (S); // \"q\"\n  string id = 1;\n}\n";
        let tokens = highlight("grpc", proto);
        assert_eq!(tokens.iter().map(|(_, t)| t.as_str()).collect::<String>(), proto);
        assert!(tokens.contains(&(TokenClass::Keyword, "service".to_string())));
        assert!(tokens.contains(&(TokenClass::Comment, "// stock".to_string())));
        assert!(tokens.contains(&(TokenClass::Number, "1".to_string())));
        let yaml = highlight("asyncapi", "channels:\n  orders#1: {x: 'a # b'} # note\n");
        assert!(yaml.contains(&(TokenClass::Keyword, "channels".to_string())));
        assert!(yaml.contains(&(TokenClass::String, "'a # b'".to_string())));
        assert!(yaml.contains(&(TokenClass::Comment, "# note".to_string())), "{yaml:?}");
        assert!(!yaml.iter().any(|(c, t)| *c == TokenClass::Comment && t.starts_with("#1")), "a # inside a word is text");
        assert_eq!(highlight("cobol", "x"), [(TokenClass::Plain, "x".to_string())]);
    }
}
