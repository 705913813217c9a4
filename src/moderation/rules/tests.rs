//! Unit tests of the rule engine.
