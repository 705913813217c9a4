//! Feature extraction shared by training and serving (placeholder).
