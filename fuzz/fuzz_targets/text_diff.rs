//! cargo-fuzz target `text_diff`: [`stet::fuzzing::text_diff`] on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stet::fuzzing::text_diff(data));
