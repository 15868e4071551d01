//! Tests of the packager against real third-party packages, ADL's conformance test
//! manifests and crafted hostile zips.

mod archive;
mod cmi;
mod forge;
mod hostile;
mod hostile_cases;
mod inspect;
mod properties;
mod robustness;
mod writer;
