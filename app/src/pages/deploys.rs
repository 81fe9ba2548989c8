use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{DeployTimeline, Loading};
use crate::model::DeployQuery;
use crate::pages::loaded;
use crate::server_fns::fetch_deploys;

/// The organisation's deploy timeline, filtered by service, owner,
/// environment and regression in a GET form: the URL holds the view.
#[component]
pub fn DeploysPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        let text = |name: &str| p.get(name).filter(|v| !v.is_empty());
        DeployQuery {
            service: text("service"),
            owner: text("owner"),
            environment: text("environment"),
            regression: match text("regression").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
        }
    };
    let deploys = Resource::new(query, fetch_deploys);
    let options = |name: &'static str, values: Vec<String>, chosen: Option<String>| {
        view! {
        <Title text="Deploys · Meridian" />
            <select name=name>
                <option value="">"any"</option>
                {values.into_iter().map(|value| {
                    let selected = chosen.as_deref() == Some(value.as_str());
                    view! { <option value=value.clone() selected=selected>{value.clone()}</option> }
                }).collect_view()}
            </select>
        }
    };
    view! {
        <section class="deploys-page">
            <h1>"Deploys"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let chosen = query();
                    loaded(deploys.await, |view| view! {
                            <form method="get" action="/deploys" class="filters">
                                <label>"Service " {options("service", view.services.clone(), chosen.service.clone())}</label>
                                <label>"Owner " {options("owner", view.owners.clone(), chosen.owner.clone())}</label>
                                <label>"Environment " {options("environment", view.environments.clone(), chosen.environment.clone())}</label>
                                <label>"Regression "
                                    <select name="regression">
                                        <option value="">"any"</option>
                                        <option value="yes" selected=chosen.regression == Some(true)>"regressions"</option>
                                        <option value="no" selected=chosen.regression == Some(false)>"no regression"</option>
                                    </select>
                                </label>
                                <button type="submit">"Show"</button>
                            </form>
                            <DeployTimeline deploys=view.items with_service=true />
                        }.into_any())
                })}
            </Suspense>
        </section>
    }
}
