//! Beyond a classic Jira token: scoped tokens through the API gateway, Cloud on a custom
//! domain, Confluence Cloud and Data Center, and Jira + Confluence sharing one token.
//! A wiremock "site" and a wiremock "gateway" stand in for Atlassian.

use std::sync::Arc;

use jira_connect::core::connection::{Deployment, Product, Status, today};
use jira_connect::core::draft::{NewConnection, SiteOptions, prepare};
use jira_connect::core::error::Error;
use jira_connect::core::secrets::{MemoryStore, SecretStore};
use jira_connect::core::service::{Cancel, NewToken};
use secrecy::{ExposeSecret, SecretString};
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

fn cloud(url: &str) -> NewConnection {
    NewConnection {
        url: url.to_string(),
        name: Some("acme".into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        ..Default::default()
    }
}

async fn requests_to(server: &MockServer, prefix: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().starts_with(prefix))
        .count()
}

#[tokio::test]
async fn a_scoped_token_is_validated_and_checked_through_the_gateway() {
    let (site, gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service_via(dir.path(), secrets.clone(), &gateway.uri());

    let draft = prepare(&NewConnection {
        options: SiteOptions {
            scoped: true,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    let (conn, account) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(account.display_name, "Mia Krystof");
    assert!(conn.scoped);
    assert_eq!(conn.cloud_id.as_deref(), Some(CLOUD_ID));
    assert_eq!(
        conn.api_base(&gateway.uri()),
        format!("{}/ex/jira/{CLOUD_ID}", gateway.uri())
    );
    assert_eq!(
        authorised_requests(&site).await,
        0,
        "a scoped token is never sent to the site"
    );
    assert_eq!(requests_to(&site, "/_edge/tenant_info").await, 1);

    // The saved cloud id is reused: a check asks the gateway only.
    let report = svc.check("acme").await.unwrap();
    assert!(report.result.is_ok(), "{:?}", report.result);
    assert_eq!(report.status, Status::Valid);
    assert_eq!(requests_to(&site, "/_edge/tenant_info").await, 1);
    assert_eq!(
        requests_to(&gateway, &format!("/ex/jira/{CLOUD_ID}/rest/api/3/myself")).await,
        2
    );

    // The TOML records the cloud id and that the token is scoped, never the token.
    let toml = std::fs::read_to_string(dir.path().join("connections.toml")).unwrap();
    assert!(
        toml.contains(CLOUD_ID) && toml.contains("scoped = true"),
        "{toml}"
    );
    assert!(!toml.contains(TOKEN));
}

#[tokio::test]
async fn the_gateway_is_tried_after_a_401_only_when_the_user_allowed_it() {
    let (site, gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_via(dir.path(), Arc::new(MemoryStore::new()), &gateway.uri());

    let draft = prepare(&cloud(&site.uri())).unwrap();
    let err = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .expect_err("the site refuses it");
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert_eq!(
        gateway.received_requests().await.unwrap_or_default().len(),
        0,
        "without consent the credentials go to the site only"
    );
    assert!(svc.list().unwrap().is_empty());

    let draft = prepare(&NewConnection {
        options: SiteOptions {
            gateway_fallback: true,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    let (conn, account) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    assert!(account.scoped);
    assert!(
        conn.scoped,
        "saved as scoped, so later checks go to the gateway"
    );
    assert_eq!(conn.cloud_id.as_deref(), Some(CLOUD_ID));

    // A token the gateway refuses too is reported as the site's refusal.
    let draft = prepare(&NewConnection {
        name: Some("other".into()),
        options: SiteOptions {
            gateway_fallback: true,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    let err = svc
        .add(draft, SecretString::from(NEW_TOKEN), &Cancel::new())
        .await
        .expect_err("refused everywhere");
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
}

#[tokio::test]
async fn tenant_info_tells_cloud_on_a_custom_domain_from_data_center() {
    let (site, _gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let url = jira_connect::core::site_url::SiteUrl::parse(&site.uri(), false).unwrap();
    assert_eq!(svc.detect_cloud(&url).await.unwrap(), CLOUD_ID);
    assert_eq!(authorised_requests(&site).await, 0, "no credentials sent");

    let dc = jira_bearer(PAT).await;
    let url = jira_connect::core::site_url::SiteUrl::parse(&dc.uri(), false).unwrap();
    let err = svc.detect_cloud(&url).await.unwrap_err();
    assert!(matches!(err, Error::NotCloud { .. }), "{err:?}");
    assert!(
        err.to_string().contains("scoped API tokens work only"),
        "{err}"
    );
}

#[tokio::test]
async fn cloud_page_urls_on_a_custom_domain_become_the_sites_root() {
    let site = custom_domain_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let pages = [
        "/jira/software/projects/ABC/boards/1",
        "/jira/your-work",
        "/jira/servicedesk/projects/HELP/queues/custom/1",
        "/jira/dashboards",
    ];
    for (i, page) in pages.iter().enumerate() {
        let pasted = format!("{}{page}", site.uri());
        // Found by the probe at the origin's root, never at /jira/_edge/tenant_info.
        let url = jira_connect::core::site_url::SiteUrl::parse(&pasted, false).unwrap();
        assert_eq!(svc.detect_cloud(&url).await.unwrap(), CLOUD_ID, "{pasted}");
        // Cloud by the probe or by the user: the base is scheme + host + port.
        let draft = prepare(&NewConnection {
            name: Some(format!("acme{i}")),
            ..cloud(&pasted)
        })
        .unwrap();
        assert_eq!(draft.site.as_str(), site.uri(), "{pasted}");
        let (conn, account) = svc
            .add(draft, SecretString::from(TOKEN), &Cancel::new())
            .await
            .unwrap();
        assert_eq!(conn.url, site.uri());
        assert_eq!(account.display_name, "Mia Krystof");
    }
    assert_eq!(
        requests_to(&site, "/jira/").await,
        0,
        "nothing asked under /jira"
    );

    // Server/Data Center keeps its context path.
    let dc = prepare(&NewConnection {
        url: "https://jira.corp.example/jira/browse/ABC-1".into(),
        deployment: Some(Deployment::DataCenter),
        login: Some("mia".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(dc.site.as_str(), "https://jira.corp.example/jira");
}

#[tokio::test]
async fn confluence_cloud_is_validated_at_wiki_user_current() {
    let site = MockServer::start().await;
    mount_confluence_cloud(&site, TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let draft = prepare(&NewConnection {
        name: None,
        options: SiteOptions {
            product: Product::Confluence,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    assert_eq!(draft.name, "127-0-0-1-confluence");
    let (conn, account) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(conn.product, Product::Confluence);
    assert_eq!(account.account_id, "5b10a2844c20165700ede21g");
    assert_eq!(account.email.as_deref(), Some(EMAIL));
    assert_eq!(conn.product_name(), "Confluence Cloud");

    let draft = prepare(&NewConnection {
        name: Some("wrong".into()),
        options: SiteOptions {
            product: Product::Confluence,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    let err = svc
        .add(draft, SecretString::from(NEW_TOKEN), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert!(err.to_string().starts_with("Confluence rejected"), "{err}");
}

#[tokio::test]
async fn confluence_data_center_takes_a_pat_and_anonymous_is_a_rejection() {
    let site = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/user/current"))
        .and(bearer_token(PAT))
        .respond_with(ResponseTemplate::new(200).set_body_json(confluence_dc_user()))
        .with_priority(1)
        .mount(&site)
        .await;
    // Confluence answers an unauthenticated call with 200 and the anonymous user.
    Mock::given(method("GET"))
        .and(path("/rest/api/user/current"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"type": "anonymous", "displayName": "Anonymous"}),
            ),
        )
        .with_priority(10)
        .mount(&site)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let input = NewConnection {
        url: site.uri(),
        name: Some("wiki".into()),
        deployment: Some(Deployment::DataCenter),
        options: SiteOptions {
            product: Product::Confluence,
            ..Default::default()
        },
        ..Default::default()
    };
    let draft = prepare(&input).unwrap();
    let (conn, account) = svc
        .add(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(account.display_name, "Mia Krystof");
    assert_eq!(conn.login.as_deref(), Some("mia"), "username filled in");
    assert!(
        conn.token_page()
            .ends_with("/plugins/personalaccesstokens/usertokens.action"),
        "{}",
        conn.token_page()
    );

    let draft = prepare(&NewConnection {
        name: Some("anon".into()),
        ..input
    })
    .unwrap();
    let err = svc
        .add(draft, SecretString::from("not-a-valid-pat"), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
}

/// One site serving Jira and Confluence, each accepting `TOKEN`.
async fn jira_and_confluence() -> MockServer {
    let site = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    mount_confluence_cloud(&site, TOKEN).await;
    site
}

#[tokio::test]
async fn replacing_a_linked_token_replaces_it_for_jira_and_confluence() {
    let site = jira_and_confluence().await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud(&site.uri())).unwrap();
    let (jira, _) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();

    let (wiki, account) = svc
        .link_confluence("acme", None, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(wiki.name, "acme-confluence");
    assert_eq!(wiki.product, Product::Confluence);
    assert_eq!(wiki.linked.as_ref(), Some(&jira.id));
    assert_eq!(account.email.as_deref(), Some(EMAIL));
    assert_eq!(
        secrets.get(&wiki.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
    assert_eq!(svc.linked(&jira).unwrap()[0].id, wiki.id);

    // A new token that Confluence refuses changes nothing for either.
    mount_user(&site, "/rest/api/3/myself", EMAIL, NEW_TOKEN, cloud_user()).await;
    let err = svc
        .replace_token(
            "acme",
            NewToken::new(SecretString::from(NEW_TOKEN)),
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LinkedRejected { .. }), "{err:?}");
    assert!(err.to_string().contains("\"acme-confluence\""), "{err}");
    for id in [&jira.id, &wiki.id] {
        assert_eq!(secrets.get(id).unwrap().unwrap().expose_secret(), TOKEN);
    }

    // Once both accept it, both get it, with the new expiry date.
    mount_confluence_cloud(&site, NEW_TOKEN).await;
    let expires = today().checked_add(jiff::Span::new().days(90)).unwrap();
    svc.replace_token(
        "acme",
        NewToken {
            secret: SecretString::from(NEW_TOKEN),
            expires: Some(expires),
            label: None,
        },
        &Cancel::new(),
    )
    .await
    .unwrap();
    for c in svc.list().unwrap() {
        assert_eq!(
            secrets.get(&c.id).unwrap().unwrap().expose_secret(),
            NEW_TOKEN,
            "{}",
            c.name
        );
        assert_eq!(c.token_expires, Some(expires), "{}", c.name);
    }

    // Replacing from the Confluence side works the same way.
    mount_user(&site, "/rest/api/3/myself", EMAIL, TOKEN, cloud_user()).await;
    svc.replace_token(
        "acme-confluence",
        NewToken::new(SecretString::from(TOKEN)),
        &Cancel::new(),
    )
    .await
    .unwrap();
    for c in svc.list().unwrap() {
        assert_eq!(secrets.get(&c.id).unwrap().unwrap().expose_secret(), TOKEN);
    }

    // Removing one leaves the other whole.
    svc.remove("acme").await.unwrap();
    let left = svc.list().unwrap();
    assert_eq!(left.len(), 1);
    assert!(svc.linked(&left[0]).unwrap().is_empty());
    assert!(svc.check("acme-confluence").await.unwrap().result.is_ok());
}

#[tokio::test]
async fn confluence_linked_to_a_scoped_jira_goes_through_the_gateway_too() {
    let (site, gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_via(dir.path(), Arc::new(MemoryStore::new()), &gateway.uri());
    let draft = prepare(&NewConnection {
        options: SiteOptions {
            scoped: true,
            ..Default::default()
        },
        ..cloud(&site.uri())
    })
    .unwrap();
    svc.add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    let (wiki, _) = svc
        .link_confluence("acme", Some("docs".into()), &Cancel::new())
        .await
        .unwrap();
    assert!(wiki.scoped);
    assert_eq!(wiki.cloud_id.as_deref(), Some(CLOUD_ID));
    assert_eq!(
        requests_to(
            &gateway,
            &format!("/ex/confluence/{CLOUD_ID}/wiki/rest/api/user/current")
        )
        .await,
        1
    );
    assert_eq!(authorised_requests(&site).await, 0);
}

#[tokio::test]
async fn only_jira_cloud_links_confluence_and_scoped_needs_cloud() {
    let dc = jira_bearer(PAT).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let draft = prepare(&NewConnection {
        url: dc.uri(),
        name: Some("corp".into()),
        ..Default::default()
    })
    .unwrap();
    svc.add(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    let err = svc
        .link_confluence("corp", None, &Cancel::new())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not a Jira Cloud connection"),
        "{err}"
    );

    let err = prepare(&NewConnection {
        url: dc.uri(),
        options: SiteOptions {
            scoped: true,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("only on Atlassian Cloud"), "{err}");
}

/// `/_edge/tenant_info` is not a documented endpoint. When it is missing, the cloud id
/// comes from the documented GraphQL `tenantContexts(hostNames: …)` query at
/// `POST SITE/gateway/api/graphql`, asked without credentials; when tenant_info answers,
/// GraphQL is never asked.
#[tokio::test]
async fn the_cloud_id_falls_back_to_graphql_tenant_contexts() {
    use wiremock::matchers::body_string_contains;
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gateway/api/graphql"))
        .and(body_string_contains("tenantContexts"))
        .and(body_string_contains("127.0.0.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": { "tenantContexts": [ { "cloudId": CLOUD_ID } ] }
        })))
        .expect(1)
        .mount(&site)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let url = jira_connect::core::site_url::SiteUrl::parse(&site.uri(), false).unwrap();
    assert_eq!(svc.detect_cloud(&url).await.unwrap(), CLOUD_ID);
    assert_eq!(requests_to(&site, "/_edge/tenant_info").await, 1);
    assert_eq!(authorised_requests(&site).await, 0, "no credentials sent");
    site.verify().await;

    // A GraphQL answer without a usable id is not a cloud id: the site is not Cloud.
    let changed = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gateway/api/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": { "tenantContexts": [ { "cloudId": "../admin" } ] }
        })))
        .mount(&changed)
        .await;
    let url = jira_connect::core::site_url::SiteUrl::parse(&changed.uri(), false).unwrap();
    let err = svc.detect_cloud(&url).await.unwrap_err();
    assert!(matches!(err, Error::NotCloud { .. }), "{err:?}");
    assert!(err.to_string().contains("/_edge/tenant_info"), "{err}");

    // With tenant_info, GraphQL is not asked.
    let (documented, _gateway) = scoped_site_and_gateway().await;
    let url = jira_connect::core::site_url::SiteUrl::parse(&documented.uri(), false).unwrap();
    assert_eq!(svc.detect_cloud(&url).await.unwrap(), CLOUD_ID);
    assert_eq!(requests_to(&documented, "/gateway/api/graphql").await, 0);
}
