#![allow(dead_code)]
use std::path::{Path, PathBuf};

/// The contract's example files, beside the repository in `shared/`.
pub fn spec_examples() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/examples");
    assert!(p.join("api-message.json").exists(), "contract examples not found at {}", p.display());
    p
}

/// A temp folder holding one file.
pub fn folder_with(name: &str, content: &[u8]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(name), content).unwrap();
    d
}

pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_paxscreen"))
}
