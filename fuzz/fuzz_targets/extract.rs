//! cargo-fuzz target `extract`: [`stet::fuzzing::extract`] on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stet::fuzzing::extract(data));
