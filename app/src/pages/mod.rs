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
use crate::port::PortError;

/// What a page shows once its answer came: the answer, or the error (one
/// place for both), the page then answering with the error's status.
pub(crate) fn loaded<T>(answer: Result<T, PortError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    match answer {
        Ok(answer) => show(answer),
        Err(error) => {
            respond_with(&error);
            view! { <ErrorBox message=error.to_string() /> }.into_any()
        }
    }
}

/// What a page about one thing named by its URL shows: the thing, "not
/// found" (404), or the error.
pub(crate) fn one_of<T>(answer: Result<Option<T>, PortError>, show: impl FnOnce(T) -> AnyView) -> AnyView {
    loaded(answer, |found| match found {
        Some(thing) => show(thing),
        None => view! { <NotFound /> }.into_any(),
    })
}

/// Rendered on the server, the page answers with the error's status (and
/// says when to try again when Meridian is unavailable); pages are rendered
/// whole before they are sent (async SSR), so this reaches the response.
fn respond_with(error: &PortError) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        use http::{HeaderValue, StatusCode, header};
        response.set_status(StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        if matches!(error, PortError::Unavailable(_)) {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from(crate::port::RETRY_AFTER_SECS));
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = error;
}

#[component]
pub fn NotFound() -> impl IntoView {
    respond_with(&PortError::NotFound(String::new()));
    view! {
        <leptos_meta::Title text="Not found · Meridian" />
        <section class="not-found">
            <h1>"Not found"</h1>
            <p>"Nothing is registered at this address. " <a href="/">"Back to the catalog"</a></p>
        </section>
    }
}
