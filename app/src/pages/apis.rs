use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::{Breadcrumbs, ConsumerTable, CountCells, Loading, SchemaTree, SourceView};
use crate::model::{
    ApiPageView, ContentModel, CoverageView, DefinitionModel, OperationModel, UseRow, VersionChangeView, api_href, count_of, entity_href,
};
use crate::pages::{loaded, one_of};
use crate::server_fns::{fetch_api, fetch_apis};

/// Every API of the catalog.
#[component]
pub fn ApisPage() -> impl IntoView {
    let apis = Resource::new(|| (), |_| fetch_apis());
    view! {
        <Title text="APIs · Meridian" />
        <section class="apis-page">
            <h1>"APIs"</h1>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    loaded(apis.await, |rows| if rows.is_empty() {
                        view! { <p class="empty">"No API in the catalog."</p> }.into_any()
                    } else {
                        view! {
                            <table data-testid="apis">
                                <thead><tr><th scope="col">"API"</th><th scope="col">"Type"</th><th scope="col">"Owner"</th><th scope="col">"Lifecycle"</th><th scope="col">"Provided by"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|api| view! {
                                        <tr>
                                            <td><a href=api_href(&api.entity_ref)>{api.title.clone()}</a></td>
                                            <td>{api.api_type.clone()}</td>
                                            <td>{api.owner.clone().map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</td>
                                            <td>{api.lifecycle.clone().unwrap_or_default()}</td>
                                            <td>{api.providers.iter().map(|p| view! { <a href=entity_href(p)>{p.clone()}</a> " " }).collect_view()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })
                })}
            </Suspense>
        </section>
    }
}

/// One API: what it promises (the definition, every version and change)
/// beside what runs (coverage of its operations, who consumes each).
#[component]
pub fn ApiPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (p.get("namespace").unwrap_or_default(), p.get("name").unwrap_or_default())
    };
    let api = Resource::new(key, |(namespace, name)| fetch_api(namespace, name));
    view! {
        <Title text=move || format!("{} · APIs · Meridian", params.read().get("name").unwrap_or_default()) />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                one_of(api.await, |api| view! { <ApiView api /> }.into_any())
            })}
        </Suspense>
    }
}

