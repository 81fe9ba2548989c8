use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;

use crate::components::{ErrorBox, Loading, Problems};
use crate::model::{Level, RegisterAction, RegisterOutcome, RegistrationView, entity_href};
use crate::pages::loaded;
use crate::server_fns::{fetch_draft, fetch_register_outcome};

const EXAMPLE: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: my-service\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-storefront\n";

/// Two ways in: paste descriptor YAML, or give a location (a path on the
/// server or a URL on its allow-list). Preview shows what would be registered
/// with every problem at its line and column; registering needs an API token.
/// `?draft=SERVICE` starts from the drafted `catalog-info.yaml` of a service
/// seen in traffic but missing from the catalog (Insights page).
///
/// One plain form that posts to the server (`POST /register`), which
/// answers with a redirect to `?outcome=ID`: the same with or without
/// JavaScript, and a reload never posts twice. The token is never kept.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let params = use_query_map();
    let asked = move || {
        let p = params.read();
        (p.get("outcome").filter(|s| !s.is_empty()), p.get("draft").filter(|s| !s.is_empty()))
    };
    let start = Resource::new(asked, |(outcome, draft)| async move {
        match (outcome, draft) {
            (Some(id), _) => fetch_register_outcome(id).await.map(|outcome| match outcome {
                Some(outcome) => Start { yaml: outcome.yaml.clone(), target: outcome.target.clone(), outcome: Some(outcome) },
                None => Start { yaml: EXAMPLE.to_string(), target: String::new(), outcome: None },
            }),
            (None, Some(service)) => {
                fetch_draft(service).await.map(|draft| Start { yaml: draft.yaml, target: String::new(), outcome: None })
            }
            (None, None) => Ok(Start { yaml: EXAMPLE.to_string(), target: String::new(), outcome: None }),
        }
    });
    view! {
        <Title text="Register · Meridian" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move { loaded(start.await, |start| view! { <RegisterForm start /> }.into_any()) })}
        </Suspense>
    }
}

/// What the form starts from: the example, a draft, or what was posted last.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Start {
    yaml: String,
    target: String,
    outcome: Option<RegisterOutcome>,
}

#[component]
fn RegisterForm(start: Start) -> impl IntoView {
    let Start { yaml, target, outcome } = start;
    let outcome = outcome.map(|outcome| match outcome.result {
        Ok(view) => view! { <Outcome view /> }.into_any(),
        Err(error) => view! { <ErrorBox message=error.to_string() /> }.into_any(),
    });
    let action = |a: RegisterAction| a.as_param();
    view! {
        <section class="register">
            <h1>"Register entities"</h1>
            <form method="post" action="/register" data-testid="register-form">
                <label class="token">
                    "API token (needed to register, not to preview) "
                    <input type="password" name="token" placeholder="API token" autocomplete="off" data-testid="register-token" />
                </label>
                <h2>"Paste YAML"</h2>
                <p class="hint">"One or more catalog-info.yaml documents, registered all or none."</p>
                <textarea name="yaml" aria-label="Descriptor YAML" data-testid="register-yaml" rows="16" spellcheck="false">{yaml}</textarea>
                <div class="register-actions">
                    <button type="submit" name="action" value=action(RegisterAction::PreviewYaml) data-testid="register-preview">"Preview"</button>
                    <button type="submit" name="action" value=action(RegisterAction::RegisterYaml) data-testid="register-submit">"Register"</button>
                </div>
                <h2>"Or register a location"</h2>
                <p class="hint">
                    "An absolute path to a file or folder on the server (watched for changes), or a URL on the server's allow-list (read again periodically)."
                </p>
                <div class="register-actions">
                    <input
                        type="text"
                        name="target"
                        class="target"
                        value=target
                        placeholder="/srv/catalog or https://git.example.com/raw/repo/catalog-info.yaml"
                        data-testid="register-target"
                    />
                    <button type="submit" name="action" value=action(RegisterAction::PreviewLocation) data-testid="register-location-preview">"Preview"</button>
                    <button type="submit" name="action" value=action(RegisterAction::RegisterLocation) data-testid="register-location-submit">"Register"</button>
                </div>
            </form>
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
