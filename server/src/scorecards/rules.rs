//! One rule on one entity's facts, an entity on a scorecard, a team's entities.

use std::collections::{BTreeMap, HashSet};

use catalog::scorecard::{Rule, Scorecard, Thresholds};

use super::{EntityScore, RuleResult, TeamScore};

/// What the rules of one entity read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub owner: Option<String>,
    pub owner_known: bool,
    pub has_description: bool,
    pub provided_apis: usize,
    pub readable_apis: usize,
    pub slos: usize,
    /// Objectives alerting now (ticket or page).
    pub alerting: Vec<String>,
    pub undeclared: Vec<String>,
    pub observed_operations: usize,
    /// The window operations were observed over, as said (`1d`).
    pub observed_over: String,
    pub documented_operations: usize,
    /// APIs with a breaking change and no new major version.
    pub unversioned_breaking: Vec<String>,
    pub last_deploy: Option<i64>,
}

/// One rule on one entity's facts.
pub fn judge(rule: Rule, facts: &Facts, thresholds: &Thresholds, now: i64) -> RuleResult {
    let (passed, detail) = match rule {
        Rule::HasOwner => match (&facts.owner, facts.owner_known) {
            (Some(owner), true) => (true, format!("owned by {owner}")),
            (Some(owner), false) => (false, format!("its owner {owner} is not in the catalog")),
            (None, _) => (false, "no owner".to_string()),
        },
        Rule::HasDescription => (facts.has_description, if facts.has_description { "described" } else { "no description" }.to_string()),
        Rule::HasApiDefinition => match (facts.provided_apis, facts.readable_apis) {
            (0, _) => (false, "provides no API".to_string()),
            (_, 0) => (false, "no API it provides has a readable definition".to_string()),
            (_, readable) => (true, format!("{readable} API definitions")),
        },
        Rule::HasSlo => (facts.slos > 0, format!("{} SLO objectives", facts.slos)),
        Rule::MeetsSlos => match (facts.slos, facts.alerting.is_empty()) {
            (0, _) => (false, "no SLO to meet".to_string()),
            (_, true) => (true, "no objective is alerting".to_string()),
            (_, false) => (false, format!("alerting: {}", facts.alerting.join(", "))),
        },
        Rule::NoUndeclaredDependencies => match facts.undeclared.as_slice() {
            [] => (true, "every call it makes is declared".to_string()),
            undeclared => (false, format!("calls {} without declaring it", undeclared.join(", "))),
        },
        Rule::DocumentedOperations => {
            if facts.observed_operations == 0 {
                // Said with its window: a page may show operations that arrived since.
                (true, format!("no HTTP operation observed in the {} before this evaluation", facts.observed_over))
            } else {
                let share = facts.documented_operations as f64 / facts.observed_operations as f64;
                let detail = format!(
                    "{} of {} observed operations documented ({:.0} %, needs {:.0} %)",
                    facts.documented_operations,
                    facts.observed_operations,
                    share * 100.0,
                    thresholds.documented_operations * 100.0
                );
                (share >= thresholds.documented_operations, detail)
            }
        }
        Rule::NoBreakingChangeWithoutVersionBump => match facts.unversioned_breaking.as_slice() {
            [] => (true, "no breaking change without a new major version".to_string()),
            apis => (false, format!("breaking changes without a new major version: {}", apis.join(", "))),
        },
        Rule::DeployedRecently => {
            let within = i64::from(thresholds.deployed_within_days) * 86_400;
            match facts.last_deploy {
                Some(at) if now - at <= within => (true, format!("deployed {} days ago", (now - at) / 86_400)),
                Some(at) => {
                    (false, format!("last deployed {} days ago (needs {} days)", (now - at) / 86_400, thresholds.deployed_within_days))
                }
                None => (false, "no deploy seen".to_string()),
            }
        }
    };
    RuleResult { rule, passed, detail }
}

/// An entity on a scorecard.
pub fn score(card: &Scorecard, entity_ref: &str, facts: &Facts, now: i64) -> EntityScore {
    let rules: Vec<RuleResult> = card.rules().into_iter().map(|rule| judge(rule, facts, &card.thresholds, now)).collect();
    let passed: HashSet<Rule> = rules.iter().filter(|r| r.passed).map(|r| r.rule).collect();
    let level = card.level_reached(|rule| passed.contains(&rule)).map(|i| card.levels[i].name.clone());
    let score = if rules.is_empty() { 100 } else { (passed.len() * 100 / rules.len()) as u32 };
    EntityScore { entity_ref: entity_ref.to_string(), owner: facts.owner.clone(), level, score, rules }
}

