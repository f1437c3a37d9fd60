#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| composio_fuzz::webhook_signature(data));
