//! `audit why`: explains why a CloudTrail event cannot be found in the logs,
//! as a pure function of a snapshot and a question.
//!
//! Not implemented yet (issue 6): the crate holds the pipeline's place
//! between checks and the CLI so that the dependency direction is fixed.
