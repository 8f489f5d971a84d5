//! The `features` argument of `profile_define`, taken apart without Postgres: each
//! feature's name, aggregate function, argument, FILTER condition and window. The
//! expressions themselves stay SQL text; `resolve` has Postgres check them against the
//! source table.

use serde_json::Value as Json;

/// The largest identifier Postgres keeps without truncating it (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER: usize = 63;

/// The aggregates a profile can keep up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl Func {
    fn parse(name: &str) -> Option<Func> {
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => Func::Count,
            "sum" => Func::Sum,
            "avg" => Func::Avg,
            "min" => Func::Min,
            "max" => Func::Max,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Avg => "avg",
            Func::Min => "min",
            Func::Max => "max",
        }
    }
}

/// One aggregate as written: `func(arg) FILTER (WHERE filter)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    pub func: Func,
    /// The argument expression; `None` for `count(*)`.
    pub arg: Option<String>,
    /// The FILTER condition, if any.
    pub filter: Option<String>,
}

/// One feature of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub name: String,
    pub aggregate: Aggregate,
    /// The window as written (an interval, e.g. `30 days`): the aggregate is over the rows
    /// whose time lies within it before the reference time.
    pub window: Option<String>,
}

/// Why the features argument cannot be a profile's features.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("features must be a JSON object of \"name\": \"aggregate\" pairs, not {0}")]
    NotAnObject(&'static str),
    #[error("feature \"{feature}\": {reason}")]
    Invalid { feature: String, reason: String },
    #[error("feature \"{feature}\": {what} is not an aggregate a profile can keep")]
    Unsupported { feature: String, what: String },
    #[error("feature \"{feature}\": cannot read the aggregate \"{text}\": {reason}")]
    Syntax {
        feature: String,
        text: String,
        reason: String,
    },
}

/// Parses the `features` object. Keys come out in the order serde_json keeps them
/// (sorted by name), which is the order of the profile's columns.
pub fn parse(features: &Json) -> Result<Vec<Feature>, SpecError> {
    let object = match features {
        Json::Object(map) => map,
        Json::Array(_) => return Err(SpecError::NotAnObject("an array")),
        Json::String(_) => return Err(SpecError::NotAnObject("a string")),
        Json::Null => return Err(SpecError::NotAnObject("null")),
        _ => return Err(SpecError::NotAnObject("a scalar")),
    };
    let mut out = Vec::with_capacity(object.len());
    for (name, value) in object {
        let invalid = |reason: &str| SpecError::Invalid {
            feature: name.clone(),
            reason: reason.to_string(),
        };
        if name.is_empty() {
            return Err(invalid("a feature name cannot be empty"));
        }
        if name.len() > MAX_IDENTIFIER {
            return Err(invalid(&format!(
                "a feature name is at most {MAX_IDENTIFIER} bytes (a Postgres column name)"
            )));
        }
        if name.contains('\0') {
            return Err(invalid("a feature name cannot contain a NUL character"));
        }
        let (text, window) = match value {
            Json::String(text) => (text.as_str(), None),
            Json::Object(map) => {
                if let Some(key) = map.keys().find(|k| *k != "aggregate" && *k != "window") {
                    return Err(invalid(&format!(
                        "unknown key \"{key}\" (a feature object has \"aggregate\" and \"window\")"
                    )));
                }
                let text = match map.get("aggregate") {
                    Some(Json::String(text)) => text.as_str(),
                    Some(_) => return Err(invalid("\"aggregate\" must be a string")),
                    None => return Err(invalid("a feature object needs an \"aggregate\"")),
                };
                let window = match map.get("window") {
                    Some(Json::String(w)) if !w.trim().is_empty() => Some(w.trim().to_string()),
                    Some(Json::String(_)) => return Err(invalid("\"window\" cannot be empty")),
                    Some(_) => {
                        return Err(invalid(
                            "\"window\" must be an interval as a string, e.g. \"30 days\"",
                        ))
                    }
                    None => None,
                };
                (text, window)
            }
            _ => {
                return Err(invalid(
                    "a feature is an aggregate as a string, or an object with \"aggregate\" \
                     and \"window\"",
                ))
            }
        };
        let aggregate = parse_aggregate(name, text)?;
        out.push(Feature {
            name: name.clone(),
            aggregate,
            window,
        });
    }
    Ok(out)
}

