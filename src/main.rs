//! Entry point: install the panic hook and mount the app. Everything else lives in the library modules.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ftmem_app::app::App);
}
