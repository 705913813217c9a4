//! Training (filled in by the classifier work).
