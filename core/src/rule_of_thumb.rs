//! The tutorial's rule-of-thumb memory table (placeholder).
