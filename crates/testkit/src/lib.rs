//! Test kit for trailaudit: the moto emulator harness ([`emulator`]), the
//! declarative scenario format ([`scenario`]) and the seeder that applies a
//! scenario to the emulator through the AWS SDK ([`mod@seed`]).
//!
//! Used by the end-to-end tests and by `cargo xtask`; never by the product.

pub mod actors;
pub mod delivery;
pub mod digests;
pub mod emulator;
pub mod fake;
pub mod proxy;
pub mod scenario;
pub mod seed;
pub mod synthetic;

pub use emulator::Emulator;
pub use scenario::Scenario;
pub use seed::{seed, Seeded};

/// `tests/scenarios/NAME.toml` in the workspace.
pub fn scenario_path(name: &str) -> std::path::PathBuf {
    emulator::workspace_root()
        .join("tests")
        .join("scenarios")
        .join(format!("{name}.toml"))
}

/// Loads a bundled scenario by name, panicking with the validation error.
pub fn bundled(name: &str) -> Scenario {
    Scenario::load(&scenario_path(name)).unwrap_or_else(|e| panic!("{e}"))
}