/// Entities grouped by owner.
pub fn teams(card: &Scorecard, entities: &[EntityScore]) -> Vec<TeamScore> {
    let mut by_owner: BTreeMap<&str, Vec<&EntityScore>> = BTreeMap::new();
    for entity in entities {
        if let Some(owner) = &entity.owner {
            by_owner.entry(owner).or_default().push(entity);
        }
    }
    let level_index = |entity: &EntityScore| entity.level.as_ref().and_then(|l| card.levels.iter().position(|level| &level.name == l));
    by_owner
        .into_iter()
        .map(|(owner, owned)| {
            let mut at_level = vec![0; card.levels.len()];
            let mut below_all = 0;
            for entity in &owned {
                match level_index(entity) {
                    Some(index) => at_level[index] += 1,
                    None => below_all += 1,
                }
            }
            let lowest = owned.iter().map(|e| level_index(e)).min().flatten();
            TeamScore {
                owner: owner.to_string(),
                entities: owned.len(),
                score: (owned.iter().map(|e| e.score).sum::<u32>() as usize / owned.len().max(1)) as u32,
                level: lowest.map(|i| card.levels[i].name.clone()),
                at_level,
                below_all,
            }
        })
        .collect()
}

/// The major part of a version (`v2.1.0` → 2), when it has one.
fn major(version: &str) -> Option<u64> {
    version.trim().trim_start_matches(['v', 'V']).split('.').next()?.parse().ok()
}

/// Whether `new` is a new major version after `old` (or, not numbered so, another version).
pub fn major_bumped(old: Option<&str>, new: Option<&str>) -> bool {
    match (old.and_then(major), new.and_then(major)) {
        (Some(old), Some(new)) => new > old,
        _ => old != new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Scorecard {
        let text = "apiVersion: meridian.dev/v1\nkind: Scorecard\nmetadata: {name: maturity}\nspec:\n  levels:\n    - {name: bronze, rules: [has-owner]}\n    - {name: silver, rules: [has-slo, meets-slos]}\n    - {name: gold, rules: [documented-operations, deployed-recently]}\n";
        catalog::scorecard::read_files(&[("cards.yaml".into(), text.into())]).scorecards.remove(0)
    }

    #[test]
    fn rules_read_facts_and_levels_need_every_rule_below() {
        let now = 100 * 86_400;
        let gold = Facts {
            owner: Some("group:default/a".into()),
            owner_known: true,
            slos: 2,
            observed_operations: 10,
            observed_over: "1d".into(),
            documented_operations: 8,
            last_deploy: Some(now - 3 * 86_400),
            ..Facts::default()
        };
        let scored = score(&card(), "component:default/x", &gold, now);
        assert_eq!((scored.level.as_deref(), scored.score), (Some("gold"), 100));
        let alerting = Facts { alerting: vec!["x-availability (page)".into()], ..gold.clone() };
        let scored = score(&card(), "component:default/x", &alerting, now);
        assert_eq!(scored.level.as_deref(), Some("bronze"), "failing silver stops there, whatever gold says");
        assert_eq!(scored.score, 80);
        let meets = scored.rules.iter().find(|r| r.rule == Rule::MeetsSlos).unwrap();
        assert_eq!(meets.detail, "alerting: x-availability (page)");
        let stale = Facts { last_deploy: Some(now - 40 * 86_400), documented_operations: 7, ..gold.clone() };
        let scored = score(&card(), "component:default/x", &stale, now);
        assert_eq!(scored.level.as_deref(), Some("silver"));
        let details: Vec<&str> = scored.rules.iter().filter(|r| !r.passed).map(|r| r.detail.as_str()).collect();
        assert_eq!(details, ["7 of 10 observed operations documented (70 %, needs 80 %)", "last deployed 40 days ago (needs 30 days)"]);
        let orphan = Facts { owner_known: false, ..gold.clone() };
        assert_eq!(score(&card(), "component:default/x", &orphan, now).level, None);
        let quiet = Facts { observed_operations: 0, documented_operations: 0, ..gold.clone() };
        let documented =
            score(&card(), "component:default/x", &quiet, now).rules.into_iter().find(|r| r.rule == Rule::DocumentedOperations);
        assert_eq!(
            documented.map(|r| (r.passed, r.detail)),
            Some((true, "no HTTP operation observed in the 1d before this evaluation".to_string())),
            "says over what, so traffic that came since does not contradict it"
        );

        let entities = [
            score(&card(), "component:default/a", &gold, now),
            score(&card(), "component:default/b", &stale, now),
            score(&card(), "component:default/c", &Facts { owner: Some("group:default/a".into()), ..Facts::default() }, now),
        ];
        let teams = teams(&card(), &entities);
        assert_eq!(teams.len(), 1);
        assert_eq!(
            (teams[0].entities, teams[0].level.as_deref(), teams[0].at_level.clone(), teams[0].below_all),
            (3, None, vec![0, 1, 1], 1)
        );
    }

    #[test]
    fn versions_bump_by_their_major_part() {
        assert!(major_bumped(Some("1.4.0"), Some("2.0.0")));
        assert!(major_bumped(Some("v1"), Some("v2.0")));
        assert!(!major_bumped(Some("1.4.0"), Some("1.5.0")));
        assert!(major_bumped(Some("2024-01"), Some("2024-06")), "not numbered as semver: any other version");
        assert!(!major_bumped(None, None));
    }
}
