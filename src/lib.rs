//! ftmem web app: a Leptos 0.8 client-side-rendered view over the estimator core `ftmem-core`.
//!
//! Data flow (one way): model source ([`model_source`], [`hub`]) → `config.json` text →
//! [`ftmem_core::parse_config`] → architecture ([`arch_panel`]) → [`ftmem_core::estimate`] with the
//! [`controls`]' settings → breakdown ([`breakdown`]) and rule of thumb ([`rule_of_thumb`]). Settings live in the
//! query string ([`url_state`]); the Hub endpoint lives in local storage ([`settings_panel`]).
//!
//! Pure logic (Hub id normalisation, HTTP status → message, query handling, number formatting) is in plain
//! functions so that it is testable without a DOM.

pub mod answer;
pub mod app;
pub mod arch_panel;
pub mod breakdown;
pub mod chart;
pub mod checkpoint;
pub mod compare_panel;
pub mod controls;
pub mod deferred;
pub mod error;
pub mod fit_panel;
pub mod fits;
pub mod export_panel;
pub mod format;
pub mod hub;
pub mod lazy;
pub mod i18n;
pub mod model_source;
pub mod presets;
pub mod rule_of_thumb;
pub mod serve_panel;
pub mod settings_panel;
pub mod share;
pub mod url_state;
pub mod warnings;