#[component]
fn ApiView(api: ApiPageView) -> impl IntoView {
    let ApiPageView {
        entity_ref,
        title,
        description,
        api_type,
        lifecycle,
        owner,
        providers,
        declared_consumers,
        definition,
        versions,
        changes,
        coverage,
    } = api;
    view! {
        <article class="api" data-entity=entity_ref.clone()>
            <Breadcrumbs trail=vec![("APIs".to_string(), "/apis".to_string())] here=title.clone() />
            <header>
                <p class="kind">"API · " {api_type.clone()}</p>
                <h1>{title}</h1>
                <p class="description">{description.unwrap_or_default()}</p>
            </header>
            <dl class="facts">
                <dt>"Owner"</dt><dd>{owner.map(|o| view! { <a href=entity_href(&o)>{o.clone()}</a> })}</dd>
                <dt>"Lifecycle"</dt><dd>{lifecycle.unwrap_or_default()}</dd>
                <dt>"Provided by"</dt><dd data-testid="providers">{providers.iter().map(|p| view! { <a href=entity_href(p)>{p.clone()}</a> " " }).collect_view()}</dd>
                <dt>"Declared consumers"</dt><dd>{declared_consumers.iter().map(|p| view! { <a href=entity_href(p)>{p.clone()}</a> " " }).collect_view()}</dd>
                <dt>"Entity"</dt><dd><a href=entity_href(&entity_ref)>{entity_ref.clone()}</a></dd>
            </dl>
            <nav class="api-sections">
                <a href="#definition">"Definition"</a> " · " <a href="#coverage">"Coverage"</a> " · " <a href="#changes">"Changes"</a> " · " <a href="#versions">"Versions"</a>
            </nav>
            <section id="definition" class="definition">
                <h2>"Definition"</h2>
                <Definition definition language=api_type />
            </section>
            <Coverage coverage />
            <Changes changes />
            <section id="versions" class="versions">
                <h2>"Versions seen"</h2>
                <table data-testid="versions">
                    <thead><tr><th scope="col">"Version"</th><th scope="col">"First seen"</th><th scope="col">"Content hash"</th><th scope="col">"Brought by"</th></tr></thead>
                    <tbody>
                        {versions.into_iter().rev().map(|v| view! {
                            <tr><td class="num">{v.version}</td><td>{v.first_seen}</td><td><code>{v.hash}</code></td><td><code>{v.source}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </article>
    }
}

#[component]
fn Definition(definition: DefinitionModel, language: String) -> impl IntoView {
    match definition {
        DefinitionModel::Operations { format, version, operations } => view! {
            <p class="format">{format} {version.map(|v| format!(", version {v}"))} " · " {operations.len()} " operations"</p>
            <div class="operations" data-testid="operations">
                {operations.into_iter().map(|operation| view! { <Operation operation /> }).collect_view()}
            </div>
        }
        .into_any(),
        DefinitionModel::Source { language, text, operations } => view! {
            {(!operations.is_empty()).then(|| view! {
                <h3>"Operations"</h3>
                <ul class="named-operations" data-testid="operations">
                    {operations.into_iter().map(|o| view! { <li><span class="op-kind">{o.kind}</span> " " <code>{o.name}</code></li> }).collect_view()}
                </ul>
            })}
            <SourceView language text />
        }
        .into_any(),
        DefinitionModel::Unreadable { problem, text } => view! {
            <p class="problem error" role="alert" data-testid="definition-problem">{problem}</p>
            <SourceView language text />
        }
        .into_any(),
    }
}

#[component]
fn Operation(operation: OperationModel) -> impl IntoView {
    let anchor = operation.anchor();
    let OperationModel { method, path, summary, description, deprecated, parameters, request, responses, consumers } = operation;
    view! {
        <details class="operation" id=anchor data-operation=format!("{method} {path}")>
            <summary>
                <span class=format!("method method-{}", method.to_ascii_lowercase())>{method.clone()}</span> " "
                <code class="path">{path.clone()}</code> " "
                <span class="summary">{summary.unwrap_or_default()}</span>
                {deprecated.then(|| view! { " " <span class="deprecated">"deprecated"</span> })}
                " " <small class="consumer-count">{consumers.len()} " consumers"</small>
            </summary>
            {description.map(|d| view! { <p class="description">{d}</p> })}
            {(!parameters.is_empty()).then(|| view! {
                <h4>"Parameters"</h4>
                <table class="parameters">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Required"</th><th scope="col">"Schema"</th></tr></thead>
                    <tbody>
                        {parameters.into_iter().map(|p| view! {
                            <tr>
                                <td><code>{p.name}</code>{p.description.map(|d| view! { <br /><small>{d}</small> })}</td>
                                <td>{p.location}</td>
                                <td>{if p.required { "yes" } else { "no" }}</td>
                                <td>{p.schema.map(|node| view! { <SchemaTree node /> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {request.map(|body| view! {
                <h4>"Request body" {body.required.then_some(" (required)")}</h4>
                <Contents content=body.content />
            })}
            <h4>"Responses"</h4>
            {responses.into_iter().map(|r| view! {
                <div class="response">
                    <p><strong>{r.status}</strong> " " {r.description.unwrap_or_default()}</p>
                    <Contents content=r.content />
                </div>
            }).collect_view()}
            <h4>"Consumers " <small>"(who breaks if this changes)"</small></h4>
            <ConsumerTable consumers />
        </details>
    }
}

#[component]
fn Contents(content: Vec<ContentModel>) -> impl IntoView {
    content
        .into_iter()
        .map(|c| {
            view! {
                <div class="content">
                    <p class="media-type"><code>{c.media_type}</code></p>
                    {c.schema.map(|node| view! { <SchemaTree node /> })}
                    {c.example.map(|example| view! {
                        <details class="example"><summary>"Example"</summary><pre><code>{example}</code></pre></details>
                    })}
                </div>
            }
        })
        .collect_view()
}

#[component]
fn Coverage(coverage: CoverageView) -> impl IntoView {
    let table = |rows: Vec<UseRow>, testid: &'static str| {
        if rows.is_empty() {
            return view! { <p class="empty">"None."</p> }.into_any();
        }
        view! {
            <table data-testid=testid>
                <thead><tr><th scope="col">"Operation"</th><th scope="col">"Requests"</th><th scope="col">"Errors"</th><th scope="col">"p95"</th><th scope="col">"Last seen"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|u| view! {
                        <tr data-operation=format!("{} {}", u.method, u.path)>
                            <td><span class="method">{u.method.clone()}</span> " " <code>{u.path.clone()}</code></td>
                            <CountCells requests=u.requests errors=u.errors kept_spans=u.kept_spans caller_failures=u.errors />
                            <td class="num">{format!("{:.1} ms", u.p95_ms)}</td>
                            <td>{u.last_seen.unwrap_or_else(|| "never".to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section id="coverage" class="coverage">
            <h2>"Observed against documented " <small>"(last " {coverage.window.clone()} ")"</small></h2>
            <h3>"Documented operations"</h3>
            {table(coverage.documented, "documented")}
            <h3>"Served but not documented"</h3>
            {table(coverage.undocumented, "undocumented")}
            <h3>"Documented, never called"</h3>
            {if coverage.unused.is_empty() {
                view! { <p class="empty">"None."</p> }.into_any()
            } else {
                view! { <ul data-testid="unused">{coverage.unused.into_iter().map(|u| view! { <li><code>{u}</code></li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Changes(changes: Vec<VersionChangeView>) -> impl IntoView {
    view! {
        <section id="changes" class="changes">
            <h2>"Changes between versions"</h2>
            {if changes.is_empty() {
                view! { <p class="empty">"Only one version seen so far."</p> }.into_any()
            } else {
                changes.into_iter().map(|change| view! {
                    <div class="version-change" data-testid="version-change">
                        <h3>"Version " {change.from_version} " → " {change.to_version} " " <small>{change.at.clone()}</small></h3>
                        {change.problem.map(|p| view! { <p class="problem error">{p}</p> })}
                        {if change.changes.is_empty() {
                            view! { <p class="empty">"No change to operations."</p> }.into_any()
                        } else {
                            view! {
                                <table class="change-list">
                                    <thead><tr><th scope="col">"Level"</th><th scope="col">"Check"</th><th scope="col">"Where"</th><th scope="col">"Change"</th><th scope="col">"Consumers affected"</th></tr></thead>
                                    <tbody>
                                        {change.changes.into_iter().map(|row| view! {
                                            <tr class=format!("change {}", row.level.class()) data-check=row.id.clone()>
                                                <td><span class=format!("level-badge {}", row.level.class())>{row.level.label()}</span></td>
                                                <td><code>{row.id.clone()}</code></td>
                                                <td>
                                                    <code>{row.subject.clone()}</code>
                                                    {(row.operations.len() > 1).then(|| view! {
                                                        <details class="reach" data-testid="reach">
                                                            <summary>{format!("reaches {}", count_of(row.operations.len(), "operation"))}</summary>
                                                            <ul>{row.operations.iter().map(|o| view! { <li><code>{o.clone()}</code></li> }).collect_view()}</ul>
                                                        </details>
                                                    })}
                                                </td>
                                                <td>{row.message} <br /><small><code>{row.pointer}</code></small></td>
                                                <td>{(!row.consumers.is_empty()).then(|| view! { <ConsumerTable consumers=row.consumers /> })}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    </div>
                }).collect_view().into_any()
            }}
        </section>
    }
}
