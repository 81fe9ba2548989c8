//! The header's search: a plain GET form to the catalog (without
//! JavaScript), and once hydrated, ranked results as you type, moved
//! through with the arrow keys and opened with Enter; `/` anywhere focuses it.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::SearchView;
use crate::server_fns::search_catalog;

/// Results shown under the box at most.
const SHOWN: usize = 8;

#[component]
pub fn HeaderSearch() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let active = RwSignal::new(None::<usize>);
    let open = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let results = Resource::new(
        move || text.get(),
        |text| async move { if text.trim().is_empty() { Ok(SearchView::default()) } else { search_catalog(text, String::new()).await } },
    );
    // `/` focuses the box, unless a field is being typed in.
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            #[cfg(feature = "hydrate")]
            {
                let typing = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
                if event.key() == "/" && !typing {
                    event.prevent_default();
                    if let Some(input) = input.get() {
                        let _ = input.focus();
                    }
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = event;
        });
        on_cleanup(move || handle.remove());
    });
    let hrefs = move || {
        results
            .get()
            .and_then(Result::ok)
            .map(|view| view.items.iter().take(SHOWN).map(|item| item.href()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let navigate = use_navigate();
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        let count = hrefs().len();
        match event.key().as_str() {
            "ArrowDown" if count > 0 => {
                event.prevent_default();
                open.set(true);
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1).min(count - 1))));
            }
            "ArrowUp" if count > 0 => {
                event.prevent_default();
                active.update(|a| *a = a.and_then(|i| i.checked_sub(1)));
            }
            "Enter" => {
                if let Some(href) = active.get_untracked().and_then(|i| hrefs().get(i).cloned()) {
                    event.prevent_default();
                    open.set(false);
                    navigate(&href, Default::default());
                }
            }
            "Escape" => open.set(false),
            _ => {}
        }
    };
    view! {
        <form method="get" action="/" role="search" class="header-search">
            <label class="visually-hidden" for="header-search">"Search the catalog"</label>
            <input
                id="header-search"
                type="search"
                name="q"
                placeholder="Search (press /)"
                autocomplete="off"
                data-testid="header-search"
                role="combobox"
                aria-autocomplete="list"
                node_ref=input
                aria-controls="header-search-results"
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || active.get().map(|i| format!("header-search-result-{i}"))
                on:input=move |event| {
                    text.set(event_target_value(&event));
                    active.set(None);
                    open.set(true);
                }
                on:keydown=on_keydown
                on:blur=move |_| open.set(false)
            />
            <Show when=move || open.get() && !text.get().trim().is_empty()>
                <ul id="header-search-results" class="header-search-results" role="listbox" data-testid="header-search-results">
                    <Suspense>
                        {move || Suspend::new(async move {
                            let view = results.await.unwrap_or_default();
                            view.items.into_iter().take(SHOWN).enumerate().map(|(i, item)| {
                                let title = item.title.clone().unwrap_or_else(|| item.name.clone());
                                let href = item.href();
                                view! {
                                    <li
                                        role="option"
                                        id=format!("header-search-result-{i}")
                                        aria-selected=move || (active.get() == Some(i)).to_string()
                                        class:active=move || active.get() == Some(i)
                                    >
                                        // Follows the link before the box's blur closes the list.
                                        <a href=href on:mousedown=|event| event.prevent_default()>{title} " " <small>{item.kind.clone()}</small></a>
                                    </li>
                                }
                            }).collect_view()
                        })}
                    </Suspense>
                </ul>
            </Show>
        </form>
    }
}
