//! New Connection with a service account's OAuth client credentials, against the loopback
//! OAuth mock: the sign-in choice, the Client ID and Client secret fields, the label and the
//! expiry, then Details, Replace and Remove.

use super::*;
use crate::oauth_mock::{self, CLIENT_ID, CLIENT_SECRET, CLOUD_TOKEN_PATH, NEW_CLIENT_SECRET};

#[test]
fn the_dialog_saves_a_service_account_and_details_show_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (mock, site, auth, gateway) = rt.block_on(oauth_mock::cloud(3600));
    let client = JiraClient::with_gateway(Duration::from_secs(10), &gateway.uri())
        .unwrap()
        .with_auth_url(&format!("{}{CLOUD_TOKEN_PATH}", auth.uri()))
        .unwrap();
    let store = Arc::new(KeyringStore::mock());
    let mut g = gui_client(store.clone(), client, Sources::default(), |_, _, _| {});
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", &site.uri());
    g.type_into(Role::TextInput, "Name", "reports");
    // Leaving the URL field asked the site's tenant_info: it is Cloud.
    g.until("Jira Cloud ticks itself", |h| {
        h.get_by_label("Jira Cloud").accesskit_node().toggled() == Some(Toggled::True)
    });
    g.click("Service account (OAuth client credentials)");
    assert!(
        g.has(Role::TextInput, "Client ID"),
        "the login is the client id"
    );
    assert!(!g.has(Role::TextInput, "Email"));
    assert!(
        !g.has(Role::CheckBox, "Scoped token (created with scopes)"),
        "a service account needs no scoped-token box"
    );
    g.type_into(Role::TextInput, "Client ID", CLIENT_ID);
    g.type_into(Role::PasswordInput, "Client secret", CLIENT_SECRET);
    g.type_into(Role::TextInput, "Token label", "reports-bot CI");
    g.click("In 90 days");

    g.click("Test");
    g.until("the test passes", |h| {
        h.query_all_by(|n| {
            n.value()
                .is_some_and(|l| l.contains("Connected as reports-bot · service account"))
        })
        .next()
        .is_some()
    });
    assert!(g.svc.list().unwrap().is_empty(), "Test saves nothing");

    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let c = g.svc.get("reports").unwrap();
    assert_eq!(c.login.as_deref(), Some(CLIENT_ID));
    assert_eq!(c.token_label.as_deref(), Some("reports-bot CI"));
    let in_90_days = today_utc().checked_add(jiff::Span::new().days(90)).unwrap();
    assert_eq!(c.token_expires, Some(in_90_days));
    assert_eq!(c.status(today()), Status::Valid);
    assert_eq!(
        store.get(&c.id).unwrap().unwrap().expose_secret(),
        CLIENT_SECRET,
        "the client secret is the keyring entry"
    );
    assert_eq!(mock.mints(), 2, "Test and Save each minted one token");

    // Details: the account type, the client id and the credential's expiry.
    assert!(g.shows("Service account"));
    assert!(g.shows(CLIENT_ID));
    assert!(g.shows(&in_90_days.to_string()));

    // Replace: a new client secret, validated before it is swapped in.
    g.click("Replace token");
    g.type_into(Role::PasswordInput, "New client secret", NEW_CLIENT_SECRET);
    g.click("Replace");
    g.until("the refusal shows", |h| {
        h.query_all_by(|n| {
            n.value()
                .is_some_and(|l| l.contains("refused the client id and client secret"))
        })
        .next()
        .is_some()
    });
    assert_eq!(
        store.get(&c.id).unwrap().unwrap().expose_secret(),
        CLIENT_SECRET
    );
    mock.rotate_client(CLIENT_ID, NEW_CLIENT_SECRET);
    g.type_into(Role::PasswordInput, "New client secret", NEW_CLIENT_SECRET);
    g.click("Replace");
    g.idle();
    g.click("Done");
    assert_eq!(
        store.get(&c.id).unwrap().unwrap().expose_secret(),
        NEW_CLIENT_SECRET
    );

    // Remove deletes the keyring entry.
    g.click("Remove");
    assert!(g.shows("Remove reports?"));
    assert!(g.shows("does not revoke the service account's client credentials"));
    let buttons = g.harness.get_all_by_role_and_label(Role::Button, "Remove");
    buttons.last().unwrap().click_accesskit();
    for _ in 0..3 {
        g.harness.step();
    }
    g.until("the row is gone", |h| h.state().rows().is_empty());
    assert!(store.get(&c.id).unwrap().is_none());
}
