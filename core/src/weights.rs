//! Weight bytes as stored and as loaded (placeholder to be completed by the parameter-count work).
