//! cargo-fuzz target `charset`: [`stet::fuzzing::charset`] on libFuzzer's inputs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stet::fuzzing::charset(data));
