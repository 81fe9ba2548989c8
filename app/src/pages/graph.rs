use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{GraphSvg, Loading, NodePanelView};
use crate::model::{Direction, GraphLayout, GraphQuery, Grouping, count_of};
use crate::pages::{loaded, one_of};
use crate::port::PortError;
use crate::server_fns::{fetch_graph, fetch_graph_node};

const WINDOWS: &[&str] = &["5m", "15m", "1h", "24h", "7d"];

/// The observed dependency graph, laid out on the server, narrowed by a
/// GET form (so every view is a URL): a focus and its hops, filters,
/// find/hide expressions and grouping. What the view leaves out is counted
/// and named. The selected node's panel is in the URL too (`selected=`).
///
/// Once hydrated the drawing pans (drag), zooms (buttons, Ctrl+wheel or a
/// pinch) and follows the live stream: each change is laid out again on
/// the server with the positions on screen kept, so nothing jumps.
#[component]
pub fn GraphPage() -> impl IntoView {
    let params = use_query_map();
    // Read once from the URL; a choice no page offers is the 400 the API gives.
    let parsed = Memo::new(move |_| {
        let p = params.read();
        GraphQuery::from_params(|key| p.get(key).unwrap_or_default())
    });
    let query = Memo::new(move |_| parsed.get().unwrap_or_else(|_| GraphQuery { window: "15m".into(), ..GraphQuery::default() }));
    // The drawing depends on the view, not on which node is selected.
    let view_query = Memo::new(move |_| query.get().selecting(""));
    let layout = Resource::new(
        move || parsed.get().map(|q| q.selecting("")),
        |parsed| async move {
            match parsed {
                Ok(query) => fetch_graph(query, Vec::new()).await,
                Err(invalid) => Err(PortError::Invalid(invalid)),
            }
        },
    );
    let panel = Resource::new(
        move || query.with(|q| (q.window.clone(), q.selected.clone())),
        |(window, selected)| async move { if selected.is_empty() { Ok(None) } else { fetch_graph_node(window, selected).await } },
    );
    // A newer drawing of the same view, from the live stream.
    let live: RwSignal<Option<GraphLayout>> = RwSignal::new(None);
    let updates = RwSignal::new(0usize);
    // A large drawing is not redrawn by itself: traffic changes mark it stale, and a button redraws.
    let stale = RwSignal::new(false);
    let redraw_asked = RwSignal::new(0usize);
    Effect::new(move |_| {
        view_query.track();
        live.set(None);
        stale.set(false);
    });
    #[cfg(feature = "hydrate")]
    live::follow(live::Live::new(view_query, layout, live, updates, stale), redraw_asked);

    view! {
        <Title text="Graph · Meridian" />
        <section class="graph-page">
            <h1>"Dependency graph"</h1>
            <nav class="windows" aria-label="Time window">
                {WINDOWS.iter().map(|w| view! {
                    <a href=move || GraphQuery { window: w.to_string(), ..query.get() }.href() class:active=move || query.get().window == *w>{*w}</a>
                }).collect_view()}
            </nav>
            {move || view! { <GraphForm query=query.get() /> }}
            <p class="live-status" aria-live="polite" data-testid="live" data-updates=move || updates.get()>
                {move || match updates.get() {
                    0 => String::new(),
                    n => format!("Live: redrawn {n} times as traffic changed; nodes keep their places. "),
                }}
                {move || stale.get().then(|| view! {
                    <span data-testid="stale">"Traffic changed since this large view was drawn. "</span>
                    <button type="button" on:click=move |_| redraw_asked.update(|n| *n += 1)>"Redraw"</button>
                })}
            </p>
            <div class="graph-main">
                <Suspense fallback=Loading>
                    {move || Suspend::new(async move {
                        let first = layout.await;
                        loaded(first, |first| {
                            let current = Signal::derive(move || live.get().unwrap_or_else(|| first.clone()));
                            view! { <GraphBody layout=current query /> }.into_any()
                        })
                    })}
                </Suspense>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let found = panel.await;
                        let close = query.get_untracked().selecting("").href();
                        match found {
                            Ok(None) if query.get_untracked().selected.is_empty() => ().into_any(),
                            other => view! {
                                <aside class="node-panel" data-testid="node-panel" aria-label="Selected node">
                                    <a class="close" href=close>"Close ×"</a>
                                    {one_of(other, |panel| view! { <NodePanelView panel query=query.get_untracked() /> }.into_any())}
                                </aside>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </section>
    }
}

/// The view's form: a GET form, so it works without JavaScript.
#[component]
fn GraphForm(query: GraphQuery) -> impl IntoView {
    let q = query;
    view! {
        <form method="get" action="/graph" class="filters graph-filters" data-testid="graph-form">
            <input type="hidden" name="window" value=q.window.clone() />
            <input type="hidden" name="expand" value=q.expand.clone() />
            <label>"Focus " <input name="focus" value=q.focus.clone() placeholder="a service" size="14" /></label>
            <label>"Hops " <input name="hops" value=q.hops.clone() placeholder="1" size="2" /></label>
            <label>"Direction "
                <select name="direction">
                    {Direction::ALL.into_iter().map(|d| view! {
                        <option value=d.as_str() selected=q.direction == d>{d.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Connections " <input name="connection" value=q.connection.clone() placeholder="http, grpc, database, messaging, external" size="18" /></label>
            <label>"Owner " <input name="owner" value=q.owner.clone() placeholder="team" size="12" /></label>
            <label>"System " <input name="system" value=q.system.clone() placeholder="system" size="12" /></label>
            <label>"Find " <input name="find" value=q.find.clone() placeholder="errors > 1%" size="18" /></label>
            <label>"Hide " <input name="hide" value=q.hide.clone() placeholder="rate < 0.1" size="18" /></label>
            <label>"Group by "
                <select name="group">
                    {Grouping::ALL.into_iter().map(|g| view! {
                        <option value=g.as_str() selected=q.group == g>{g.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Show"</button>
        </form>
    }
}

/// What the view hides and finds, its groups, its exports and its drawing.
#[component]
fn GraphBody(layout: Signal<GraphLayout>, query: Memo<GraphQuery>) -> impl IntoView {
    let exports = move || format!("/api/v1/graph/view?{}", query.get().selecting("").query_string());
    view! {
        <div class="graph-body">
        {move || {
            let l = layout.get();
            view! {
                {(l.hidden_edges > 0 || l.hidden_nodes > 0).then(|| view! {
                    <p class="hidden-summary" data-testid="hidden">
                        {format!("{} nodes and {} edges hidden by this view", l.hidden_nodes, l.hidden_edges)}
                        {(!l.hidden_names.is_empty()).then(|| format!(": {}", l.hidden_names.join(", ")))}
                        {(l.hidden_nodes > l.hidden_names.len()).then_some(", …")}
                    </p>
                })}
                {(!l.found.is_empty()).then(|| view! {
                    <p class="found-summary" data-testid="found">{format!("Found (outlined): {}", l.found.join(", "))}</p>
                })}
                {l.overview.map(|o| {
                    let every = GraphQuery { group: Grouping::Off, expand: String::new(), ..query.get_untracked().selecting("") };
                    view! {
                        <p class="overview-note" data-testid="overview">
                            {format!("An overview: {} nodes grouped by {}. Expand a group below, or ", o.nodes, o.by.label())}
                            <a href=every.href()>"show every node"</a>"."
                        </p>
                    }
                })}
                {(!l.groups.is_empty()).then(|| {
                    let q = query.get_untracked();
                    view! {
                        <ul class="group-legend" data-testid="groups" aria-label="Groups">
                            {l.groups.iter().map(|g| {
                                let (action, state) = if g.collapsed { ("Expand", "collapsed") } else { ("Collapse", "expanded") };
                                view! {
                                    <li data-group=g.name.clone() class=state>
                                        <strong>{g.name.clone()}</strong>
                                        {format!(" · {} · {} inside ", count_of(g.members, "service"), count_of(g.internal_edges, "call"))}
                                        <a href=q.toggling(&g.name).href() aria-label=format!("{action} {}", g.name)>{action}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                })}
            }
        }}
        <p class="exports">"Export: "
            {["svg", "dot", "mermaid", "json"].into_iter().map(|format| view! {
                <a href=move || format!("{}&format={format}", exports()) data-format=format>{format.to_uppercase()}</a> " "
            }).collect_view()}
        </p>
        <GraphSvg layout query />
        </div>
    }
}

/// Following the live stream once hydrated: an `EventSource` on
/// `/api/v1/graph/stream` for the view's window; each change asks the
/// server for the view again, passing the positions on screen to keep.
#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use crate::model::{GraphLayout, GraphQuery};
    use crate::server_fns::fetch_graph;

    /// Redraws at most this often, however often traffic changes.
    const MIN_REDRAW_MS: u64 = 2_000;
    /// Drawings with more edges are redrawn when asked, not on every change:
    /// reading and drawing one again would block the browser.
    const AUTO_REDRAW_MAX_EDGES: usize = 2_000;

    struct Stream {
        source: web_sys::EventSource,
        _on_change: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    /// What a redraw reads and writes; all handles, so it is `Copy`.
    #[derive(Clone, Copy)]
    pub struct Live {
        view_query: Memo<GraphQuery>,
        loaded: Resource<Result<GraphLayout, crate::port::PortError>>,
        live: RwSignal<Option<GraphLayout>>,
        updates: RwSignal<usize>,
        busy: StoredValue<bool, LocalStorage>,
        /// A change came while busy: redrawn once the pause is over.
        dirty: StoredValue<bool, LocalStorage>,
        stale: RwSignal<bool>,
    }

    impl Live {
        pub fn new(
            view_query: Memo<GraphQuery>,
            loaded: Resource<Result<GraphLayout, crate::port::PortError>>,
            live: RwSignal<Option<GraphLayout>>,
            updates: RwSignal<usize>,
            stale: RwSignal<bool>,
        ) -> Live {
            Live { view_query, loaded, live, updates, busy: StoredValue::new_local(false), dirty: StoredValue::new_local(false), stale }
        }

        fn drawn_edges(self) -> usize {
            self.live
                .with_untracked(|live| live.as_ref().map(|l| l.edges.len()))
                .or_else(|| self.loaded.with_untracked(|l| l.as_ref().and_then(|l| l.as_ref().ok()).map(|l| l.edges.len())))
                .unwrap_or(0)
        }

        /// Traffic changed: redraw, or only say so for a large drawing.
        fn changed(self) {
            if self.drawn_edges() > AUTO_REDRAW_MAX_EDGES {
                self.stale.set(true);
            } else {
                self.redraw();
            }
        }

        fn redraw(self) {
            if self.busy.get_value() {
                self.dirty.set_value(true);
                return;
            }
            self.busy.set_value(true);
            self.dirty.set_value(false);
            let drawn = self.live.get_untracked().or_else(|| self.loaded.get_untracked().and_then(Result::ok));
            let keep = drawn.map(|l| l.positions()).unwrap_or_default();
            let query = self.view_query.get_untracked();
            leptos::task::spawn_local(async move {
                // A view changed meanwhile draws afresh; this answer is stale.
                // An unchanged drawing is not drawn again (a large graph costs the browser).
                if let Ok(layout) = fetch_graph(query.clone(), keep).await
                    && self.view_query.get_untracked() == query
                    && self.live.with_untracked(|live| live.as_ref() != Some(&layout))
                {
                    self.live.set(Some(layout));
                    self.updates.update(|n| *n += 1);
                    self.stale.set(false);
                }
                set_timeout(
                    move || {
                        self.busy.set_value(false);
                        if self.dirty.get_value() {
                            self.redraw();
                        }
                    },
                    std::time::Duration::from_millis(MIN_REDRAW_MS),
                );
            });
        }
    }

    pub fn follow(state: Live, redraw_asked: RwSignal<usize>) {
        let view_query = state.view_query;
        // Dropped (and so closed) with the page, or when the window changes.
        let stream = StoredValue::new_local(None::<Stream>);
        Effect::new(move |_| {
            let window = view_query.with(|q| q.window.clone());
            stream.set_value(None);
            let url = format!("/api/v1/graph/stream?window={}", crate::model::encode_query_value(&window));
            let Ok(source) = web_sys::EventSource::new(&url) else { return };
            // The stream's first event is the graph as it is now: what was just drawn.
            let mut first = true;
            let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if !std::mem::take(&mut first) {
                    state.changed();
                }
            });
            let _ = source.add_event_listener_with_callback("graph", on_change.as_ref().unchecked_ref());
            stream.set_value(Some(Stream { source, _on_change: on_change }));
        });
        Effect::new(move |previous: Option<usize>| {
            let asked = redraw_asked.get();
            if previous.is_some_and(|p| p != asked) {
                state.redraw();
            }
            asked
        });
    }
}
