//! The SCORM packager: writing SCORM 1.2 and 2004 packages from a built web course,
//! reading and checking third-party packages, and the CMI data-model rules.
//!
//! Nothing is here yet: the work is tracked as its own issue ("SCORM packages"). The
//! crate exists so that the workspace has the shape `ARCHITECTURE.md` describes and
//! the authoring crate's output (a folder) is already what the packager will take.
