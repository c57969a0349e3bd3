//! Comment state on the fixture set in tests/fixtures/extract/comments/ (see its README):
//! every page's state is asserted, and comment text never enters the body.

use std::path::PathBuf;

use stet::extract::{CommentState, extract};

#[test]
fn every_comment_fixture_has_its_state_and_no_comment_in_the_body() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract/comments");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    files.sort();
    assert!(files.len() >= 24, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let want = name
            .split('-')
            .find_map(|w| match w {
                "open" => Some(CommentState::Open),
                "closed" => Some(CommentState::Closed),
                "none" => Some(CommentState::None),
                "unknown" => Some(CommentState::Unknown),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: no state in the file name"));
        let html = std::fs::read_to_string(f).unwrap();
        let x = extract(&html, "https://ex.test/2026/ferry-timetable").unwrap();
        if x.comments != want {
            failures.push(format!("{name}: want {want:?}, got {:?}", x.comments));
        }
        if x.text.contains("READER-COMMENT") || x.html.contains("READER-COMMENT") {
            failures.push(format!("{name}: comment text in the body"));
        }
        if !x.text.contains("The harbour authority approved") {
            failures.push(format!("{name}: article lost: {}", x.text));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
