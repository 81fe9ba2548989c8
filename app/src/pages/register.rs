use leptos::prelude::*;

use crate::components::ErrorBox;
use crate::model::{RegistrationView, entity_href};
use crate::server_fns::RegisterEntities;

const EXAMPLE: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: my-service\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n";

/// Paste descriptor YAML, preview what it would register (with every problem
/// at its line and column), then register it with an API token.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let yaml = RwSignal::new(EXAMPLE.to_string());
    let token = RwSignal::new(String::new());
    let action = ServerAction::<RegisterEntities>::new();
    let submit =
        move |dry_run: bool| action.dispatch(RegisterEntities { yaml: yaml.get_untracked(), token: token.get_untracked(), dry_run });
    view! {
        <section class="register">
            <h1>"Register entities"</h1>
            <p class="hint">"Paste one or more catalog-info.yaml documents. Preview shows what would change; registering needs an API token."</p>
            <textarea
                data-testid="register-yaml"
                rows="16"
                spellcheck="false"
                prop:value=move || yaml.get()
                on:input=move |ev| yaml.set(event_target_value(&ev))
            ></textarea>
            <div class="register-actions">
                <button data-testid="register-preview" on:click=move |_| { submit(true); }>"Preview"</button>
                <input
                    type="password"
                    placeholder="API token"
                    data-testid="register-token"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev))
                />
                <button data-testid="register-submit" on:click=move |_| { submit(false); }>"Register"</button>
            </div>
            {move || action.value().get().map(|result| match result {
                Ok(view) => view! { <Outcome view /> }.into_any(),
                Err(e) => view! { <ErrorBox message=e.to_string() /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Outcome(view: RegistrationView) -> impl IntoView {
    let RegistrationView { applied, entities, added, replaced, problems } = view;
    let has_errors = problems.iter().any(|p| p.level == "error");
    let verdict = match (applied, has_errors) {
        (true, _) => format!("Registered: {} added, {} replaced.", added.len(), replaced.len()),
        (false, true) => "Nothing was registered: fix the errors below.".to_string(),
        (false, false) => format!("Preview: {} would be added, {} replaced.", added.len(), replaced.len()),
    };
    view! {
        <div class="outcome" data-testid="register-outcome" data-applied=applied.to_string()>
            <p class="verdict">{verdict}</p>
            {(!problems.is_empty()).then(|| view! {
                <ul class="problems" data-testid="register-problems">
                    {problems.into_iter().map(|p| view! { <li class=format!("problem {}", p.level)>{p.message}</li> }).collect_view()}
                </ul>
            })}
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
