//! The URL normaliser: never panics, and normalising its own output changes nothing.
#![no_main]

use jira_connect::core::site_url::SiteUrl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for allow_http in [false, true] {
        if let Ok(once) = SiteUrl::parse(text, allow_http) {
            let twice = SiteUrl::parse(once.as_str(), allow_http)
                .unwrap_or_else(|e| panic!("{:?} normalised to {once} which fails: {e}", text));
            assert_eq!(once.as_str(), twice.as_str(), "not idempotent for {text:?}");
            assert!(!once.as_str().ends_with('/'));
            assert!(once.as_str().starts_with("https://") || once.as_str().starts_with("http://"));
        }
    }
});
