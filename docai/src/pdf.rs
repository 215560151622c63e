//! PDF input through Debian's poppler-utils: `pdfinfo` (pages, encryption), `pdftotext -bbox`
//! (the text layer with word boxes, in points) and `pdftoppm` (a page as a grey PGM for OCR).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;

use crate::engine::{BBox, Line, PageText, Word};
use crate::error::DocError;

/// A page's size in points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PageSize {
    pub(crate) width: f32,
    pub(crate) height: f32,
}

pub(crate) struct PdfInfo {
    pub(crate) pages: usize,
}

fn run(tool: &'static str, args: &[&std::ffi::OsStr], path: &Path) -> Result<Output, DocError> {
    Command::new(tool)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => DocError::ToolMissing {
                tool,
                package: "poppler-utils",
                path: path.to_path_buf(),
            },
            _ => DocError::Tool {
                tool,
                path: path.to_path_buf(),
                message: source.to_string(),
            },
        })
}

/// Classifies a poppler failure: a password, a broken file, or something else.
fn failure(tool: &'static str, path: &Path, output: &Output) -> DocError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    if stderr.contains("Incorrect password") {
        DocError::PasswordProtected {
            path: path.to_path_buf(),
        }
    } else if stderr.contains("Invalid page count 0") {
        // poppler refuses a well-formed PDF whose page tree is empty as a syntax error.
        DocError::NoPages {
            path: path.to_path_buf(),
        }
    } else if stderr.contains("May not be a PDF")
        || stderr.contains("Couldn't")
        || stderr.contains("xref")
        || stderr.contains("Syntax Error")
    {
        DocError::CorruptPdf {
            path: path.to_path_buf(),
            message,
        }
    } else {
        DocError::Tool {
            tool,
            path: path.to_path_buf(),
            message,
        }
    }
}

