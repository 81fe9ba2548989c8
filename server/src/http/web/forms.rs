//! The pages' forms as plain posts, so every write works without
//! JavaScript: `POST /register` and `POST /demo` do what the form asks,
//! keep the outcome and send the browser to the page that shows it (post,
//! redirect, get: a reload shows it again and posts nothing).

use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use app::model::{DemoAction, DemoFaults, DemoOutcome, DemoRegression, RegisterAction, RegisterOutcome};
use app::port::PortError;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Portal, fleet_error};

/// Outcomes kept for their redirect to show; older ones are forgotten (the
/// page then starts afresh).
const OUTCOMES_KEPT: usize = 64;

/// A form's latest outcomes, each under an id that cannot be guessed from
/// another.
pub struct Outcomes<T> {
    kept: Mutex<VecDeque<(String, T)>>,
    posts: AtomicU64,
    ids: RandomState,
}

impl<T> Default for Outcomes<T> {
    fn default() -> Self {
        Self { kept: Mutex::default(), posts: AtomicU64::new(0), ids: RandomState::new() }
    }
}

impl<T: Clone> Outcomes<T> {
    /// Keeps `outcome`; the id to show it by.
    fn keep(&self, outcome: T) -> String {
        // A counter, keyed by the process's random hasher: unique, and not guessable from another id.
        let post = self.posts.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:016x}", std::hash::BuildHasher::hash_one(&self.ids, post));
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == OUTCOMES_KEPT {
            kept.pop_front();
        }
        kept.push_back((id.clone(), outcome));
        id
    }

    pub fn get(&self, id: &str) -> Option<T> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().find(|(kept, _)| kept == id).map(|(_, outcome)| outcome.clone())
    }
}

pub fn router(portal: Arc<Portal>) -> Router {
    Router::new().route("/register", axum::routing::post(post_register)).route("/demo", axum::routing::post(post_demo)).with_state(portal)
}

/// The Register form's fields, as it posts them.
#[derive(serde::Deserialize)]
struct RegisterForm {
    #[serde(default)]
    yaml: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    action: String,
}

/// The Demo page's form, as it posts it: the process, its faults in
/// milliseconds and percent, and the version to deploy.
#[derive(serde::Deserialize)]
struct DemoForm {
    #[serde(default)]
    process: String,
    #[serde(default)]
    latency_ms: String,
    #[serde(default)]
    latency_percent: String,
    #[serde(default)]
    error_percent: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    regression: String,
    #[serde(default)]
    action: String,
}

async fn post_register(State(portal): State<Arc<Portal>>, axum::Form(form): axum::Form<RegisterForm>) -> Response {
    match portal.register_form(form).await {
        Ok(id) => Redirect::to(&format!("/register?outcome={id}")).into_response(),
        Err(error) => refused(error),
    }
}

async fn post_demo(State(portal): State<Arc<Portal>>, axum::Form(form): axum::Form<DemoForm>) -> Response {
    let process = form.process.clone();
    match portal.demo_form(form).await {
        Ok(id) => {
            let query =
                form_urlencoded::Serializer::new(String::new()).append_pair("process", &process).append_pair("outcome", &id).finish();
            Redirect::to(&format!("/demo?{query}")).into_response()
        }
        Err(error) => refused(error),
    }
}

/// A post the form could not have sent (an unknown button): its status and why.
fn refused(error: PortError) -> Response {
    (axum::http::StatusCode::from_u16(error.status()).unwrap_or_default(), error.to_string()).into_response()
}

impl Portal {
    async fn register_form(&self, form: RegisterForm) -> Result<String, PortError> {
        let action = RegisterAction::parse(&form.action)
            .ok_or_else(|| PortError::Invalid(format!("`action`: `{}` is not one of the form's buttons", form.action)))?;
        let result = match action {
            RegisterAction::PreviewYaml | RegisterAction::RegisterYaml => self.register(&form.yaml, &form.token, action.dry_run()).await,
            RegisterAction::PreviewLocation | RegisterAction::RegisterLocation => {
                self.register_location(&form.target, &form.token, action.dry_run()).await
            }
        };
        Ok(self.registered.keep(RegisterOutcome { yaml: form.yaml, target: form.target, action, result }))
    }

    /// Sets the faults or deploys the version the form names; a value out
    /// of range is refused before anything is sent to the fleet.
    async fn demo_form(&self, form: DemoForm) -> Result<String, PortError> {
        let action = DemoAction::parse(&form.action)
            .ok_or_else(|| PortError::Invalid(format!("`action`: `{}` is not one of the form's buttons", form.action)))?;
        let fleet = self.demo_fleet()?;
        let done = match action {
            DemoAction::SetFaults => match DemoFaults::from_inputs(&form.latency_ms, &form.latency_percent, &form.error_percent) {
                Ok(faults) => fleet.set_faults(&form.process, faults).await.map_err(|e| fleet_error(e).to_string()),
                Err(problem) => Err(problem),
            },
            DemoAction::ClearFaults => fleet.set_faults(&form.process, DemoFaults::default()).await.map_err(|e| fleet_error(e).to_string()),
            DemoAction::Deploy => match form.version.trim() {
                "" => Err("Give the version to deploy.".to_string()),
                version => fleet
                    .deploy(&form.process, version, DemoRegression::from_form(&form.regression))
                    .await
                    .map_err(|e| fleet_error(e).to_string()),
            },
        };
        Ok(self.demo_outcomes.keep(DemoOutcome { process: form.process, action, refused: done.err() }))
    }
}
