//! One module per page; each fetches through a server function and renders
//! with components.

mod apis;
mod catalog;
mod demo;
mod deploys;
mod entity;
mod graph;
mod insights;
mod register;
mod slos;
mod teams;

pub use apis::{ApiPage, ApisPage};
pub use catalog::CatalogPage;
pub use demo::DemoPage;
pub use deploys::DeploysPage;
pub use entity::EntityPage;
pub use graph::GraphPage;
pub use insights::{DraftPage, InsightsPage};
pub use register::RegisterPage;
pub use slos::SlosPage;
pub use teams::{TeamPage, TeamsPage};

use leptos::prelude::*;

use crate::components::ErrorBox;

/// What a page shows once its answer came: the answer, or the error (one
/// place for both).
pub(crate) fn loaded<T>(answer: Result<T, ServerFnError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    match answer {
        Ok(answer) => show(answer),
        Err(e) => view! { <ErrorBox message=e.to_string() /> }.into_any(),
    }
}

/// What a page about one thing named by its URL shows: the thing, "not
/// found", or the error.
pub(crate) fn one_of<T>(answer: Result<Option<T>, ServerFnError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    loaded(answer, |found| match found {
        Some(thing) => show(thing),
        None => view! { <NotFound /> }.into_any(),
    })
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="not-found">
            <h1>"Not found"</h1>
            <p>"Nothing is registered at this address. " <a href="/">"Back to the catalog"</a></p>
        </section>
    }
}
