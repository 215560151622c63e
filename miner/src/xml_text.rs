//! Small pieces every XML reader and writer of the miner shares (PNML, BPMN, SVG pictures).

use quick_xml::events::BytesStart;

/// The unescaped value of the attribute with local name `name` (any namespace prefix).
pub(crate) fn attribute(element: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|attribute| attribute.key.local_name().as_ref() == name)
        .and_then(|attribute| attribute.unescape_value().ok().map(|v| v.into_owned()))
}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: u64) -> u64 {
    let end = (offset as usize).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// `text` escaped for XML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}
