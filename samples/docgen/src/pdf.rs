//! Minimal PDF writing (PDF 1.4): a text-layer page in Helvetica, or a page that is one grey
//! image; and PNGs that carry their resolution (`pHYs`), as scanners write them.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use image::GrayImage;

use crate::GenError;
use crate::canvas::TruthLine;

/// PNG bytes with a `pHYs` chunk saying `dpi`.
pub(crate) fn png_with_dpi(image: &GrayImage, dpi: u32) -> Result<Vec<u8>, GenError> {
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
    let mut data = Vec::with_capacity(9);
    data.extend_from_slice(&per_metre.to_be_bytes());
    data.extend_from_slice(&per_metre.to_be_bytes());
    data.push(1); // unit: metre
    let mut crc = flate2::Crc::new();
    crc.update(b"pHYs");
    crc.update(&data);
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(&9u32.to_be_bytes());
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc.sum().to_be_bytes());
    // After the signature (8 bytes) and IHDR (4 + 4 + 13 + 4 bytes).
    png.splice(33..33, chunk);
    Ok(png)
}

/// A PDF assembled object by object, with the cross-reference table computed at the end.
struct PdfWriter {
    bytes: Vec<u8>,
    offsets: Vec<usize>,
}

impl PdfWriter {
    fn new() -> Self {
        Self {
            bytes: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    /// Appends object number `offsets.len() + 1`.
    fn object(&mut self, body: &[u8]) {
        self.offsets.push(self.bytes.len());
        let number = self.offsets.len();
        self.bytes
            .extend_from_slice(format!("{number} 0 obj\n").as_bytes());
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, dictionary: &str, data: &[u8]) {
        let mut body = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(&body);
    }

    /// Objects 1 (catalog) and 2 (pages) must have been written first.
    fn finish(mut self) -> Vec<u8> {
        let xref = self.bytes.len();
        let count = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {count}\n0000000000 65535 f \n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n \n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        self.bytes.extend_from_slice(table.as_bytes());
        self.bytes
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn points(pixels: u32, dpi: u32) -> f32 {
    pixels as f32 * 72.0 / dpi as f32
}

/// One page showing `image` full-page, no text layer.
pub(crate) fn image_pdf(image: &GrayImage, dpi: u32) -> Vec<u8> {
    let (width, height) = (points(image.width(), dpi), points(image.height(), dpi));
    let mut pdf = PdfWriter::new();
    pdf.object(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.object(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2} {height:.2}] \
             /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>"
        )
        .as_bytes(),
    );
    let content = format!("q {width:.2} 0 0 {height:.2} 0 0 cm /Im0 Do Q");
    pdf.stream("", content.as_bytes());
    pdf.stream(
        &format!(
            "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray \
             /BitsPerComponent 8 /Filter /FlateDecode",
            image.width(),
            image.height()
        ),
        &deflate(image.as_raw()),
    );
    pdf.finish()
}

/// Text in WinAnsiEncoding as a hex string (ASCII plus £ and €).
fn win_ansi_hex(text: &str) -> String {
    let mut hex = String::with_capacity(text.len() * 2 + 2);
    hex.push('<');
    for c in text.chars() {
        let byte = match c {
            '€' => 0x80,
            '£' => 0xA3,
            c if c.is_ascii() => c as u8,
            _ => b'?',
        };
        hex.push_str(&format!("{byte:02X}"));
    }
    hex.push('>');
    hex
}

/// One page with the lines as real text in Helvetica, each word placed where the PNG drew it
/// (the baseline under its ink box).
pub(crate) fn text_pdf(lines: &[TruthLine], width: u32, height: u32, dpi: u32) -> Vec<u8> {
    let k = 72.0 / dpi as f32;
    let (page_w, page_h) = (width as f32 * k, height as f32 * k);
    let mut content = String::from("BT\n");
    for line in lines {
        let font = if line.bold { "/F2" } else { "/F1" };
        // The baseline: the bottom of the line's ink, less descenders (never below it).
        let baseline = page_h - line.bbox[3] * k;
        for word in &line.words {
            content.push_str(&format!(
                "{font} {:.1} Tf 1 0 0 1 {:.2} {:.2} Tm {} Tj\n",
                line.size_pt,
                word.bbox[0] * k,
                baseline,
                win_ansi_hex(&word.text)
            ));
        }
    }
    content.push_str("ET");
    let mut pdf = PdfWriter::new();
    pdf.object(b"<< /Type /Catalog /Pages 2 0 R >>");
    pdf.object(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    pdf.object(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w:.2} {page_h:.2}] \
             /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>"
        )
        .as_bytes(),
    );
    pdf.stream("/Filter /FlateDecode", &deflate(content.as_bytes()));
    pdf.object(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    );
    pdf.object(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    );
    pdf.finish()
}
