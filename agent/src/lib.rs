//! The Flowbot robot: runs sandboxed rhai scripts whose steps drive browsers, desktop apps,
//! OCR and NLP, and emits one `flowbot_model::Event` per step.
//!
//! The runtime arrives with the "Agent I" issue; this crate is the seam it plugs into.
