use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::Loading;
use crate::model::{DemoFaults, DemoProcess, DemoRegression, DemoView, DeployView, as_percent, entity_href, next_version};
use crate::pages::loaded;
use crate::server_fns::{DeployDemo, SetDemoFaults, demo_mode, fetch_demo};

/// How often the page reads the fleet and Meridian's observations again.
const REFRESH: Duration = Duration::from_secs(3);

/// Demo mode: the fleet's processes with their fault switches and what
/// Meridian observes of each, a form to break one or deploy a new version,
/// and the deploys Meridian detected. Refreshes itself, so a change shows.
#[component]
pub fn DemoPage() -> impl IntoView {
    let set_faults = ServerAction::<SetDemoFaults>::new();
    let deploy = ServerAction::<DeployDemo>::new();
    let tick = RwSignal::new(0u64);
    // Read again on every tick and after every switch.
    let demo = Resource::new(move || (tick.get(), set_faults.version().get(), deploy.version().get()), |_| fetch_demo());
    // Effects run only in the browser: the timer never runs on the server.
    Effect::new(move |_| {
        if let Ok(timer) = set_interval_with_handle(move || _ = tick.try_update(|t| *t += 1), REFRESH) {
            on_cleanup(move || timer.clear());
        }
    });
    let demo_mode = Resource::new(|| (), |_| demo_mode());
    let form = SwitchForm::new();

    view! {
        <Title text="Demo · Meridian" />
        <section class="demo">
            <h1>"Demo fleet"</h1>
            <p class="hint">
                "Break a service or deploy a new version, then watch the "
                <a href="/graph?window=5m">"graph"</a>
                " and the numbers below react (Meridian sees a change within seconds; this page refreshes every few seconds)."
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(demo.await, |demo| match demo {
                        Some(view) => view! { <FleetTable view form /> }.into_any(),
                        None => view! {
                            <p class="hint" data-testid="demo-off">
                                "Meridian is not in demo mode. Start it with "<code>"--demo-fleet http://127.0.0.1:7111"</code>
                                " beside "<code>"meridian-demo fleet"</code>" (" <code>"make demo"</code> " does both)."
                            </p>
                        }.into_any(),
                    })
                })}
            </Transition>
            // Outside the refreshing parts, so typing is never interrupted.
            <Suspense>
                {move || Suspend::new(async move {
                    demo_mode.await.unwrap_or(false).then(|| view! { <SwitchPanel form set_faults deploy /> })
                })}
            </Suspense>
            <Transition>
                {move || Suspend::new(async move {
                    match demo.await {
                        Ok(Some(view)) => Some(view! { <h2>"Deploys Meridian detected"</h2> <Deploys deploys=view.deploys /> }),
                        _ => None,
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form's state: which process, and what to set on it.
#[derive(Clone, Copy)]
struct SwitchForm {
    process: RwSignal<String>,
    latency_ms: RwSignal<String>,
    latency_percent: RwSignal<String>,
    error_percent: RwSignal<String>,
    version: RwSignal<String>,
    regression: RwSignal<DemoRegression>,
    /// The outcome of the last switch (or why it was not sent).
    outcome: RwSignal<Option<Result<String, String>>>,
}

impl SwitchForm {
    fn new() -> Self {
        SwitchForm {
            process: RwSignal::new(String::new()),
            latency_ms: RwSignal::new("0".into()),
            latency_percent: RwSignal::new("0".into()),
            error_percent: RwSignal::new("0".into()),
            version: RwSignal::new(String::new()),
            regression: RwSignal::new(DemoRegression::None),
            outcome: RwSignal::new(None),
        }
    }

    /// Fills the form from a process's current state.
    fn choose(&self, process: &DemoProcess) {
        let faults = process.faults.unwrap_or_default();
        self.process.set(process.name.clone());
        self.latency_ms.set(faults.latency_ms.to_string());
        self.latency_percent.set(as_percent(faults.latency_share).to_string());
        self.error_percent.set(as_percent(faults.error_share).to_string());
        self.version.set(process.version.as_deref().map(next_version).unwrap_or_default());
        self.outcome.set(None);
    }
}

#[component]
fn FleetTable(view: DemoView, form: SwitchForm) -> impl IntoView {
    let DemoView { window, processes, .. } = view;
    // The first instrumented process is chosen until the user picks one.
    if form.process.get_untracked().is_empty()
        && let Some(first) = processes.iter().find(|p| p.instrumented)
    {
        form.choose(first);
    }
    view! {
        <table class="demo-fleet" data-testid="demo-fleet">
            <thead>
                <tr>
                    <th>"Process"</th>
                    <th>"Version"</th>
                    <th>"Faults"</th>
                    <th class="num">{format!("Served ({window})")}</th>
                    <th class="num">"Errors"</th>
                    <th class="num">"p95"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                {processes.into_iter().map(|process| view! { <ProcessRow process form /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ProcessRow(process: DemoProcess, form: SwitchForm) -> impl IntoView {
    let name = process.name.clone();
    let label = match &process.entity_ref {
        Some(entity_ref) => view! { <a href=entity_href(entity_ref)>{name.clone()}</a> }.into_any(),
        None if process.instrumented => view! { {name.clone()} " " <span class="badge">"not in the catalog"</span> }.into_any(),
        None => view! { {name.clone()} " " <span class="badge">"uninstrumented"</span> }.into_any(),
    };
    let faults = match (&process.faults, &process.unreachable) {
        (Some(faults), _) => faults.describe(),
        (None, Some(why)) => format!("unknown: {why}"),
        (None, None) => "unknown".to_string(),
    };
    let observed = process.observed;
    let chosen = {
        let name = name.clone();
        move || form.process.get() == name
    };
    let choose = {
        let process = process.clone();
        move |_| form.choose(&process)
    };
    view! {
        <tr data-process=name.clone() class:chosen=chosen>
            <td>{label}</td>
            <td data-testid="version">{process.version.clone().unwrap_or_else(|| "-".into())}</td>
            <td data-testid="faults">{faults}</td>
            <td class="num" data-testid="served">{observed.map_or_else(|| "-".to_string(), |o| o.requests.to_string())}</td>
            <td class="num" data-testid="errors">{observed.map_or_else(|| "-".to_string(), |o| o.errors.to_string())}</td>
            <td class="num">{observed.map_or_else(|| "-".to_string(), |o| format!("{:.1} ms", o.p95_ms))}</td>
            <td><button data-testid="demo-choose" on:click=choose>"Change"</button></td>
        </tr>
    }
}

#[component]
fn Deploys(deploys: Vec<DeployView>) -> impl IntoView {
    if deploys.is_empty() {
        return view! { <p class="hint" data-testid="demo-deploys">"None yet: deploy a version above."</p> }.into_any();
    }
    view! {
        <ul class="deploys" data-testid="demo-deploys">
            {deploys.into_iter().map(|d| {
                let DeployView { service, from_version, to_version, seconds_ago } = d;
                let key = service.clone();
                view! {
                    <li data-service=key>
                        <strong>{service}</strong>" "{from_version}" → "{to_version}
                        <span class="hint">{format!(" {seconds_ago} s ago")}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Faults and deploys for the chosen process.
#[component]
fn SwitchPanel(form: SwitchForm, set_faults: ServerAction<SetDemoFaults>, deploy: ServerAction<DeployDemo>) -> impl IntoView {
    let apply = move |faults: Result<DemoFaults, String>| {
        let process = form.process.get_untracked();
        match faults {
            Ok(f) => {
                form.outcome.set(None);
                set_faults.dispatch(SetDemoFaults {
                    process,
                    latency_ms: f.latency_ms,
                    latency_share: f.latency_share,
                    error_share: f.error_share,
                });
            }
            Err(problem) => form.outcome.set(Some(Err(problem))),
        }
    };
    let apply_inputs = move |_| {
        apply(DemoFaults::from_inputs(
            &form.latency_ms.get_untracked(),
            &form.latency_percent.get_untracked(),
            &form.error_percent.get_untracked(),
        ))
    };
    let clear = move |_| {
        for input in [form.latency_ms, form.latency_percent, form.error_percent] {
            input.set("0".into());
        }
        apply(Ok(DemoFaults::default()))
    };
    let send_deploy = move |_| {
        let version = form.version.get_untracked().trim().to_string();
        if version.is_empty() {
            return form.outcome.set(Some(Err("Give the version to deploy.".into())));
        }
        form.outcome.set(None);
        deploy.dispatch(DeployDemo { process: form.process.get_untracked(), version, regression: form.regression.get_untracked() });
    };
    // Each action's answer, once it arrives, is the outcome shown.
    Effect::new(move |_| {
        if let Some(result) = set_faults.value().get() {
            let process = form.process.get_untracked();
            form.outcome.set(Some(result.map(|()| format!("{process}: faults set.")).map_err(|e| e.to_string())));
        }
    });
    Effect::new(move |_| {
        if let Some(result) = deploy.value().get() {
            form.outcome.set(Some(
                result
                    .map(|()| "Deployed: Meridian shows it under the deploys below once the new version's spans arrive.".to_string())
                    .map_err(|e| e.to_string()),
            ));
        }
    });
    let text_input = |signal: RwSignal<String>, testid: &'static str, kind: &'static str| {
        view! {
            <input
                type=kind
                data-testid=testid
                prop:value=move || signal.get()
                on:input=move |ev| signal.set(event_target_value(&ev))
            />
        }
    };
    view! {
        <div class="switches" data-testid="demo-switches">
            <h2>"Switches"</h2>
            <p>"For " <strong data-testid="demo-process">{move || form.process.get()}</strong> " (choose another with its Change button):"</p>
            <fieldset>
                <legend>"Faults"</legend>
                <label>"Add " {text_input(form.latency_ms, "demo-latency-ms", "number")} " ms"</label>
                <label>" to " {text_input(form.latency_percent, "demo-latency-share", "number")} " % of requests;"</label>
                <label>" fail " {text_input(form.error_percent, "demo-error-share", "number")} " % of requests"</label>
                <div class="actions">
                    <button data-testid="demo-apply" on:click=apply_inputs>"Apply faults"</button>
                    <button data-testid="demo-clear" on:click=clear>"Clear faults"</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Deploy"</legend>
                <label>"Version " {text_input(form.version, "demo-version", "text")}</label>
                <label>
                    " carrying "
                    <select
                        data-testid="demo-regression"
                        prop:value=move || form.regression.get().as_str()
                        on:change=move |ev| form.regression.set(DemoRegression::from_form(&event_target_value(&ev)))
                    >
                        <option value=DemoRegression::None.as_str()>"no regression"</option>
                        <option value=DemoRegression::Errors.as_str()>"an error regression (20 % fail)"</option>
                        <option value=DemoRegression::Latency.as_str()>"a latency regression (+400 ms for half)"</option>
                    </select>
                </label>
                <div class="actions">
                    <button data-testid="demo-deploy" on:click=send_deploy>"Deploy"</button>
                </div>
            </fieldset>
            {move || form.outcome.get().map(|outcome| match outcome {
                Ok(message) => view! { <p class="outcome" data-testid="demo-outcome">{message}</p> }.into_any(),
                Err(message) => view! { <p class="error" role="alert" data-testid="demo-outcome">{message}</p> }.into_any(),
            })}
        </div>
    }
}
