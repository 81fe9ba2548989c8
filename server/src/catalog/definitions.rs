//! Files an API definition's `$ref`s name, read as the catalog reads its
//! own: relative to the referring file or URL, files only inside the
//! configured roots (symbolic links resolved before the check), URLs only
//! through the allow-list, neither larger than
//! [`contracts::document::MAX_DOCUMENT_BYTES`].

use std::path::Path;

use catalog::{PathRoots, Reader, Source};

pub struct DefinitionFetch<'a> {
    roots: PathRoots,
    urls: &'a dyn Reader,
    /// A document named other than where it lies (a stored version,
    /// `api:default/orders@3`): its name, and the path or URL its
    /// references resolve against.
    alias: Option<(String, String)>,
}

impl<'a> DefinitionFetch<'a> {
    pub fn new(roots: PathRoots, urls: &'a dyn Reader) -> Self {
        Self { roots, urls, alias: None }
    }

    /// References written in the document named `name` resolve against `base`.
    pub fn with_base(mut self, name: &str, base: &str) -> Self {
        self.alias = Some((name.to_string(), base.to_string()));
        self
    }

    /// Reads a top-level document given by a person (a CLI argument):
    /// a file inside the roots, or an allowed URL; returns its name and text.
    pub fn read_top(&self, target: &str) -> Result<(String, String), String> {
        match Source::parse(target).map_err(|e| e.to_string())? {
            Source::File(path) => self.read_file(&path),
            url => self.read_url(&url),
        }
    }

    fn read_file(&self, path: &Path) -> Result<(String, String), String> {
        let canonical = self.roots.check(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = catalog::read_file(&canonical, None, contracts::document::MAX_DOCUMENT_BYTES)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((canonical.display().to_string(), text))
    }

    fn read_url(&self, source: &Source) -> Result<(String, String), String> {
        let text = source.read(self.urls).map_err(|e| e.to_string())?;
        Ok((source.to_string(), text))
    }
}

impl contracts::Fetch for DefinitionFetch<'_> {
    fn fetch(&self, from: &str, written: &str) -> Result<(String, String), String> {
        let from = match &self.alias {
            Some((name, base)) if name == from => base.as_str(),
            _ => from,
        };
        let source = Source::parse(from).and_then(|from| from.resolve(written)).map_err(|e| e.to_string())?;
        match &source {
            Source::File(path) => self.read_file(path),
            Source::Url(_) => self.read_url(&source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::Fetch;

    #[test]
    fn files_resolve_relative_to_the_referring_file_and_stay_inside_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("apis");
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/schemas.yaml"), "A: {type: string}\n").unwrap();
        std::fs::write(dir.path().join("secret.yaml"), "s: 1\n").unwrap();
        let fetch = DefinitionFetch::new(PathRoots::new(std::slice::from_ref(&root)), &catalog::NoUrls);
        let from = root.join("orders.yaml").display().to_string();
        let (name, text) = fetch.fetch(&from, "./shared/schemas.yaml").unwrap();
        assert!(name.ends_with("apis/shared/schemas.yaml") && text.starts_with("A:"), "{name}");
        let refused = fetch.fetch(&from, "../secret.yaml").unwrap_err();
        assert!(refused.contains("outside the folders"), "{refused}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.yaml"), root.join("link.yaml")).unwrap();
            assert!(fetch.fetch(&from, "link.yaml").unwrap_err().contains("outside the folders"), "a link out is resolved first");
        }
        assert!(fetch.fetch(&from, "https://example.com/x.yaml").unwrap_err().contains("allow-list"));
    }
}
