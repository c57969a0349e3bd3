//! cargo-fuzz target `feed`: [`stet::fuzzing::feed`] on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stet::fuzzing::feed(data));
