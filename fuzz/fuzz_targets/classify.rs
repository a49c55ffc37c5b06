//! The response classifier, over arbitrary status, headers and body: never panics, and
//! only a 200 can be a success.
#![no_main]

use jira_connect::core::connection::{Deployment, Product};
use jira_connect::core::jira::{RawResponse, classify_for};
use jira_connect::core::site_url::SiteUrl;
use libfuzzer_sys::fuzz_target;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

const HEADERS: [&str; 6] = [
    "location",
    "retry-after",
    "content-type",
    "x-seraph-loginreason",
    "x-authentication-denied-reason",
    "www-authenticate",
];

fuzz_target!(|data: &[u8]| {
    // Layout: 2 bytes of status, then up to 6 header values separated by 0xFF, then a 0x00
    // and the body.
    if data.len() < 2 {
        return;
    }
    let code = 100 + (u16::from_le_bytes([data[0], data[1]]) % 500);
    let Ok(status) = StatusCode::from_u16(code) else {
        return;
    };
    let rest = &data[2..];
    let (head, body) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in HEADERS.iter().zip(head.split(|&b| b == 0xFF)) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let site = SiteUrl::parse("https://jira.example.com/jira", false).unwrap();
    let response = RawResponse {
        url: "https://jira.example.com/jira/rest/api/2/myself".into(),
        status,
        headers,
        body: body.to_vec(),
        redact: Default::default(),
    };
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        if classify_for(&response, &site, deployment, Product::Jira).is_ok() {
            assert_eq!(code, 200, "only a 200 may be a success");
        }
    }
});
