//! Splitting text into sentences for retrieval answers: after `.`, `!`, `?` (and their
//! full-width forms) followed by white space, and at line breaks, since documents put
//! headings, table rows and address lines on lines of their own.

/// The byte ranges of the non-empty sentences of `text`, trimmed, in order.
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, ch)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        // "No. 17", "approx. three": a sentence does not go on with a digit or a lower-case word.
        let next_word_starts_sentence = text[at + ch.len_utf8()..]
            .trim_start()
            .chars()
            .next()
            .is_none_or(|next| !next.is_ascii_digit() && !next.is_lowercase());
        let ends = match ch {
            '\n' => Some(at),
            '.' if next_is_space && next_word_starts_sentence => Some(at + 1),
            '!' | '?' if next_is_space => Some(at + 1),
            '。' | '！' | '？' => Some(at + ch.len_utf8()),
            _ => None,
        };
        if let Some(end) = ends {
            push_trimmed(text, start, end, &mut spans);
            start = end;
        }
    }
    push_trimmed(text, start, text.len(), &mut spans);
    spans
}

fn push_trimmed(text: &str, start: usize, end: usize, spans: &mut Vec<(usize, usize)>) {
    let piece = &text[start..end];
    let trimmed_start = start + (piece.len() - piece.trim_start().len());
    let trimmed_end = start + piece.trim_end().len();
    if trimmed_start < trimmed_end {
        spans.push((trimmed_start, trimmed_end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        sentence_spans(text)
            .into_iter()
            .map(|(start, end)| &text[start..end])
            .collect()
    }

    #[test]
    fn splits_on_end_marks_and_lines_but_not_inside_numbers() {
        assert_eq!(
            sentences("Total: 1.250,00 EUR. Pay by 3.4.2024!\nIBAN DE89\n\n  Thanks?  "),
            vec![
                "Total: 1.250,00 EUR.",
                "Pay by 3.4.2024!",
                "IBAN DE89",
                "Thanks?"
            ]
        );
        assert_eq!(sentences("发票已开。请付款"), vec!["发票已开。", "请付款"]);
        assert_eq!(
            sentences("INVOICE No. 2024-17. Approx. three items. Done"),
            vec!["INVOICE No. 2024-17.", "Approx. three items.", "Done"]
        );
        assert!(sentences("  \n ").is_empty());
    }
}
