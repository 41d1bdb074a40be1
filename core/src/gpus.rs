//! Common GPUs and their memory (placeholder to be completed by the calibration work).
