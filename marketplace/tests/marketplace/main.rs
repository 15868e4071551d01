//! Integration tests of the marketplace service.
