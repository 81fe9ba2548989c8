use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::hooks::use_query_map;

use crate::components::Loading;
use crate::model::{
    DemoAction, DemoOutcome, DemoProcess, DemoRegression, DemoView, DeployView, as_percent, encode_query_value, entity_href, next_version,
};
use crate::pages::loaded;
use crate::port::PortError;
use crate::server_fns::{fetch_demo, fetch_demo_outcome};

/// How often the page reads the fleet and Meridian's observations again.
const REFRESH: Duration = Duration::from_secs(3);

/// Demo mode: the fleet's processes with their fault switches and what
/// Meridian observes of each, a form to break one or deploy a new version,
/// and the deploys Meridian detected. The form is a plain post (it works
/// without JavaScript); the process it acts on is in the URL
/// (`?process=`, its row's Change link). With JavaScript the fleet and the
/// deploys refresh themselves, so a change shows.
#[component]
pub fn DemoPage() -> impl IntoView {
    let params = use_query_map();
    let asked = move || params.read().get("process").filter(|p| !p.is_empty());
    let tick = RwSignal::new(0u64);
    let demo = Resource::new(move || tick.get(), |_| fetch_demo());
    // Effects run only in the browser: the timer never runs on the server.
    Effect::new(move |_| {
        if let Ok(timer) = set_interval_with_handle(move || _ = tick.try_update(|t| *t += 1), REFRESH) {
            on_cleanup(move || timer.clear());
        }
    });
    // The form's starting values and the last post's outcome: read once
    // per URL, so a refresh never changes what is being typed.
    let switches = Resource::new(
        move || (asked(), params.read().get("outcome")),
        |(asked, outcome)| async move {
            let Some(view) = fetch_demo().await? else { return Ok(None) };
            let outcome = match outcome {
                Some(id) => fetch_demo_outcome(id).await?,
                None => None,
            };
            Ok::<_, PortError>(chosen(&view, asked.as_deref()).map(|process| (process, outcome)))
        },
    );

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
                    let asked = asked();
                    loaded(demo.await, |demo| match demo {
                        Some(view) => {
                            let process = chosen(&view, asked.as_deref()).map(|p| p.name);
                            view! { <FleetTable view chosen=process /> }.into_any()
                        }
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
                    switches.await.ok().flatten().map(|(process, outcome)| view! { <SwitchPanel process outcome /> })
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

/// The process the form acts on: the one the URL names, else the first
/// instrumented one.
fn chosen(view: &DemoView, asked: Option<&str>) -> Option<DemoProcess> {
    let named = asked.and_then(|name| view.processes.iter().find(|p| p.name == name));
    named.or_else(|| view.processes.iter().find(|p| p.instrumented)).cloned()
}

#[component]
fn FleetTable(view: DemoView, chosen: Option<String>) -> impl IntoView {
    let DemoView { window, processes, .. } = view;
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
                {processes.into_iter().map(|process| {
                    let is_chosen = chosen.as_deref() == Some(process.name.as_str());
                    view! { <ProcessRow process chosen=is_chosen /> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ProcessRow(process: DemoProcess, chosen: bool) -> impl IntoView {
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
    let change = format!("/demo?process={}", encode_query_value(&name));
    view! {
        <tr data-process=name.clone() class:chosen=chosen>
            <td>{label}</td>
            <td data-testid="version">{process.version.clone().unwrap_or_else(|| "-".into())}</td>
            <td data-testid="faults">{faults}</td>
            <td class="num" data-testid="served">{observed.map_or_else(|| "-".to_string(), |o| o.requests.to_string())}</td>
            <td class="num" data-testid="errors">{observed.map_or_else(|| "-".to_string(), |o| o.errors.to_string())}</td>
            <td class="num">{observed.map_or_else(|| "-".to_string(), |o| format!("{:.1} ms", o.p95_ms))}</td>
            <td><a class="button" data-testid="demo-choose" href=change>"Change"</a></td>
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

/// Faults and deploys for the chosen process: one form, posted to
/// `/demo`, that comes back to this page with the outcome.
#[component]
fn SwitchPanel(process: DemoProcess, outcome: Option<DemoOutcome>) -> impl IntoView {
    let faults = process.faults.unwrap_or_default();
    let next = process.version.as_deref().map(next_version).unwrap_or_default();
    let name = process.name.clone();
    view! {
        <form class="switches" method="post" action="/demo" data-testid="demo-switches">
            <h2>"Switches"</h2>
            <input type="hidden" name="process" value=name.clone() />
            <p>"For " <strong data-testid="demo-process">{name}</strong> " (choose another with its Change link):"</p>
            <fieldset>
                <legend>"Faults"</legend>
                <label>"Add " <input type="number" name="latency_ms" data-testid="demo-latency-ms" value=faults.latency_ms.to_string() /> " ms"</label>
                <label>" to " <input type="number" name="latency_percent" data-testid="demo-latency-share" value=as_percent(faults.latency_share).to_string() /> " % of requests;"</label>
                <label>" fail " <input type="number" name="error_percent" data-testid="demo-error-share" value=as_percent(faults.error_share).to_string() /> " % of requests"</label>
                <div class="actions">
                    <button type="submit" name="action" value=DemoAction::SetFaults.as_param() data-testid="demo-apply">"Apply faults"</button>
                    <button type="submit" name="action" value=DemoAction::ClearFaults.as_param() data-testid="demo-clear">"Clear faults"</button>
                </div>
            </fieldset>
            <fieldset>
                <legend>"Deploy"</legend>
                <label>"Version " <input type="text" name="version" data-testid="demo-version" value=next /></label>
                <label>
                    " carrying "
                    <select name="regression" data-testid="demo-regression">
                        <option value=DemoRegression::None.as_str()>"no regression"</option>
                        <option value=DemoRegression::Errors.as_str()>"an error regression (20 % fail)"</option>
                        <option value=DemoRegression::Latency.as_str()>"a latency regression (+400 ms for half)"</option>
                    </select>
                </label>
                <div class="actions">
                    <button type="submit" name="action" value=DemoAction::Deploy.as_param() data-testid="demo-deploy">"Deploy"</button>
                </div>
            </fieldset>
            {outcome.map(|outcome| match outcome.refused {
                None => view! { <p class="outcome" data-testid="demo-outcome">{outcome.message()}</p> }.into_any(),
                Some(_) => view! { <p class="error" role="alert" data-testid="demo-outcome">{outcome.message()}</p> }.into_any(),
            })}
        </form>
    }
}
