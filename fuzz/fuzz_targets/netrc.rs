//! The `.netrc` reader and remover: never panics, and a removal either refuses or takes
//! exactly the entry asked for, leaving every other entry as it was, in order.
#![no_main]

use jira_connect::core::netrc;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let before = netrc::entries(text);
    for (i, entry) in before.iter().enumerate() {
        let Some(host) = entry.machine.as_deref() else {
            continue;
        };
        let login = entry.login.as_deref();
        // The entry the finder uses for this host and login.
        let used = before
            .iter()
            .position(|e| {
                e.machine.as_deref() == Some(host)
                    && match (login, e.login.as_deref()) {
                        (Some(want), Some(have)) => want == have,
                        _ => true,
                    }
            })
            .expect("the entry itself matches");
        assert!(used <= i);
        let Ok(after) = netrc::without(text, host, login) else {
            continue;
        };
        let mut kept = before.clone();
        let gone = kept.remove(used);
        let now = netrc::entries(&after);
        let strip = |e: &netrc::Entry| (e.machine.clone(), e.login.clone(), e.password.clone());
        assert_eq!(
            kept.iter().map(strip).collect::<Vec<_>>(),
            now.iter().map(strip).collect::<Vec<_>>(),
            "removing {host:?} {login:?} from {text:?} gave {after:?}"
        );
        if gone.password.is_some() {
            assert_ne!(netrc::password(&after, host, login), gone.password, "{text:?}");
        }
    }
});
