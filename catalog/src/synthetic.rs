//! A synthetic organisation for benchmarks and load tests: components, APIs,
//! teams, people, systems and domains with the relations a real monorepo has
//! (owners, systems, provided and consumed APIs, dependencies, team
//! hierarchy, memberships). Pure: it returns file contents, the caller writes
//! them where it likes.

use std::fmt::Write as _;

/// How many entities of each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Org {
    pub components: usize,
    pub apis: usize,
    pub groups: usize,
    pub users: usize,
    pub systems: usize,
    pub domains: usize,
}

impl Org {
    /// The proportions of the 50,000-entity organisation of the catalog
    /// benchmarks (40k components, 2k APIs, 1k groups, 5k users, 1.5k
    /// systems, 500 domains), scaled to about `total` entities.
    pub fn scaled(total: usize) -> Self {
        let f = total as f64 / 50_000.0;
        let n = |x: f64| ((x * f).round() as usize).max(1);
        Org { components: n(40_000.0), apis: n(2_000.0), groups: n(1_000.0), users: n(5_000.0), systems: n(1_500.0), domains: n(500.0) }
    }

    pub fn total(&self) -> usize {
        self.components + self.apis + self.groups + self.users + self.systems + self.domains
    }

    /// The organisation as a monorepo would hold it: `org/org.yaml` with
    /// domains, teams and people, and one `system-N.yaml` per system with its
    /// APIs and components. Returns (relative path, content) pairs.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut files = vec![("org/org.yaml".to_string(), self.org_file())];
        files.extend((0..self.systems).map(|s| (format!("system-{s}.yaml"), self.system_file(s))));
        files
    }

    fn org_file(&self) -> String {
        let mut text = String::new();
        for d in 0..self.domains {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: domain-{d}\n  description: Business domain {d}\nspec:\n  owner: team-{}\n",
                d % self.groups
            );
        }
        for g in 0..self.groups {
            let parent = if g == 0 { String::new() } else { format!("  parent: team-{}\n", (g - 1) / 10) };
            let members: Vec<String> = (g..self.users).step_by(self.groups).map(|u| format!("user-{u}")).collect();
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{g}\n  title: Team {g}\nspec:\n  type: team\n{parent}  children: []\n  members: [{}]\n",
                members.join(", ")
            );
        }
        for u in 0..self.users {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: user-{u}\nspec:\n  profile:\n    displayName: User {u}\n    email: user-{u}@example.com\n  memberOf: [team-{}]\n",
                u % self.groups
            );
        }
        text
    }

    fn system_file(&self, s: usize) -> String {
        const LIFECYCLES: [&str; 3] = ["production", "experimental", "deprecated"];
        const TYPES: [&str; 3] = ["service", "website", "library"];
        const LANGUAGES: [&str; 5] = ["java", "go", "rust", "python", "typescript"];
        let mut text = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: system-{s}\n  description: System number {s}\nspec:\n  owner: team-{}\n  domain: domain-{}\n",
            s % self.groups,
            s % self.domains
        );
        for a in (s..self.apis).step_by(self.systems) {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-{a}\n  description: API {a} of system {s}\n  tags: [rest]\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-{}\n  system: system-{s}\n  definition: |\n    openapi: 3.0.0\n    info: {{title: API {a}, version: 1.0.0}}\n    paths: {{}}\n",
                a % self.groups
            );
        }
        for c in (s..self.components).step_by(self.systems) {
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: component-{c}\n  title: Component {c}\n  description: Handles part {c} of system {s}\n  tags: [{}, tier-{}]\n  annotations:\n    github.com/project-slug: example/component-{c}\nspec:\n  type: {}\n  lifecycle: {}\n  owner: team-{}\n  system: system-{s}\n  providesApis: [api-{}]\n  consumesApis: [api-{}]\n  dependsOn: [component:component-{}]\n",
                LANGUAGES[c % LANGUAGES.len()],
                c % 3,
                TYPES[c % TYPES.len()],
                LIFECYCLES[c % LIFECYCLES.len()],
                c % self.groups,
                c % self.apis,
                (c * 7 + 3) % self.apis,
                (c * 13 + 1) % self.components
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_organisation_parses_without_errors_and_every_reference_resolves() {
        let org = Org::scaled(500);
        let mut entities = Vec::new();
        for (path, text) in org.files() {
            let parsed = crate::parse_str(&path, &text);
            assert!(parsed.diagnostics.is_empty(), "{path}: {:?}", parsed.diagnostics);
            entities.extend(parsed.entities.into_iter().map(|p| p.entity));
        }
        assert_eq!(entities.len(), org.total());
        let unresolved = crate::derive_relations(&mut entities);
        assert!(unresolved.is_empty(), "{unresolved:?}");
    }
}
