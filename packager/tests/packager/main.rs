//! Tests of the packager against real third-party packages, ADL's conformance test
//! manifests and crafted hostile zips.

mod cmi;
mod hostile;
mod inspect;
mod robustness;
