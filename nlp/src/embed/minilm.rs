//! all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions) run by candle on the CPU, pooled the way
//! sentence-transformers pools it: the mean of the token vectors under the attention mask, then
//! L2-normalised.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::embed::Embedder;
use crate::error::NlpError;
use crate::models::require;

const MODEL: &str = "the sentence model (all-MiniLM-L6-v2)";
/// The model was trained on up to 256 word pieces (`sentence_bert_config.json`); longer input
/// is cut, as sentence-transformers does.
const MAX_TOKENS: usize = 256;

pub struct MiniLm {
    model: BertModel,
    tokenizer: Tokenizer,
    dimension: usize,
    device: Device,
}

impl MiniLm {
    /// Loads the model from its folder (`model.safetensors`, `config.json`, `tokenizer.json`).
    pub fn load(dir: &Path) -> Result<Self, NlpError> {
        let weights = require(dir, "model.safetensors", MODEL)?;
        let config_path = require(dir, "config.json", MODEL)?;
        let tokenizer_path = require(dir, "tokenizer.json", MODEL)?;

        let config_text = std::fs::read_to_string(&config_path)
            .map_err(|error| NlpError::unreadable(&config_path, error))?;
        let config: Config = serde_json::from_str(&config_text)
            .map_err(|error| NlpError::unreadable(&config_path, error))?;
        let dimension = config.hidden_size;

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|error| NlpError::unreadable(&tokenizer_path, error))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|error| NlpError::unreadable(&tokenizer_path, error))?;

        let device = Device::Cpu;
        // Read into memory rather than memory-mapped: mapping is `unsafe` (the file could change
        // under us) and the workspace forbids unsafe code; 90 MB read once per process is cheap.
        let bytes =
            std::fs::read(&weights).map_err(|error| NlpError::unreadable(&weights, error))?;
        let vars = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device)
            .map_err(|error| NlpError::unreadable(&weights, error))?;
        let model = BertModel::load(vars, &config)
            .map_err(|error| NlpError::unreadable(&weights, error))?;
        Ok(Self {
            model,
            tokenizer,
            dimension,
            device,
        })
    }

    fn embed_batch(&self, texts: &[&str]) -> candle_core::Result<Vec<Vec<f32>>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(candle_core::Error::msg)?;
        let rows = encodings.len();
        // Padding makes every encoding as long as the longest.
        let columns = encodings.first().map_or(0, |e| e.get_ids().len());
        let ids: Vec<u32> = encodings
            .iter()
            .flat_map(|e| e.get_ids().to_vec())
            .collect();
        let masks: Vec<u32> = encodings
            .iter()
            .flat_map(|e| e.get_attention_mask().to_vec())
            .collect();
        let input_ids = Tensor::from_vec(ids, (rows, columns), &self.device)?;
        let attention_mask = Tensor::from_vec(masks, (rows, columns), &self.device)?;
        let token_type_ids = input_ids.zeros_like()?;
        let hidden = self
            .model
            .forward(&input_ids, &token_type_ids, Some(&attention_mask))?;
        // Mean over the real tokens only: padding must not pull short sentences towards zero.
        let mask = attention_mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

impl Embedder for MiniLm {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, NlpError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.embed_batch(texts)
            .map_err(|error| NlpError::inference(MODEL, error))
    }

    fn dimension(&self) -> usize {
        self.dimension
    }
}
