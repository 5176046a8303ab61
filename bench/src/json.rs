//! The JSON `toy bench --out` writes (every table: title, note, header,
//! rows of cell texts) and the little reader `--compare` needs to read it
//! back: strings, numbers, `true`/`false`/`null`, arrays and objects.

use std::fmt::Write as _;

use crate::tables::Table;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        if let Json::String(s) = self { Some(s) } else { None }
    }

    pub fn as_array(&self) -> &[Json] {
        if let Json::Array(a) = self { a } else { &[] }
    }
}

/// `s` as a JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The tables as `{"machine": ..., "tables": [{"title", "note", "header", "rows"}]}`.
pub fn tables_json(tables: &[Table]) -> String {
    let list = |cells: &[String]| format!("[{}]", cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "));
    let mut out = format!("{{\n  \"machine\": {},\n  \"tables\": [", quote(&crate::machine()));
    for (i, t) in tables.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n    {{\n      \"title\": {},\n      \"note\": {},\n      \"header\": {},\n      \"rows\": [",
            if i == 0 { "" } else { "," },
            quote(&t.title),
            quote(&t.note),
            list(&t.header)
        );
        for (j, r) in t.rows.iter().enumerate() {
            let _ = write!(out, "{}\n        {}", if j == 0 { "" } else { "," }, list(r));
        }
        out.push_str("\n      ]\n    }");
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// Reads back the tables of [`tables_json`].
pub fn parse_tables(text: &str) -> Result<Vec<Table>, String> {
    let json = parse(text)?;
    let strings = |v: &Json| v.as_array().iter().map(|c| c.as_str().unwrap_or("").to_owned()).collect::<Vec<_>>();
    let tables = json.get("tables").ok_or("no \"tables\" in it")?;
    Ok(tables
        .as_array()
        .iter()
        .map(|t| Table {
            title: t.get("title").and_then(Json::as_str).unwrap_or("").to_owned(),
            note: t.get("note").and_then(Json::as_str).unwrap_or("").to_owned(),
            header: t.get("header").map(strings).unwrap_or_default(),
            rows: t.get("rows").map(|r| r.as_array().iter().map(strings).collect()).unwrap_or_default(),
        })
        .collect())
}

/// Parses a JSON document.
pub fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at byte {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                if self.eat(b'}') {
                    return Ok(Json::Object(fields));
                }
                loop {
                    self.ws();
                    let Json::String(k) = self.value()? else { return self.err("expected a key") };
                    if !self.eat(b':') {
                        return self.err("expected ':'");
                    }
                    fields.push((k, self.value()?));
                    if self.eat(b'}') {
                        return Ok(Json::Object(fields));
                    }
                    if !self.eat(b',') {
                        return self.err("expected ',' or '}'");
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(b']') {
                        return Ok(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return self.err("expected ',' or ']'");
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return self.err("unterminated string"),
                        Some(b'"') => {
                            self.i += 1;
                            return String::from_utf8(out).map(Json::String).map_err(|e| e.to_string());
                        }
                        Some(b'\\') => {
                            let c = self.s.get(self.i + 1).copied();
                            self.i += 2;
                            let ch = match c {
                                Some(b'n') => '\n',
                                Some(b't') => '\t',
                                Some(b'r') => '\r',
                                Some(b'b') => '\u{8}',
                                Some(b'f') => '\u{c}',
                                Some(b'u') => {
                                    let hex = self.s.get(self.i..self.i + 4).unwrap_or(b"");
                                    let code =
                                        std::str::from_utf8(hex).ok().and_then(|h| u32::from_str_radix(h, 16).ok());
                                    self.i += 4;
                                    code.and_then(char::from_u32).unwrap_or('\u{fffd}')
                                }
                                Some(c) => c as char,
                                None => return self.err("unterminated string"),
                            };
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        Some(&c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                while self.i < self.s.len() && matches!(self.s[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
                text.parse().map(Json::Number).map_err(|_| format!("bad number {text:?} at byte {start}"))
            }
            _ => self.err("expected a value"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_round_trip() {
        let mut t = Table::new("a \"title\"", "note\nwith\ttabs ÷ µs");
        t.header = vec!["x".into(), "y".into()];
        t.rows = vec![vec!["1".into(), "≈ 2.0 (1.9–2.1)".into()], vec!["\\".into(), "".into()]];
        let back = parse_tables(&tables_json(&[t.clone(), Table::new("empty", "")])).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            (&back[0].title, &back[0].note, &back[0].header, &back[0].rows),
            (&t.title, &t.note, &t.header, &t.rows)
        );
        assert_eq!(parse(" [1, -2.5e1, true, null, {}] ").unwrap().as_array()[1], Json::Number(-25.0));
        assert!(parse("[1,").is_err());
    }
}
