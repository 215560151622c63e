//! Locator strings: how a script names an element. A locator is one or more parts joined by
//! ` >> `, each searched inside the matches of the one before (Playwright's chaining):
//!
//! | part | finds |
//! |---|---|
//! | `css=#save` or plain `#save` | CSS, piercing open shadow roots |
//! | `xpath=//button` or plain `//button` | XPath |
//! | `text=Save` / `text="Save"` | the innermost elements containing / exactly equal to the text |
//! | `label=Email` / `label="Email"` | the control a label names: `<label for>`, a wrapping label, `aria-labelledby`, `aria-label`, placeholder, else the nearest preceding text |
//! | `role=button[name="Save"]` | ARIA role (explicit or implicit) and accessible name |
//! | `placeholder=Search` | controls by placeholder |
//! | `nth=0`, `nth=-1` | one of the matches so far |
//! | `frame=iframe#pay` | continue inside a (same-origin) frame |
//!
//! Unquoted texts match ignoring case, spacing and a trailing `:`/`*`; an equal match wins over
//! a containing one. Quoted texts must be equal.

use serde::Serialize;

/// One step of a locator, as the page's engine (`engine.js`) takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Part {
    Css {
        value: String,
    },
    Xpath {
        value: String,
    },
    Text {
        value: String,
        exact: bool,
    },
    Label {
        value: String,
        exact: bool,
    },
    Placeholder {
        value: String,
        exact: bool,
    },
    Role {
        role: String,
        name: Option<String>,
        exact: bool,
    },
    Nth {
        index: i64,
    },
    Frame {
        css: String,
    },
}

/// A parsed locator, remembering the text it came from for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Locator {
    pub(crate) source: String,
    pub(crate) parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("locator `{locator}`: {message}")]
pub(crate) struct LocatorSyntaxError {
    pub(crate) locator: String,
    pub(crate) message: String,
}

impl Locator {
    pub(crate) fn parse(source: &str) -> Result<Self, LocatorSyntaxError> {
        let fail = |message: String| LocatorSyntaxError {
            locator: source.to_owned(),
            message,
        };
        let pieces = split_chain(source);
        if pieces.iter().all(|piece| piece.trim().is_empty()) {
            return Err(fail("is empty".to_owned()));
        }
        let parts = pieces
            .iter()
            .map(|piece| parse_part(piece.trim()).map_err(&fail))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    /// Whether the locator picks one match itself (`nth=`), so several matches are expected.
    pub(crate) fn picks_one(&self) -> bool {
        matches!(self.parts.last(), Some(Part::Nth { .. }))
    }
}

/// Splits on ` >> ` outside double quotes.
fn split_chain(source: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut rest = source;
    while let Some(ch) = rest.chars().next() {
        if ch == '"' {
            quoted = !quoted;
        }
        if !quoted && rest.starts_with(" >> ") {
            pieces.push(std::mem::take(&mut current));
            rest = &rest[4..];
            continue;
        }
        current.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    pieces.push(current);
    pieces
}

/// `"Save"` → (`Save`, exact); `Save` → (`Save`, loose).
fn text_value(value: &str) -> Result<(String, bool), String> {
    let value = value.trim();
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        Ok((value[1..value.len() - 1].to_owned(), true))
    } else if value.is_empty() {
        Err("a text part needs a text".to_owned())
    } else {
        Ok((value.to_owned(), false))
    }
}

fn parse_part(piece: &str) -> Result<Part, String> {
    if piece.is_empty() {
        return Err("has an empty part around `>>`".to_owned());
    }
    let (prefix, value) = match piece.split_once('=') {
        Some((prefix, value))
            if prefix
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '_')
                && !prefix.is_empty() =>
        {
            (prefix, value)
        }
        _ if piece.starts_with("//") || piece.starts_with("(//") => ("xpath", piece),
        _ => ("css", piece),
    };
    Ok(match prefix {
        "css" => Part::Css {
            value: value.to_owned(),
        },
        "xpath" => Part::Xpath {
            value: value.to_owned(),
        },
        "text" => {
            let (value, exact) = text_value(value)?;
            Part::Text { value, exact }
        }
        "label" => {
            let (value, exact) = text_value(value)?;
            Part::Label { value, exact }
        }
        "placeholder" => {
            let (value, exact) = text_value(value)?;
            Part::Placeholder { value, exact }
        }
        "role" => parse_role(value)?,
        "nth" => Part::Nth {
            index: value
                .trim()
                .parse()
                .map_err(|_| format!("`nth={value}` needs a whole number"))?,
        },
        "frame" => Part::Frame {
            css: value.to_owned(),
        },
        // `input[name=email]` has an `=` too: anything that is not a known prefix is CSS.
        _ => Part::Css {
            value: piece.to_owned(),
        },
    })
}

