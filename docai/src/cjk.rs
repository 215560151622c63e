//! Clean-up of tesseract's CJK output: it separates Han characters with spaces ("发 票 号 码")
//! and mixes full-width and ASCII punctuation. NFKC folds full-width forms (`：（１`) to ASCII,
//! then spaces between two CJK characters are dropped.

use unicode_normalization::UnicodeNormalization;

/// Han ideographs, CJK punctuation, kana and full-width forms: characters between which a
/// space is never meaningful in Chinese text.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // half- and full-width forms
        | '\u{20000}'..='\u{2FA1F}')
}

/// NFKC, then removes horizontal whitespace whose neighbours on both sides are CJK.
pub fn clean_cjk(text: &str) -> String {
    let normalised: Vec<char> = text.nfkc().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < normalised.len() {
        let c = normalised[index];
        if c == ' ' || c == '\t' {
            let run_end = normalised[index..]
                .iter()
                .position(|&next| next != ' ' && next != '\t')
                .map_or(normalised.len(), |offset| index + offset);
            let before = out.chars().next_back();
            let after = normalised.get(run_end).copied();
            let joins_cjk = before.is_some_and(is_cjk) && after.is_some_and(is_cjk);
            if !joins_cjk {
                out.extend(&normalised[index..run_end]);
            }
            index = run_end;
        } else {
            out.push(c);
            index += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean_cjk;

    #[test]
    fn spaces_between_han_characters_go_latin_spaces_stay() {
        assert_eq!(
            clean_cjk("发 票 号 码 : 12345678 Total due"),
            "发票号码 : 12345678 Total due"
        );
    }

    #[test]
    fn full_width_forms_fold_to_ascii() {
        assert_eq!(
            clean_cjk("价税合计（小写）：￥１２３"),
            "价税合计(小写):¥123"
        );
    }

    #[test]
    fn newlines_are_kept() {
        assert_eq!(clean_cjk("开 票\n日 期"), "开票\n日期");
    }
}
