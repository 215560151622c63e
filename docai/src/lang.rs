//! OCR languages and page segmentation modes, parsed from the names scripts use.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::DocError;

/// Where Debian's `tesseract-ocr-*` packages put the language data.
pub const DEBIAN_TESSDATA: &str = "/usr/share/tesseract-ocr/5/tessdata";

/// The languages Flowbot's documents come in. Chinese documents read best with `chi_sim` alone:
/// it covers Latin letters and digits, while `eng+chi_sim` lets the English model win on lines
/// of Chinese uppercase numerals (measured, `shared/notes/dependencies.md` A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Eng,
    ChiSim,
    EngChiSim,
}

impl Lang {
    /// The tesseract language string.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Eng => "eng",
            Lang::ChiSim => "chi_sim",
            Lang::EngChiSim => "eng+chi_sim",
        }
    }

    /// Whether the output needs the CJK clean-up (spaces between Han characters, NFKC).
    pub fn has_cjk(self) -> bool {
        self != Lang::Eng
    }

    /// Checks that every model file is in `tessdata`, so a missing package is a clear error
    /// instead of tesseract's message on stderr.
    pub(crate) fn check_installed(self, tessdata: &Path, document: &Path) -> Result<(), DocError> {
        for part in self.code().split('+') {
            let file = tessdata.join(format!("{part}.traineddata"));
            if !file.is_file() {
                return Err(DocError::MissingLanguage {
                    path: document.to_path_buf(),
                    language: part.to_owned(),
                    package: part.replace('_', "-"),
                    tessdata: tessdata.to_path_buf(),
                });
            }
        }
        Ok(())
    }
}

impl FromStr for Lang {
    type Err = DocError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "eng" | "en" | "english" => Ok(Lang::Eng),
            "chi_sim" | "zh" | "chinese" => Ok(Lang::ChiSim),
            "eng+chi_sim" | "chi_sim+eng" | "mixed" => Ok(Lang::EngChiSim),
            other => Err(DocError::UnknownLanguage(other.to_owned())),
        }
    }
}

/// Tesseract's page segmentation modes that make sense for documents and screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Segmentation {
    /// PSM 3, the CLI default: finds columns and blocks; keeps big titles.
    Auto,
    /// PSM 4: one column of text of variable sizes.
    SingleColumn,
    /// PSM 6, the C API default: one uniform block; table rows stay rows.
    SingleBlock,
    /// PSM 7.
    SingleLine,
    /// PSM 8.
    SingleWord,
    /// PSM 11: as much text as possible in no particular order (screens, forms).
    Sparse,
}

impl Segmentation {
    pub(crate) fn mode(self) -> tesseract_rs::TessPageSegMode {
        use tesseract_rs::TessPageSegMode as Psm;
        match self {
            Segmentation::Auto => Psm::PSM_AUTO,
            Segmentation::SingleColumn => Psm::PSM_SINGLE_COLUMN,
            Segmentation::SingleBlock => Psm::PSM_SINGLE_BLOCK,
            Segmentation::SingleLine => Psm::PSM_SINGLE_LINE,
            Segmentation::SingleWord => Psm::PSM_SINGLE_WORD,
            Segmentation::Sparse => Psm::PSM_SPARSE_TEXT,
        }
    }
}

impl FromStr for Segmentation {
    type Err = DocError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "auto" | "3" => Ok(Segmentation::Auto),
            "column" | "4" => Ok(Segmentation::SingleColumn),
            "block" | "6" => Ok(Segmentation::SingleBlock),
            "line" | "7" => Ok(Segmentation::SingleLine),
            "word" | "8" => Ok(Segmentation::SingleWord),
            "sparse" | "11" => Ok(Segmentation::Sparse),
            other => Err(DocError::UnknownSegmentation(other.to_owned())),
        }
    }
}

/// The language data folder: `TESSDATA_PREFIX` when set, else Debian's.
pub fn default_tessdata() -> PathBuf {
    std::env::var_os("TESSDATA_PREFIX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEBIAN_TESSDATA))
}
