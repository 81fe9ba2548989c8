use leptos::prelude::*;

use leptos_router::hooks::use_query_map;

use crate::components::{ErrorBox, Loading, Problems};
use crate::model::{Level, RegistrationView, entity_href};
use crate::server_fns::{RegisterEntities, RegisterLocation, fetch_draft};

const EXAMPLE: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: my-service\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n";

/// Two ways in: paste descriptor YAML, or give a location (a path on the
/// server or a URL on its allow-list). Preview shows what would be registered
/// with every problem at its line and column; registering needs an API token.
/// `?draft=SERVICE` starts from the drafted `catalog-info.yaml` of a service
/// seen in traffic but missing from the catalog (Insights page).
#[component]
pub fn RegisterPage() -> impl IntoView {
    let params = use_query_map();
    let draft_of = move || params.read().get("draft").filter(|s| !s.is_empty());
    let initial = Resource::new(draft_of, |service| async move {
        match service {
            Some(service) => fetch_draft(service).await.map(|draft| draft.yaml),
            None => Ok(EXAMPLE.to_string()),
        }
    });
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match initial.await {
                    Ok(initial) => view! { <RegisterForm initial /> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.to_string() /> <RegisterForm initial=EXAMPLE.to_string() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RegisterForm(initial: String) -> impl IntoView {
    let yaml = RwSignal::new(initial.clone());
    let target = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let from_yaml = ServerAction::<RegisterEntities>::new();
    let from_location = ServerAction::<RegisterLocation>::new();
    // Whichever was used last is shown.
    let last_used_location = RwSignal::new(false);
    let submit_yaml = move |dry_run: bool| {
        last_used_location.set(false);
        from_yaml.dispatch(RegisterEntities { yaml: yaml.get_untracked(), token: token.get_untracked(), dry_run });
    };
    let submit_location = move |dry_run: bool| {
        last_used_location.set(true);
        from_location.dispatch(RegisterLocation { target: target.get_untracked(), token: token.get_untracked(), dry_run });
    };
    let outcome = move || {
        let result = if last_used_location.get() { from_location.value().get() } else { from_yaml.value().get() };
        result.map(|result| match result {
            Ok(view) => view! { <Outcome view /> }.into_any(),
            Err(e) => view! { <ErrorBox message=e.to_string() /> }.into_any(),
        })
    };
    view! {
        <section class="register">
            <h1>"Register entities"</h1>
            <label class="token">
                "API token (needed to register, not to preview) "
                <input
                    type="password"
                    placeholder="API token"
                    data-testid="register-token"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev))
                />
            </label>
            <h2>"Paste YAML"</h2>
            <p class="hint">"One or more catalog-info.yaml documents, registered all or none."</p>
            <textarea
                aria-label="Descriptor YAML"
                data-testid="register-yaml"
                rows="16"
                spellcheck="false"
                prop:value=move || yaml.get()
                on:input=move |ev| yaml.set(event_target_value(&ev))
            >{initial}</textarea>
            <div class="register-actions">
                <button data-testid="register-preview" on:click=move |_| submit_yaml(true)>"Preview"</button>
                <button data-testid="register-submit" on:click=move |_| submit_yaml(false)>"Register"</button>
            </div>
            <h2>"Or register a location"</h2>
            <p class="hint">
                "An absolute path to a file or folder on the server (watched for changes), or a URL on the server's allow-list (read again periodically)."
            </p>
            <div class="register-actions">
                <input
                    type="text"
                    class="target"
                    placeholder="/srv/catalog or https://git.example.com/raw/repo/catalog-info.yaml"
                    data-testid="register-target"
                    prop:value=move || target.get()
                    on:input=move |ev| target.set(event_target_value(&ev))
                />
                <button data-testid="register-location-preview" on:click=move |_| submit_location(true)>"Preview"</button>
                <button data-testid="register-location-submit" on:click=move |_| submit_location(false)>"Register"</button>
            </div>
            {outcome}
        </section>
    }
}

#[component]
fn Outcome(view: RegistrationView) -> impl IntoView {
    let RegistrationView { applied, entities, added, replaced, problems } = view;
    let has_errors = problems.iter().any(|p| p.level == Level::Error);
    let verdict = match (applied, has_errors) {
        (true, _) => format!("Registered: {} added, {} replaced.", added.len(), replaced.len()),
        (false, true) => "Nothing was registered: fix the errors below.".to_string(),
        (false, false) => format!("Preview: {} would be added, {} replaced.", added.len(), replaced.len()),
    };
    view! {
        <div class="outcome" data-testid="register-outcome" data-applied=applied.to_string()>
            <p class="verdict">{verdict}</p>
            <Problems problems testid="register-problems" />
            {(!entities.is_empty()).then(|| view! {
                <table class="entities">
                    <thead><tr><th>"Entity"</th><th>"Owner"</th><th>"Change"</th></tr></thead>
                    <tbody>
                        {entities.into_iter().map(|e| {
                            let change = if replaced.contains(&e.entity_ref) { "replace" } else { "add" };
                            view! {
                                <tr data-entity=e.entity_ref.clone()>
                                    <td><a href=entity_href(&e.entity_ref)>{e.entity_ref.clone()}</a></td>
                                    <td>{e.owner.clone().unwrap_or_default()}</td>
                                    <td>{change}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}