/// `button`, `button[name=Save]`, `button[name="Save"]`.
fn parse_role(value: &str) -> Result<Part, String> {
    let value = value.trim();
    let (role, name) = match value.split_once('[') {
        None => (value, None),
        Some((role, rest)) => {
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("`role={value}` is missing its closing `]`"))?;
            let name = inner
                .trim()
                .strip_prefix("name=")
                .ok_or_else(|| format!("`role={value}`: only [name=…] is supported"))?;
            (role, Some(text_value(name)?))
        }
    };
    if role.is_empty() || !role.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Err(format!("`{role}` is not a role name"));
    }
    Ok(Part::Role {
        role: role.to_owned(),
        exact: name.as_ref().is_some_and(|(_, exact)| *exact),
        name: name.map(|(name, _)| name),
    })
}

/// Quotes a text for a locator part when it would otherwise be misread.
pub(crate) fn quoted_if_needed(text: &str) -> String {
    if text.contains(" >> ") || text.starts_with('"') {
        format!("\"{}\"", text.replace('"', ""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(source: &str) -> Vec<Part> {
        Locator::parse(source).unwrap().parts
    }

    #[test]
    fn plain_text_is_css_or_xpath_and_prefixes_choose_the_engine() {
        assert_eq!(
            parts("#save"),
            [Part::Css {
                value: "#save".into()
            }]
        );
        assert_eq!(
            parts("input[name=email]"),
            [Part::Css {
                value: "input[name=email]".into()
            }]
        );
        assert_eq!(
            parts("//button[1]"),
            [Part::Xpath {
                value: "//button[1]".into()
            }]
        );
        assert_eq!(
            parts("label=Email"),
            [Part::Label {
                value: "Email".into(),
                exact: false
            }]
        );
        assert_eq!(
            parts("text=\"Sign in\""),
            [Part::Text {
                value: "Sign in".into(),
                exact: true
            }]
        );
    }

    #[test]
    fn chains_split_outside_quotes_only() {
        assert_eq!(
            parts("frame=#pay >> label=\"a >> b\" >> nth=-1"),
            [
                Part::Frame { css: "#pay".into() },
                Part::Label {
                    value: "a >> b".into(),
                    exact: true
                },
                Part::Nth { index: -1 },
            ]
        );
    }

    #[test]
    fn roles_take_an_optional_name() {
        assert_eq!(
            parts("role=button[name=\"Save\"]"),
            [Part::Role {
                role: "button".into(),
                name: Some("Save".into()),
                exact: true
            }]
        );
        assert_eq!(
            parts("role=link"),
            [Part::Role {
                role: "link".into(),
                name: None,
                exact: false
            }]
        );
    }

    #[test]
    fn malformed_locators_are_refused_with_the_reason() {
        for (bad, reason) in [
            ("", "is empty"),
            ("nth=first", "whole number"),
            ("role=button[name=Save", "closing"),
            ("#a >>  >> #b", "empty part"),
            ("label=", "needs a text"),
        ] {
            let error = Locator::parse(bad).unwrap_err();
            assert!(error.to_string().contains(reason), "{bad}: {error}");
        }
    }
}
