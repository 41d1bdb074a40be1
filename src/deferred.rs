//! Slow browser writes kept off the input → numbers path (issue 6 §5).
//!
//! `history.replaceState` (the settings in the link) and `document.title` each cost milliseconds in Chromium (the
//! browser process is told of each), far more than the estimate itself. Done inside the reactive update they
//! delay the new numbers, since the page is only updated once every effect of the input has run. A [`Deferred`]
//! hands the latest value to its write in a task after the current one instead: the numbers are in the page first,
//! and a burst of edits (typing `128`) writes once, with the last value.

use leptos::prelude::*;
use std::time::Duration;

/// The latest value waiting for a slow write, written in a later task (`setTimeout` 0). Copy; lives as long as
/// the reactive owner it was made in (a write still waiting when that owner is gone is dropped).
pub struct Deferred<T: Send + Sync + 'static> {
    latest: StoredValue<Option<T>>,
    queued: StoredValue<bool>,
}

impl<T: Send + Sync + 'static> Clone for Deferred<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Deferred<T> {}

impl<T: Send + Sync + 'static> Default for Deferred<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> Deferred<T> {
    /// Nothing waiting.
    pub fn new() -> Self {
        Self {
            latest: StoredValue::new(None),
            queued: StoredValue::new(false),
        }
    }

    /// Have `write(value)` run in a later task. A value still waiting is replaced (only the last one is written,
    /// once); `write` is the one given when nothing was waiting.
    pub fn put(&self, value: T, write: impl FnOnce(T) + 'static) {
        if self.latest.try_set_value(Some(value)).is_some() {
            return; // owner gone
        }
        if self.queued.get_value() {
            return;
        }
        self.queued.set_value(true);
        let (latest, queued) = (self.latest, self.queued);
        set_timeout(
            move || {
                let _ = queued.try_set_value(false);
                if let Some(Some(v)) = latest.try_update_value(Option::take) {
                    write(v);
                }
            },
            Duration::ZERO,
        );
    }

    /// Drop the value waiting, if any (the write then does nothing).
    pub fn cancel(&self) {
        let _ = self.latest.try_set_value(None);
    }
}
