//! Issue 11, fuzzing in `cargo test`: a bounded smoke run of the cargo-fuzz targets
//! (`stet::fuzzing`, the same functions `fuzz/fuzz_targets/` run under libFuzzer) over
//! the fixtures and random mutations of them, with a fixed seed and a fixed count, so it
//! is repeatable and takes seconds. A crash found here or by cargo-fuzz becomes a case
//! in `tests/fixtures/fuzz/<target>/` (run unmutated by `crashes_found_before_stay_fixed`).

mod common;

use std::path::{Path, PathBuf};

use stet::fuzzing;

/// Mutations per seed file, and the largest seed used (bigger pages only slow the run).
const MUTATIONS: usize = 24;
const MAX_SEED_BYTES: u64 = 48 * 1024;
/// At most this many seeds per target.
const MAX_SEEDS: usize = 12;

/// Byte strings that parsers treat specially, spliced in by the mutator.
const TOKENS: [&[u8]; 14] = [
    b"<",
    b">",
    b"&#x",
    b"&amp;",
    b"]]>",
    b"<![CDATA[",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"<meta charset=\"shift_jis\">",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<script>",
    b"\x00",
    b"\xF0\x9F",
    b"</p><p>",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.metadata().is_ok_and(|m| m.len() <= MAX_SEED_BYTES) {
            out.push(p);
        }
    }
}

/// The seed inputs of a target: fixture files with one of `exts`, in name order.
fn seeds(exts: &[&str]) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    files(&common::fixtures(), &mut all);
    all.into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
        .take(MAX_SEEDS)
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// One random edit of `data`: a byte changed, a token or random bytes inserted, a range
/// deleted or repeated, or the tail cut.
fn mutate(rng: &mut fastrand::Rng, data: &mut Vec<u8>) {
    let at = |rng: &mut fastrand::Rng, len: usize| rng.usize(0..=len);
    match rng.u8(0..6) {
        0 if !data.is_empty() => {
            let i = rng.usize(0..data.len());
            data[i] = rng.u8(..);
        }
        1 => {
            let i = at(rng, data.len());
            let t = TOKENS[rng.usize(0..TOKENS.len())];
            data.splice(i..i, t.iter().copied());
        }
        2 => {
            let i = at(rng, data.len());
            let bytes: Vec<u8> = (0..rng.usize(1..16)).map(|_| rng.u8(..)).collect();
            data.splice(i..i, bytes);
        }
        3 if !data.is_empty() => {
            let i = rng.usize(0..data.len());
            let j = (i + rng.usize(1..256)).min(data.len());
            data.drain(i..j);
        }
        4 if !data.is_empty() => {
            let i = rng.usize(0..data.len());
            let j = (i + rng.usize(1..512)).min(data.len());
            let copy = data[i..j].to_vec();
            let k = at(rng, data.len());
            data.splice(k..k, copy);
        }
        _ => {
            let i = at(rng, data.len());
            data.truncate(i);
        }
    }
}

/// Runs `target` on each seed and on `MUTATIONS` mutants of each (1 to 4 edits), with a
/// fixed seed; returns the number of inputs run.
fn smoke(name: &str, target: fn(&[u8]), seeds: &[Vec<u8>]) -> usize {
    assert!(!seeds.is_empty(), "{name}: no seed files");
    let mut rng = fastrand::Rng::with_seed(0x5737_0011);
    let mut runs = 0;
    for seed in seeds {
        target(seed);
        runs += 1;
        for _ in 0..MUTATIONS {
            let mut input = seed.clone();
            for _ in 0..rng.usize(1..=4) {
                mutate(&mut rng, &mut input);
            }
            let result = std::panic::catch_unwind(|| target(&input));
            if result.is_err() {
                let path = std::env::temp_dir().join(format!("stet-fuzz-{name}-crash"));
                std::fs::write(&path, &input).unwrap();
                panic!(
                    "{name}: crash on a mutant, saved to {} (add it to tests/fixtures/fuzz/{name}/)",
                    path.display()
                );
            }
            runs += 1;
        }
    }
    runs
}

#[test]
fn feed_parsing_survives_mutated_feeds() {
    let runs = smoke(
        "feed",
        fuzzing::feed,
        &seeds(&["xml", "json", "rss", "atom"]),
    );
    assert!(runs > MUTATIONS);
}

#[test]
fn charset_and_coding_decoding_survive_mutated_bytes() {
    let runs = smoke(
        "charset",
        fuzzing::charset,
        &seeds(&["html", "xml", "gz", "br", "bin"]),
    );
    assert!(runs > MUTATIONS);
}

#[test]
fn extraction_survives_mutated_pages() {
    let runs = smoke("extract", fuzzing::extract, &seeds(&["html", "htm"]));
    assert!(runs > MUTATIONS);
}

#[test]
fn text_and_diff_survive_mutated_texts() {
    // Pairs of pages: each seed is one page, a NUL, then the next page.
    let pages = seeds(&["html", "txt"]);
    let pairs: Vec<Vec<u8>> = pages
        .windows(2)
        .map(|w| [w[0].as_slice(), b"\0", w[1].as_slice()].concat())
        .collect();
    let runs = smoke("text_diff", fuzzing::text_diff, &pairs);
    assert!(runs > MUTATIONS);
}

/// Inputs that once crashed a target (none so far), run as they are.
#[test]
fn crashes_found_before_stay_fixed() {
    for (name, target) in fuzzing::TARGETS {
        let mut found = Vec::new();
        files(&common::fixtures().join("fuzz").join(name), &mut found);
        for p in found {
            target(&std::fs::read(&p).unwrap());
        }
    }
}
