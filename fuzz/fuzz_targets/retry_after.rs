#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| composio_fuzz::retry_after(data));
