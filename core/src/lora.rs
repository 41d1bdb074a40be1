//! LoRA adapter parameters (placeholder to be completed by the parameter-count work).
