//! Server-rendered HTML: escaping, the page frame and the form-field pieces every form uses.

use crate::auth::Session;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:0}header{background:#234;color:#fff;\
padding:8px 16px}header a{color:#fff}main{padding:16px}label{display:inline-block;min-width:12em}\
.field{margin:6px 0}.error{color:#b00}.errors{border:1px solid #b00;padding:8px}\
table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}";

/// A whole page: title, a header with the signed-in user and sign-out, and the body.
pub(crate) fn page(title: &str, session: Option<&Session>, body: &str) -> String {
    let header = match session {
        Some(session) => format!(
            r#"<header><a href="/">Back office</a> · <span id="user">{}</span> · <form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="{}"><button type="submit">Sign out</button></form></header>"#,
            escape(&session.user),
            escape(&session.csrf)
        ),
        None => "<header>Back office</header>".to_owned(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\n<body>{header}<main>\n{body}\n</main></body></html>\n",
        escape(title)
    )
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(session: &Session) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        escape(&session.csrf)
    )
}

/// The validation summary at the top of a form, one line per message.
pub(crate) fn error_summary(errors: &[(String, String)]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let items: String = errors
        .iter()
        .map(|(field, message)| {
            format!(
                "<li data-field=\"{}\">{}</li>",
                escape(field),
                escape(message)
            )
        })
        .collect();
    format!(
        "<div class=\"errors\" role=\"alert\"><p>Please correct the following:</p><ul id=\"errors\">{items}</ul></div>"
    )
}

/// The message next to one field, if it has one.
pub(crate) fn field_error(errors: &[(String, String)], field: &str) -> String {
    errors
        .iter()
        .find(|(name, _)| name == field)
        .map(|(_, message)| {
            format!(
                r#" <span class="error" id="{field}-error">{}</span>"#,
                escape(message)
            )
        })
        .unwrap_or_default()
}

/// `<option>`s with `selected` on the current value; the first option is an empty prompt.
pub(crate) fn options(choices: &[(&str, &str)], current: &str) -> String {
    let mut out = String::from(r#"<option value="">— choose —</option>"#);
    for (value, text) in choices {
        let selected = if *value == current { " selected" } else { "" };
        out.push_str(&format!(
            r#"<option value="{}"{selected}>{}</option>"#,
            escape(value),
            escape(text)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            super::escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}