/// Parses `func(arg) [FILTER (WHERE condition)]`.
pub fn parse_aggregate(feature: &str, text: &str) -> Result<Aggregate, SpecError> {
    let syntax = |reason: &str| SpecError::Syntax {
        feature: feature.to_string(),
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let unsupported = |what: String| SpecError::Unsupported {
        feature: feature.to_string(),
        what,
    };
    check_lexically_plain(text).map_err(|reason| syntax(&reason))?;

    let mut s = Scanner::new(text);
    s.skip_space();
    let name = s.word();
    if name.is_empty() {
        return Err(syntax(
            "expected an aggregate such as count(*) or sum(amount)",
        ));
    }
    s.skip_space();
    if s.peek() == Some('.') {
        return Err(unsupported(format!(
            "the qualified name \"{}\"",
            s.rest_from(0)
        )));
    }
    if s.peek() != Some('(') {
        return Err(syntax(&format!("expected \"(\" after \"{name}\"")));
    }
    let Some(func) = Func::parse(name) else {
        return Err(unsupported(format!("{name}()")));
    };
    let arg = s
        .parenthesized()
        .map_err(|r| syntax(&r))?
        .trim()
        .to_string();
    let arg = match (func, arg.as_str()) {
        (_, "") => return Err(syntax(&format!("{}() needs an argument", func.name()))),
        (Func::Count, "*") => None,
        (_, "*") => return Err(syntax("only count takes *")),
        _ => {
            let mut inner = Scanner::new(&arg);
            let first = inner.word().to_ascii_lowercase();
            let after = inner.peek();
            // A keyword, not a column named distinct(...)/all(...).
            let keyword = after.is_none_or(|c| c.is_whitespace());
            if keyword && first == "distinct" {
                return Err(unsupported(format!("{}(DISTINCT ...)", func.name())));
            }
            if keyword && first == "all" {
                inner.skip_space();
                Some(inner.rest_from(inner.pos).trim().to_string())
            } else {
                Some(arg)
            }
        }
    };

    s.skip_space();
    let filter = if s.at_end() {
        None
    } else {
        let word = s.word().to_ascii_lowercase();
        match word.as_str() {
            "filter" => {}
            "over" => return Err(unsupported("a window function (OVER ...)".to_string())),
            "within" => return Err(unsupported("an ordered-set aggregate".to_string())),
            _ => {
                return Err(syntax(&format!(
                    "unexpected \"{}\" after the aggregate; only FILTER (WHERE ...) may follow",
                    s.rest_from(s.pos - word.len()).trim()
                )))
            }
        }
        s.skip_space();
        if s.peek() != Some('(') {
            return Err(syntax("expected \"(\" after FILTER"));
        }
        let inside = s.parenthesized().map_err(|r| syntax(&r))?;
        let mut inner = Scanner::new(&inside);
        inner.skip_space();
        if !inner.word().eq_ignore_ascii_case("where") {
            return Err(syntax("FILTER takes (WHERE condition)"));
        }
        let condition = inner.rest_from(inner.pos).trim().to_string();
        if condition.is_empty() {
            return Err(syntax("FILTER (WHERE ...) needs a condition"));
        }
        s.skip_space();
        if !s.at_end() {
            return Err(syntax(&format!(
                "unexpected \"{}\" after FILTER (...)",
                s.rest_from(s.pos).trim()
            )));
        }
        Some(condition)
    };
    Ok(Aggregate { func, arg, filter })
}

/// Refuses what would let an expression reach outside its place in the generated SQL:
/// semicolons, comments and dollar quoting outside string literals, and unbalanced
/// parentheses. Literals and quoted identifiers may contain anything.
fn check_lexically_plain(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => i = end_of_quoted(bytes, i, q)?,
            b';' => return Err("a semicolon is not allowed in an expression".into()),
            b'$' => {
                return Err(
                    "\"$\" is not allowed outside a string literal (write strings as '...')".into(),
                )
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                return Err("comments are not allowed in an expression".into())
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                return Err("comments are not allowed in an expression".into())
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced parentheses".into());
                }
            }
            0 => return Err("a NUL character is not allowed".into()),
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return Err("unbalanced parentheses".into());
    }
    Ok(())
}

/// The index of the quote closing the '...' literal or "..." identifier that opens at
/// `open`. A doubled quote is the quote itself; backslashes are plain characters, as in
/// standard SQL strings. (Quotes and parentheses are ASCII, so byte offsets are safe.)
fn end_of_quoted(bytes: &[u8], open: usize, quote: u8) -> Result<usize, String> {
    let mut i = open + 1;
    loop {
        match bytes.get(i) {
            None if quote == b'\'' => return Err("unterminated string literal".into()),
            None => return Err("unterminated quoted identifier".into()),
            Some(&c) if c == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            Some(&c) if c == quote => return Ok(i),
            Some(_) => i += 1,
        }
    }
}

