//! Deploys reported from outside Meridian's own traces: GitHub's
//! deployments and releases ([`github`]), polled for the components that
//! name their repository (`github.com/project-slug`). What is found goes to
//! the store as reported deploys; the core merges them with the deploys
//! detected in traces and with those pushed over the API.

pub mod github;
