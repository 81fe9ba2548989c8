//! The API and Insights pages' view models, from the core's answers.

use app::model::{
    ApiPageView, ApiRow, ApiVersionRow, ChangeLevel, ChangeRow, ConsumerRow, ContentModel, CoverageView, DefinitionModel, Dependency,
    DriftView, EntityScoreRow, FanRow, InsightsView, NamedOperation, NodeRef, OperationModel, ParameterModel, PayloadModel, ResponseModel,
    RuleRow, SchemaNode, ScorecardView, TeamScoreRow, UseRow, VersionChangeView,
};
use app::port::PortError;
use contracts::diff::Level;
use contracts::operations::SchemaTree;

use super::port_error;
use crate::core::apis::{ApiChanges, ApiDetail, Consumer, Consumers, Coverage, DefinitionView, OperationUse};
use crate::core::insights::{Cycles, Drift, Hotspots};
use crate::core::scorecards::{CardScores, EntityScore};
use crate::core::{Core, Window};

/// The window an API page's coverage and consumers cover.
pub const API_PAGE_WINDOW: Window = Window { duration: std::time::Duration::from_secs(24 * 3600) };
/// Hot spots listed on the Insights page.
const HOTSPOTS: usize = 10;

fn schema(tree: &SchemaTree) -> SchemaNode {
    SchemaNode {
        name: tree.name.clone(),
        title: tree.title.clone(),
        types: tree.types.clone(),
        required: tree.required,
        description: tree.description.clone(),
        enum_values: tree.enum_values.clone(),
        recursive: tree.recursive,
        children: tree.children.iter().map(schema).collect(),
    }
}

fn content(list: &[contracts::operations::Content]) -> Vec<ContentModel> {
    list.iter()
        .map(|c| ContentModel { media_type: c.media_type.clone(), schema: c.schema.as_ref().map(schema), example: c.example.clone() })
        .collect()
}

fn consumer(c: &Consumer) -> ConsumerRow {
    ConsumerRow {
        service: c.service.clone(),
        entity_ref: c.entity_ref.clone(),
        owner: c.owner.clone(),
        calls: c.calls,
        errors: c.errors,
        caller_failures: c.caller_failures,
        kept_spans: c.kept_spans,
    }
}

fn use_row(u: &OperationUse) -> UseRow {
    UseRow {
        method: u.method.clone(),
        path: u.path.clone(),
        requests: u.requests,
        errors: u.errors,
        kept_spans: u.kept_spans,
        p95_ms: u.p95_ms,
        last_seen: u.last_seen.clone(),
    }
}

fn level(level: Level) -> ChangeLevel {
    match level {
        Level::Breaking => ChangeLevel::Breaking,
        Level::Warning => ChangeLevel::Warning,
        Level::Info => ChangeLevel::Info,
    }
}

pub fn api_page(detail: ApiDetail, changes: ApiChanges, coverage: Coverage, consumers: Consumers) -> ApiPageView {
    let consumers_of = |method: &str, path: &str| -> Vec<ConsumerRow> {
        consumers
            .operations
            .iter()
            .find(|o| o.documented && o.method == method && o.path == path)
            .map(|o| o.consumers.iter().map(consumer).collect())
            .unwrap_or_default()
    };
    let definition = match detail.definition {
        DefinitionView::OpenApi { format, version, operations, .. } => DefinitionModel::Operations {
            format,
            version,
            operations: operations
                .iter()
                .map(|o| OperationModel {
                    method: o.method.clone(),
                    path: o.path.clone(),
                    summary: o.summary.clone(),
                    description: o.description.clone(),
                    deprecated: o.deprecated,
                    parameters: o
                        .parameters
                        .iter()
                        .map(|p| ParameterModel {
                            name: p.name.clone(),
                            location: p.location.clone(),
                            required: p.required,
                            description: p.description.clone(),
                            schema: p.schema.as_ref().map(schema),
                        })
                        .collect(),
                    request: o.request.as_ref().map(|r| PayloadModel { required: r.required, content: content(&r.content) }),
                    responses: o
                        .responses
                        .iter()
                        .map(|r| ResponseModel {
                            status: r.status.clone(),
                            description: r.description.clone(),
                            content: content(&r.content),
                        })
                        .collect(),
                    consumers: consumers_of(&o.method, &o.path),
                })
                .collect(),
        },
        DefinitionView::Source { language, operations } => DefinitionModel::Source {
            language,
            text: detail.source.clone(),
            operations: operations.into_iter().map(|n| NamedOperation { kind: n.kind, name: n.name }).collect(),
        },
        DefinitionView::Unreadable { problem } => DefinitionModel::Unreadable { problem, text: detail.source.clone() },
    };
    ApiPageView {
        title: detail.title.clone().unwrap_or_else(|| detail.entity_ref.rsplit('/').next().unwrap_or_default().to_string()),
        entity_ref: detail.entity_ref,
        description: detail.description,
        api_type: detail.api_type,
        lifecycle: detail.lifecycle,
        owner: detail.owner,
        providers: detail.providers,
        declared_consumers: detail.declared_consumers,
        definition,
        versions: detail
            .versions
            .into_iter()
            .map(|v| ApiVersionRow {
                version: v.version,
                hash: v.hash,
                first_seen: slo::window::rfc3339(v.first_seen.max(0) as u64),
                source: v.source,
            })
            .collect(),
        changes: changes
            .changes
            .into_iter()
            .map(|c| VersionChangeView {
                from_version: c.from_version,
                to_version: c.to_version,
                at: slo::window::rfc3339(c.at.max(0) as u64),
                problem: c.problem,
                changes: c
                    .groups
                    .into_iter()
                    .map(|row| ChangeRow {
                        level: level(row.group.level),
                        subject: row.group.named(),
                        operations: row.group.operations.iter().map(ToString::to_string).collect(),
                        id: row.group.id,
                        pointer: row.group.pointer,
                        message: row.group.message,
                        consumers: row.consumers.iter().map(consumer).collect(),
                    })
                    .collect(),
            })
            .collect(),
        coverage: CoverageView {
            window: API_PAGE_WINDOW.to_string(),
            documented: coverage.documented.iter().map(use_row).collect(),
            undocumented: coverage.undocumented.iter().map(use_row).collect(),
            unused: coverage.unused.iter().map(|r| format!("{} {}", r.method, r.path)).collect(),
        },
    }
}

