//! Meridian's web UI (Leptos, server-side rendered and hydrated).
//!
//! - [`model`]: the view models pages show, serializable both ways;
//! - [`port`]: the trait the server implements (server side only); the app
//!   reaches the server through it and nothing else; and [`port::PortError`],
//!   what it fails with, on both sides;
//! - [`server_fns`]: Leptos server functions, thin calls into the port;
//! - [`pages`] and [`components`]: what the user sees.
//!
//! Every page renders fully on the server, so it reads without JavaScript;
//! once hydrated, controls such as the catalog filter react as you type.

// Leptos views are nested types; the release build of the hydrating wasm
// needs more than the default depth to lay out the larger pages' futures.
#![recursion_limit = "256"]

pub mod components;
pub mod model;
pub mod pages;
pub mod port;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this attribute flips once hydrated,
    // which is how browser tests know controls are live.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let demo_mode = Resource::new(|| (), |_| server_fns::demo_mode());

    view! {
        <Stylesheet id="leptos" href="/pkg/meridian.css" />
        <Title text="Meridian" />
        <Router>
            <div class="app" data-hydrated=move || hydrated.get().to_string()>
                <header class="topbar">
                    <A href="/" attr:class="brand">"Meridian"</A>
                    <nav>
                        <A href="/">"Catalog"</A>
                        <A href="/graph">"Graph"</A>
                        <A href="/teams">"Teams"</A>
                        <A href="/apis">"APIs"</A>
                        <A href="/slos">"SLOs"</A>
                        <A href="/deploys">"Deploys"</A>
                        <A href="/insights">"Insights"</A>
                        <A href="/register">"Register"</A>
                        // Demo mode only (`--demo-fleet`).
                        <Suspense>
                            {move || Suspend::new(async move {
                                demo_mode.await.unwrap_or(false).then(|| view! { <A href="/demo">"Demo"</A> })
                            })}
                        </Suspense>
                    </nav>
                    <components::HeaderSearch />
                    <ThemeToggle />
                </header>
                <main>
                    // Async SSR: pages arrive complete, so they read without
                    // JavaScript (streamed Suspense needs scripts to swap in).
                    <Routes fallback=|| view! { <pages::NotFound /> }>
                        <Route path=StaticSegment("") view=pages::CatalogPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("graph") view=pages::GraphPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("register") view=pages::RegisterPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("teams") view=pages::TeamsPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("teams"), ParamSegment("namespace"), ParamSegment("name")) view=pages::TeamPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("apis") view=pages::ApisPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("apis"), ParamSegment("namespace"), ParamSegment("name")) view=pages::ApiPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("insights") view=pages::InsightsPage ssr=SsrMode::Async />
                        <Route path=(StaticSegment("insights"), StaticSegment("drafts"), ParamSegment("service")) view=pages::DraftPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("slos") view=pages::SlosPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("deploys") view=pages::DeploysPage ssr=SsrMode::Async />
                        <Route path=StaticSegment("demo") view=pages::DemoPage ssr=SsrMode::Async />
                        <Route
                            path=(StaticSegment("catalog"), ParamSegment("namespace"), ParamSegment("kind"), ParamSegment("name"))
                            view=pages::EntityPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Light or dark: the system's choice until this button picks one, which
/// is remembered in the browser. Without JavaScript the system's choice holds.
#[component]
fn ThemeToggle() -> impl IntoView {
    let dark = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let stored =
                web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item("meridian-theme").ok().flatten());
            if let Some(theme) = stored {
                apply_theme(&theme);
                dark.set(Some(theme == "dark"));
            }
        }
    });
    let toggle = move |_| {
        let next = if dark.get_untracked() == Some(true) { "light" } else { "dark" };
        #[cfg(feature = "hydrate")]
        {
            apply_theme(next);
            if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = storage.set_item("meridian-theme", next);
            }
        }
        dark.set(Some(next == "dark"));
    };
    view! {
        <button type="button" class="theme-toggle" data-testid="theme-toggle" title="Switch between light and dark" on:click=toggle>
            {move || match dark.get() {
                Some(true) => "Light theme",
                Some(false) => "Dark theme",
                None => "Theme",
            }}
        </button>
    }
}

#[cfg(feature = "hydrate")]
fn apply_theme(theme: &str) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme);
    }
}

/// The browser entry point, called by the generated JS once the WASM loads.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
