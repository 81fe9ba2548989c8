//! A schema as a tree of `<details>`: collapsible without JavaScript.

use leptos::prelude::*;

use crate::model::SchemaNode;

/// Levels open when the page loads; deeper ones open on a click.
const OPEN_LEVELS: usize = 2;

#[component]
pub fn SchemaTree(node: SchemaNode) -> impl IntoView {
    view! { <div class="schema-tree">{schema_view(node, 0)}</div> }
}

// A function, not a component, so it can call itself.
fn schema_view(node: SchemaNode, depth: usize) -> AnyView {
    let label = view! {
        {node.name.clone().map(|name| view! { <code class="schema-name">{name}</code> " " })}
        <span class="schema-type">{node.types.clone()}</span>
        {node.title.clone().map(|title| view! { " " <span class="schema-title">"(" {title} ")"</span> })}
        {node.required.then(|| view! { " " <span class="required">"required"</span> })}
        {(!node.enum_values.is_empty()).then(|| view! { " " <span class="schema-enum">"one of: " {node.enum_values.join(", ")}</span> })}
        {node.recursive.then(|| view! { " " <span class="schema-recursive">"(drawn above)"</span> })}
        {node.description.clone().map(|d| view! { <span class="schema-description">" — " {d}</span> })}
    };
    if node.children.is_empty() {
        return view! { <div class="schema-leaf">{label}</div> }.into_any();
    }
    view! {
        <details class="schema" open=depth < OPEN_LEVELS>
            <summary>{label}</summary>
            <div class="schema-children">{node.children.into_iter().map(|child| schema_view(child, depth + 1)).collect_view()}</div>
        </details>
    }
    .into_any()
}