/// A cursor over an aggregate's text that knows about quotes and parentheses.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn rest_from(&self, pos: usize) -> &'a str {
        &self.text[pos..]
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    /// An unquoted word: letters, digits and underscores.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.text[start..self.pos]
    }

    /// At a "(": returns what is inside the matching ")" and moves past it.
    fn parenthesized(&mut self) -> Result<String, String> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        let mut depth = 1;
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                q @ (b'\'' | b'"') => i = end_of_quoted(bytes, i, q)?,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = i + 1;
                        return Ok(self.text[start..i].to_string());
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err("unbalanced parentheses".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agg(text: &str) -> Result<Aggregate, SpecError> {
        parse_aggregate("f", text)
    }

    #[test]
    fn reads_each_aggregate_kind() {
        assert_eq!(
            agg("count(*)").unwrap(),
            Aggregate {
                func: Func::Count,
                arg: None,
                filter: None
            }
        );
        assert_eq!(
            agg(" COUNT ( amount ) ").unwrap().arg.as_deref(),
            Some("amount")
        );
        assert_eq!(agg("sum(amount * 2)").unwrap().func, Func::Sum);
        assert_eq!(agg("Avg(amount)").unwrap().func, Func::Avg);
        assert_eq!(
            agg("min(f(x, (y)))").unwrap().arg.as_deref(),
            Some("f(x, (y))")
        );
        assert_eq!(agg("max(ALL x)").unwrap().arg.as_deref(), Some("x"));
    }

    #[test]
    fn reads_filters_with_quotes_and_parentheses() {
        let a = agg("count(*) FILTER (WHERE channel = 'web)'' (')").unwrap();
        assert_eq!(a.filter.as_deref(), Some("channel = 'web)'' ('"));
        let a = agg("sum(\"Amount)\") filter(where (a > 1) and \"b(\" = 'x')").unwrap();
        assert_eq!(a.arg.as_deref(), Some("\"Amount)\""));
        assert_eq!(a.filter.as_deref(), Some("(a > 1) and \"b(\" = 'x'"));
    }

    #[test]
    fn refuses_aggregates_it_cannot_keep() {
        for text in [
            "median(x)",
            "count(DISTINCT x)",
            "sum(x) OVER ()",
            "pg_catalog.sum(x)",
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY x)",
        ] {
            assert!(
                matches!(agg(text), Err(SpecError::Unsupported { .. })),
                "{text}: {:?}",
                agg(text)
            );
        }
        // A column that happens to be called distinct is not the keyword.
        assert_eq!(agg("count(distinct_users)").unwrap().func, Func::Count);
    }

    #[test]
    fn refuses_what_does_not_parse() {
        for text in [
            "",
            "sum",
            "sum(",
            "sum()",
            "sum(x))",
            "sum(x) + 1",
            "sum(*)",
            "count(*) FILTER (x > 1)",
            "count(*) FILTER (WHERE )",
            "count(*) FILTER (WHERE x) extra",
            "sum(x); DROP TABLE t",
            "sum(x) -- comment",
            "sum(x /* c */)",
            "sum($1)",
            "sum('unterminated)",
        ] {
            assert!(
                matches!(agg(text), Err(SpecError::Syntax { .. })),
                "{text}: {:?}",
                agg(text)
            );
        }
        // Inside literals, anything goes.
        assert!(agg("count(*) FILTER (WHERE note = '; -- $x /*')").is_ok());
    }

    #[test]
    fn reads_the_features_object() {
        let features = parse(&json!({
            "orders": "count(*)",
            "spend_90d": {"aggregate": "sum(amount)", "window": "90 days"},
        }))
        .unwrap();
        assert_eq!(features.len(), 2);
        assert_eq!(features[0].name, "orders");
        assert_eq!(features[1].window.as_deref(), Some("90 days"));
        assert!(parse(&json!({})).unwrap().is_empty());
    }

    #[test]
    fn refuses_malformed_features() {
        assert!(matches!(
            parse(&json!(["count(*)"])),
            Err(SpecError::NotAnObject(_))
        ));
        for bad in [
            json!({"": "count(*)"}),
            json!({"a": 1}),
            json!({"a": {"window": "1 day"}}),
            json!({"a": {"aggregate": "count(*)", "window": 30}}),
            json!({"a": {"aggregate": "count(*)", "windows": "30 days"}}),
            json!({"a": {"aggregate": "count(*)", "window": " "}}),
            json!({ "x".repeat(64): "count(*)" }),
        ] {
            assert!(
                matches!(parse(&bad), Err(SpecError::Invalid { .. })),
                "{bad}: {:?}",
                parse(&bad)
            );
        }
    }
}