pub(crate) fn info(path: &Path) -> Result<PdfInfo, DocError> {
    let output = run("pdfinfo", &[path.as_os_str()], path)?;
    if !output.status.success() {
        return Err(failure("pdfinfo", path, &output));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pages = stdout
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .ok_or_else(|| DocError::CorruptPdf {
            path: path.to_path_buf(),
            message: "pdfinfo reports no page count".to_owned(),
        })?;
    Ok(PdfInfo { pages })
}

/// The text layer of every page (text from `pdftotext -layout`), with word and line boxes in
/// points from `pdftotext -bbox-layout`, plus each page's size.
pub(crate) fn text_layer(path: &Path, pages: usize) -> Result<Vec<(PageSize, PageText)>, DocError> {
    let last = pages.to_string();
    let output = run(
        "pdftotext",
        &[
            "-bbox-layout".as_ref(),
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            last.as_ref(),
            path.as_os_str(),
            "-".as_ref(),
        ],
        path,
    )?;
    if !output.status.success() {
        return Err(failure("pdftotext", path, &output));
    }
    let mut pages = parse_bbox_layout(&String::from_utf8_lossy(&output.stdout));
    // The page text in reading order comes from `-layout`, which keeps table rows together;
    // `-bbox-layout` orders by text blocks.
    let layout = run(
        "pdftotext",
        &[
            "-layout".as_ref(),
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            last.as_ref(),
            path.as_os_str(),
            "-".as_ref(),
        ],
        path,
    )?;
    if !layout.status.success() {
        return Err(failure("pdftotext", path, &layout));
    }
    let text = String::from_utf8_lossy(&layout.stdout);
    for ((_, page), text) in pages.iter_mut().zip(text.split('\u{c}')) {
        page.text = text.to_owned();
    }
    Ok(pages)
}

/// Parses `pdftotext -bbox-layout` XHTML: `<page width height>` holding `<line>`s holding
/// `<word xMin yMin xMax yMax>text</word>`.
fn parse_bbox_layout(xhtml: &str) -> Vec<(PageSize, PageText)> {
    let page_re = Regex::new(r#"<page width="([\d.]+)" height="([\d.]+)">"#).expect("valid regex");
    let line_re = Regex::new(r"(?s)<line [^>]*>(.*?)</line>").expect("valid regex");
    let word_re = Regex::new(
        r#"<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>"#,
    )
    .expect("valid regex");
    let mut pages = Vec::new();
    let starts: Vec<_> = page_re.captures_iter(xhtml).collect();
    for (index, captures) in starts.iter().enumerate() {
        let whole = captures.get(0).expect("match");
        let end = starts
            .get(index + 1)
            .and_then(|next| next.get(0))
            .map_or(xhtml.len(), |next| next.start());
        let body = &xhtml[whole.end()..end];
        let size = PageSize {
            width: captures[1].parse().unwrap_or(0.0),
            height: captures[2].parse().unwrap_or(0.0),
        };
        let mut page = PageText::default();
        for line in line_re.captures_iter(body) {
            let line_index = page.lines.len();
            let words: Vec<Word> = word_re
                .captures_iter(&line[1])
                .map(|word| Word {
                    text: unescape(&word[5]),
                    bbox: BBox {
                        left: word[1].parse().unwrap_or(0.0),
                        top: word[2].parse().unwrap_or(0.0),
                        right: word[3].parse().unwrap_or(0.0),
                        bottom: word[4].parse().unwrap_or(0.0),
                    },
                    confidence: 100.0,
                    line: line_index,
                })
                .collect();
            let Some(first) = words.first() else { continue };
            let bbox = words.iter().fold(first.bbox, |acc, word| BBox {
                left: acc.left.min(word.bbox.left),
                top: acc.top.min(word.bbox.top),
                right: acc.right.max(word.bbox.right),
                bottom: acc.bottom.max(word.bbox.bottom),
            });
            let text = words
                .iter()
                .map(|word| word.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            page.text.push_str(&text);
            page.text.push('\n');
            page.lines.push(Line {
                text,
                bbox,
                confidence: 100.0,
            });
            page.words.extend(words);
        }
        pages.push((size, page));
    }
    pages
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The resolution of the largest image on each page (`pdfimages -list`), so a scanned page is
/// rasterised at the resolution it was scanned at: upsampling a scan enlarges its noise.
pub(crate) fn image_dpi(path: &Path, pages: usize) -> Result<Vec<Option<u32>>, DocError> {
    let last = pages.to_string();
    let output = run(
        "pdfimages",
        &[
            "-list".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            last.as_ref(),
            path.as_os_str(),
        ],
        path,
    )?;
    if !output.status.success() {
        return Err(failure("pdfimages", path, &output));
    }
    Ok(parse_image_list(
        &String::from_utf8_lossy(&output.stdout),
        pages,
    ))
}

/// Parses `pdfimages -list`: `page num type width height color comp bpc enc interp object ID
/// x-ppi y-ppi size ratio`, after two header lines.
fn parse_image_list(list: &str, pages: usize) -> Vec<Option<u32>> {
    let mut best: Vec<Option<(u64, u32)>> = vec![None; pages];
    for line in list.lines().skip(2) {
        let columns: Vec<&str> = line.split_whitespace().collect();
        let (Some(page), Some(width), Some(height), Some(ppi)) = (
            columns.first().and_then(|v| v.parse::<usize>().ok()),
            columns.get(3).and_then(|v| v.parse::<u64>().ok()),
            columns.get(4).and_then(|v| v.parse::<u64>().ok()),
            columns.get(12).and_then(|v| v.parse::<u32>().ok()),
        ) else {
            continue;
        };
        if let Some(slot) = page.checked_sub(1).and_then(|index| best.get_mut(index))
            && slot.is_none_or(|(area, _)| width * height > area)
        {
            *slot = Some((width * height, ppi));
        }
    }
    best.into_iter()
        .map(|page| page.map(|(_, ppi)| ppi))
        .collect()
}

/// Renders page `number` (1-based) as a grey PGM at `dpi` into `dir`; returns its path. PGM,
/// not PNG: encoding a noisy scan as PNG took pdftoppm 3.6 s of its 3.9 s per A4 page.
pub(crate) fn rasterise(
    path: &Path,
    number: usize,
    dpi: u32,
    dir: &Path,
) -> Result<PathBuf, DocError> {
    let prefix = dir.join(format!("page-{number}"));
    let page = number.to_string();
    let resolution = dpi.to_string();
    let output = run(
        "pdftoppm",
        &[
            "-f".as_ref(),
            page.as_ref(),
            "-l".as_ref(),
            page.as_ref(),
            "-r".as_ref(),
            resolution.as_ref(),
            "-gray".as_ref(),
            "-singlefile".as_ref(),
            path.as_os_str(),
            prefix.as_os_str(),
        ],
        path,
    )?;
    if !output.status.success() {
        return Err(failure("pdftoppm", path, &output));
    }
    Ok(prefix.with_extension("pgm"))
}

#[cfg(test)]
mod tests {
    use super::{parse_bbox_layout, parse_image_list};

    #[test]
    fn image_list_gives_the_largest_image_resolution_per_page() {
        let list = "page   num  type   width height color comp bpc  enc interp  object ID x-ppi y-ppi size ratio
--------------------------------------------------------------------------------------------
   1     0 image    1654  2339  gray    1   8  image  no         5  0   200   200 2.4M  64%
   1     1 image     100   100  gray    1   8  image  no         6  0    72    72  10K  64%
   3     2 image    2480  3508  gray    1   8  image  no         9  0   300   300 2.4M  64%
";
        assert_eq!(parse_image_list(list, 3), [Some(200), None, Some(300)]);
    }

    #[test]
    fn bbox_layout_gives_pages_lines_and_words() {
        let xhtml = r#"<doc>
<page width="595.000000" height="842.000000">
<flow><block xMin="1" yMin="1" xMax="2" yMax="2">
<line xMin="56.0" yMin="70.0" xMax="160.0" yMax="84.0">
<word xMin="56.0" yMin="70.0" xMax="100.0" yMax="84.0">Invoice</word>
<word xMin="104.0" yMin="70.0" xMax="160.0" yMax="84.0">A&amp;B</word>
</line>
</block></flow>
</page>
<page width="595.000000" height="842.000000">
</page>
</doc>"#;
        let pages = parse_bbox_layout(xhtml);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].0.width, 595.0);
        assert_eq!(pages[0].1.text, "Invoice A&B\n");
        assert_eq!(pages[0].1.words[1].bbox.left, 104.0);
        assert_eq!(pages[0].1.lines[0].bbox.right, 160.0);
        assert!(pages[1].1.words.is_empty());
    }
}