/// The page of one API; `None` when the catalog has no such API.
pub async fn api(core: &Core, namespace: &str, name: &str) -> Result<Option<ApiPageView>, PortError> {
    let detail = match core.api(namespace, name).await {
        Ok(detail) => detail,
        Err(crate::core::Error::NotFound(_)) => return Ok(None),
        Err(error) => return Err(port_error(error)),
    };
    let changes = core.api_changes(namespace, name).await.map_err(port_error)?;
    let coverage = core.api_coverage(namespace, name, API_PAGE_WINDOW).await.map_err(port_error)?;
    let consumers = core.api_consumers(namespace, name, API_PAGE_WINDOW).await.map_err(port_error)?;
    Ok(Some(api_page(detail, changes, coverage, consumers)))
}

/// Every API entity, by title.
pub fn apis(core: &Core) -> Vec<ApiRow> {
    let index = core.catalog();
    let filter = catalog::index::Filter::all_of([catalog::index::Condition::equals("kind", "api")]);
    let mut rows: Vec<ApiRow> = index
        .filter(&filter)
        .into_iter()
        .map(|position| {
            let indexed = &index.entities()[position];
            let entity = &indexed.entity;
            ApiRow {
                entity_ref: indexed.key(),
                title: entity.metadata.title.clone().unwrap_or_else(|| entity.metadata.name.clone()),
                api_type: entity.spec_str("type").unwrap_or_default().to_string(),
                owner: entity.relation_targets("ownedBy").next().map(str::to_string),
                lifecycle: entity.spec_str("lifecycle").map(str::to_string),
                providers: entity.relation_targets("apiProvidedBy").map(str::to_string).collect(),
            }
        })
        .collect();
    rows.sort_by_key(|row| row.title.to_lowercase());
    rows
}

pub fn drift_view(drift: &Drift) -> DriftView {
    let dependency = |d: &crate::core::insights::Dependency| Dependency { source: d.source.clone(), target: d.target.clone() };
    DriftView {
        undeclared: drift.undeclared.iter().map(dependency).collect(),
        unobserved: drift.unobserved.iter().map(dependency).collect(),
        uncataloged: drift.uncataloged.clone(),
        silent: drift.silent.clone(),
    }
}

pub fn entity_scores(card: &CardScores, entity: &EntityScore) -> EntityScoreRow {
    EntityScoreRow {
        scorecard: card.title.clone().unwrap_or_else(|| card.name.clone()),
        entity_ref: entity.entity_ref.clone(),
        owner: entity.owner.clone(),
        level: entity.level.clone(),
        score: entity.score,
        levels: card.levels.clone(),
        rules: entity.rules.iter().map(|r| RuleRow { rule: r.rule.id().to_string(), passed: r.passed, detail: r.detail.clone() }).collect(),
    }
}

fn insights_view(window: Window, drift: &Drift, cycles: &Cycles, hotspots: &Hotspots, cards: &[CardScores]) -> InsightsView {
    let fan = |f: &crate::core::insights::Fan| FanRow {
        service: NodeRef { name: f.service.clone(), entity_ref: f.entity_ref.clone() },
        services: f.services,
        requests: f.requests,
    };
    InsightsView {
        window: window.to_string(),
        drift: drift_view(drift),
        cycles: cycles
            .cycles
            .iter()
            .map(|c| {
                c.services
                    .iter()
                    .zip(&c.entity_refs)
                    .map(|(name, entity_ref)| NodeRef { name: name.clone(), entity_ref: entity_ref.clone() })
                    .collect()
            })
            .collect(),
        fan_in: hotspots.fan_in.iter().map(fan).collect(),
        fan_out: hotspots.fan_out.iter().map(fan).collect(),
        scorecards: cards
            .iter()
            .map(|card| ScorecardView {
                name: card.name.clone(),
                title: card.title.clone().unwrap_or_else(|| card.name.clone()),
                description: card.description.clone(),
                levels: card.levels.clone(),
                teams: card
                    .teams
                    .iter()
                    .map(|t| TeamScoreRow {
                        owner: t.owner.clone(),
                        entities: t.entities,
                        score: t.score,
                        level: t.level.clone(),
                        at_level: t.at_level.clone(),
                        below_all: t.below_all,
                    })
                    .collect(),
                entities: card.entities.iter().map(|e| entity_scores(card, e)).collect(),
            })
            .collect(),
    }
}

pub async fn insights(core: &Core, window: &str) -> Result<InsightsView, PortError> {
    let window = if window.trim().is_empty() {
        crate::core::insights::DEFAULT_INSIGHTS_WINDOW
    } else {
        Window::parse(window).map_err(|e| port_error(e.into()))?
    };
    let drift = core.drift(window, None).await.map_err(port_error)?;
    let cycles = core.cycles(window).await.map_err(port_error)?;
    let hotspots = core.hotspots(window, HOTSPOTS).await.map_err(port_error)?;
    let scores = core.scorecards();
    Ok(insights_view(window, &drift, &cycles, &hotspots, &scores.scorecards))
}
