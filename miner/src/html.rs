//! One self-contained HTML page around a model picture (no scripts, no external resources), so
//! a model can be mailed or opened from a share like the process maps.

use crate::xml_text::escape;

/// The page: a heading, one line saying what is shown, and the SVG inline.
pub fn page(title: &str, summary: &str, svg: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title} — Flowbot</title>\n<style>\nbody {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5rem; color: #222; }}\n.model {{ overflow: auto; border: 1px solid #ccd; }}\ng:hover rect, g:hover circle, g:hover polygon {{ fill: #dde7f5; }}\n</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{summary}</p>\n<div class=\"model\">\n{svg}</div>\n</body>\n</html>\n",
        title = escape(title),
        summary = escape(summary),
    )
}
