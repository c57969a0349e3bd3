//! Every Mozilla Readability test page through `stet::extract::extract`: none may panic,
//! and every page whose expected body is non-empty must give a non-empty body. Title
//! agreement with expected-metadata.json is printed, not asserted (`stet-eval` measures
//! the rest). Reads ../shared/corpus/readability-test-pages; skips when it is absent.

use std::path::PathBuf;

#[test]
fn readability_test_pages_extract() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/readability-test-pages");
    if !dir.is_dir() {
        println!(
            "SKIPPED: {} is absent (the Mozilla test pages are not copied into the repo)",
            dir.display()
        );
        return;
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("source.html").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let (mut titles, mut empty) = (0, Vec::new());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(case.join("source.html")).unwrap();
        let expected = std::fs::read_to_string(case.join("expected.html")).unwrap_or_default();
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("expected-metadata.json")).unwrap(),
        )
        .unwrap();
        let result =
            std::panic::catch_unwind(|| stet::extract::extract(&source, stet::eval::MOZILLA_URL));
        let out = result.unwrap_or_else(|_| panic!("{name}: extraction panicked"));
        let expected_text = stet::text::html_to_text(&expected, None);
        let got = out.as_ref().map(|x| x.text.clone()).unwrap_or_default();
        if !expected_text.trim().is_empty() && got.trim().is_empty() {
            empty.push(name.clone());
        }
        let want = meta["title"].as_str().map(stet::text::collapse_ws);
        if want.is_some() && out.as_ref().ok().and_then(|x| x.title.clone()) == want {
            titles += 1;
        }
    }
    println!(
        "titles matching expected-metadata.json: {titles}/{}",
        cases.len()
    );
    assert!(empty.is_empty(), "empty body for: {empty:?}");
}
