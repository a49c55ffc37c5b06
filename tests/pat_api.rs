//! The personal access token client against the stateful mock Data Center over loopback:
//! list, create (refused to a token, granted to the password), revoke, and every secret kept
//! out of what can be printed.

use std::time::Duration;

use jiff::ToSpan;
use jiff::civil::Date;
use jira_connect::core::connection::{AuthKind, Deployment};
use jira_connect::core::error::Error;
use jira_connect::core::error::InputField;
use jira_connect::core::jira::pat::{
    self, CreatedPat, NewPat, NoPick, PatAuth, TOKENS_PATH, list_tokens, revoke_token,
};
use jira_connect::core::jira::{Account, Credentials, JiraClient, Target};
use jira_connect::core::site_url::SiteUrl;
use secrecy::{ExposeSecret, SecretString};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::PAT;
use crate::pat_mock::*;

fn client() -> JiraClient {
    JiraClient::new(Duration::from_secs(10)).unwrap()
}

fn site(uri: &str) -> SiteUrl {
    SiteUrl::parse(uri, false).unwrap()
}

fn utc_today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Who `secret` belongs to, asked as the validation client asks.
async fn whoami(uri: &str, secret: &str) -> Result<Account, Error> {
    let site = site(uri);
    let secret = SecretString::from(secret);
    let creds = Credentials {
        auth: AuthKind::Pat,
        login: None,
        secret: &secret,
    };
    client()
        .validate(&Target::new(&site, Deployment::DataCenter), &creds)
        .await
}

async fn create(
    uri: &str,
    auth: &PatAuth<'_>,
    name: &str,
    days: Option<u32>,
) -> Result<CreatedPat, Error> {
    let site = site(uri);
    let new = NewPat {
        name,
        expires_in_days: days,
    };
    pat::create_token(
        &client(),
        &Target::new(&site, Deployment::DataCenter),
        auth,
        &new,
    )
    .await
}

async fn list(uri: &str, auth: &PatAuth<'_>) -> Result<Vec<pat::PatInfo>, Error> {
    let site = site(uri);
    list_tokens(&client(), &Target::new(&site, Deployment::DataCenter), auth).await
}

async fn revoke(uri: &str, auth: &PatAuth<'_>, id: u64) -> Result<(), Error> {
    let site = site(uri);
    revoke_token(
        &client(),
        &Target::new(&site, Deployment::DataCenter),
        auth,
        id,
    )
    .await
}

fn password(secret: &SecretString) -> PatAuth<'_> {
    PatAuth::Password {
        username: USER,
        password: secret,
    }
}

#[tokio::test]
async fn the_list_reads_ids_names_and_expiry() {
    let server = PatServer::start().await;
    let pat = SecretString::from(PAT);
    let tokens = list(&server.uri(), &PatAuth::Token(&pat)).await.unwrap();
    // Only the caller's tokens, as the server orders them.
    let ids: Vec<u64> = tokens.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![THIS_ID, OTHER_ID]);
    let this = &tokens[0];
    assert_eq!(this.name, THIS_NAME);
    // 23:15 at -03:00 is the next day in UTC.
    assert_eq!(this.expires, Some(jiff::civil::date(2027, 2, 22)));
    assert_eq!(this.created_date(), Some(jiff::civil::date(2026, 8, 25)));
    assert!(this.last_used.is_some());
    let other = &tokens[1];
    assert_eq!(other.name, OTHER_NAME);
    assert_eq!(other.expires, None, "a token that never expires");

    // Which one is ours: by its label, never by guessing between two.
    assert_eq!(pat::pick(&tokens, Some(THIS_NAME)).unwrap().id, THIS_ID);
    assert_eq!(pat::pick(&tokens, Some(OTHER_NAME)).unwrap().id, OTHER_ID);
    assert_eq!(pat::pick(&tokens, None), Err(NoPick::Several { count: 2 }));

    // The password lists the same tokens; reading changes nothing.
    let secret = SecretString::from(PASSWORD);
    let again = list(&server.uri(), &password(&secret)).await.unwrap();
    assert_eq!(again, tokens);
    assert_eq!((server.creates(), server.deletes()), (0, 0));
}

#[tokio::test]
async fn a_token_may_not_create_tokens() {
    let server = PatServer::start().await;
    let before = server.tokens();
    let pat = SecretString::from(PAT);
    let err = create(&server.uri(), &PatAuth::Token(&pat), "new", Some(90))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PatNeedsPassword { .. }), "{err:?}");
    assert_eq!(err.kind(), "pat-needs-password");
    assert!(err.to_string().contains("enter the password"), "{err}");
    assert_eq!(server.tokens(), before);
    assert_eq!(server.creates(), 0);
    // Asked once, not retried.
    assert_eq!(server.api_requests().await.len(), 1);
}

#[tokio::test]
async fn the_password_creates_a_token_that_works_at_once() {
    let server = PatServer::start().await;
    let secret = SecretString::from(PASSWORD);
    let earliest = utc_today().checked_add(90.days()).unwrap();
    let created = create(
        &server.uri(),
        &password(&secret),
        "jira-connect “2” on this machine",
        Some(90),
    )
    .await
    .unwrap();
    let latest = utc_today().checked_add(90.days()).unwrap();
    assert_eq!(created.info.name, "jira-connect “2” on this machine");
    let expires = created.info.expires.unwrap();
    assert!(earliest <= expires && expires <= latest, "{expires}");
    assert!(created.info.created.is_some());
    assert_eq!(server.creates(), 1);
    assert!(server.ids().contains(&created.info.id));
    assert!(![THIS_ID, OTHER_ID, NOAH_ID].contains(&created.info.id));

    let token = created.token.expose_secret();
    assert!(server.is_live(token));
    let account = whoami(&server.uri(), token).await.unwrap();
    assert_eq!(account.username.as_deref(), Some(USER));
    // The new token reads the list, itself included.
    let tokens = list(&server.uri(), &PatAuth::Token(&created.token))
        .await
        .unwrap();
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[2], created.info);

    // No expiry asked: a token that never expires.
    let forever = create(&server.uri(), &password(&secret), "forever", None)
        .await
        .unwrap();
    assert_eq!(forever.info.expires, None);
    assert_ne!(forever.token.expose_secret(), token);
}

#[tokio::test]
async fn a_wrong_password_changes_nothing() {
    let server = PatServer::start().await;
    let before = server.tokens();
    let wrong = SecretString::from("not the password");
    let err = create(&server.uri(), &password(&wrong), "new", Some(30))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PasswordRejected { .. }), "{err:?}");
    assert_eq!(err.kind(), "password-rejected");
    let text = format!("{err} {err:?}");
    assert!(text.contains("\"mia\""), "{text}");
    assert!(!text.contains("not the password"), "{text}");
    assert_eq!(server.tokens(), before);
    assert_eq!(server.creates(), 0);
    // Revoking with it is refused the same way and removes nothing.
    let err = revoke(&server.uri(), &password(&wrong), THIS_ID)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PasswordRejected { .. }), "{err:?}");
    assert_eq!(server.tokens(), before);
    assert_eq!(server.deletes(), 0);
}

#[tokio::test]
async fn repeated_wrong_passwords_bring_the_captcha() {
    let server = PatServer::start().await;
    let before = server.tokens();
    let wrong = SecretString::from("guess");
    for _ in 0..CAPTCHA_AFTER {
        let err = create(&server.uri(), &password(&wrong), "new", Some(30))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::PasswordRejected { .. }), "{err:?}");
    }
    // Now even the right password meets the CAPTCHA, which only the browser clears.
    let right = SecretString::from(PASSWORD);
    let err = create(&server.uri(), &password(&right), "new", Some(30))
        .await
        .unwrap_err();
    match &err {
        Error::Captcha { login_url } => {
            assert_eq!(login_url, &format!("{}/login.jsp", server.uri()))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.tokens(), before);
    assert_eq!(server.creates(), 0);
}

#[tokio::test]
async fn revoking_by_id_stops_that_token_and_only_that_one() {
    let server = PatServer::start().await;
    let secret = SecretString::from(PASSWORD);
    let created = create(&server.uri(), &password(&secret), "replacement", Some(90))
        .await
        .unwrap();
    // The new token revokes the old one, as a rotation does.
    revoke(&server.uri(), &PatAuth::Token(&created.token), THIS_ID)
        .await
        .unwrap();
    assert_eq!(server.deletes(), 1);
    assert!(!server.is_live(PAT));
    let err = whoami(&server.uri(), PAT).await.unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    // The other device and the other user keep theirs.
    assert_eq!(server.ids(), vec![OTHER_ID, NOAH_ID, created.info.id]);
    let account = whoami(&server.uri(), OTHER_TOKEN).await.unwrap();
    assert_eq!(account.username.as_deref(), Some(USER));
    assert!(
        whoami(&server.uri(), created.token.expose_secret())
            .await
            .is_ok()
    );

    // The password revokes too; the revoked token can no longer list anything.
    revoke(&server.uri(), &password(&secret), created.info.id)
        .await
        .unwrap();
    let err = list(&server.uri(), &PatAuth::Token(&created.token))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert_eq!(server.ids(), vec![OTHER_ID, NOAH_ID]);
}

#[tokio::test]
async fn revoking_a_token_that_is_not_there_is_not_found() {
    let server = PatServer::start().await;
    let before = server.tokens();
    let pat = SecretString::from(PAT);
    for id in [999_999, NOAH_ID] {
        let err = revoke(&server.uri(), &PatAuth::Token(&pat), id)
            .await
            .unwrap_err();
        match &err {
            Error::PatNotFound { id: got, .. } => assert_eq!(*got, id),
            other => panic!("{other:?}"),
        }
        assert_eq!(err.kind(), "pat-not-found");
    }
    assert_eq!(server.tokens(), before);
    assert!(server.is_live(NOAH_TOKEN));
    assert_eq!(server.deletes(), 0);
}

#[tokio::test]
async fn an_older_server_has_no_token_api() {
    let server = PatServer::without_api().await;
    let pat = SecretString::from(PAT);
    // The token works; only the API is missing.
    assert!(whoami(&server.uri(), PAT).await.is_ok());
    let err = list(&server.uri(), &PatAuth::Token(&pat))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PatApiMissing { .. }), "{err:?}");
    assert_eq!(err.kind(), "pat-api-missing");
    let text = err.to_string();
    assert!(
        text.contains("enter the token's expiry date yourself"),
        "{text}"
    );
    assert!(text.contains("/secure/ViewProfile.jspa"), "{text}");
    let secret = SecretString::from(PASSWORD);
    let err = create(&server.uri(), &password(&secret), "new", Some(90))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PatApiMissing { .. }), "{err:?}");
    assert_eq!((server.creates(), server.deletes()), (0, 0));
}

#[tokio::test]
async fn a_token_added_elsewhere_is_listed_with_its_awkward_name() {
    let server = PatServer::start().await;
    let name = "ci \"nightly\"\u{202e} ✓\tbuild";
    let id = server.add(
        USER,
        name,
        "Y2k6bmlnaHRseQ",
        Some("2027-06-30T10:00:00.000+0000"),
    );
    let pat = SecretString::from(PAT);
    let tokens = list(&server.uri(), &PatAuth::Token(&pat)).await.unwrap();
    let added = tokens.iter().find(|t| t.id == id).unwrap();
    // Cleaned as every server text is: no bidi override, the tab a space.
    assert_eq!(added.name, "ci \"nightly\" ✓ build");
    assert_eq!(added.expires, Some(jiff::civil::date(2027, 6, 30)));
    // The label as the user typed it finds it.
    assert_eq!(pat::pick(&tokens, Some(name)).unwrap().id, id);
}

#[tokio::test]
async fn a_password_is_never_sent_over_plain_http() {
    let site = SiteUrl::parse("http://jira.corp.example", true).unwrap();
    let secret = SecretString::from(PASSWORD);
    let new = NewPat {
        name: "new",
        expires_in_days: Some(90),
    };
    let err = pat::create_token(
        &client(),
        &Target::new(&site, Deployment::DataCenter),
        &password(&secret),
        &new,
    )
    .await
    .unwrap_err();
    match &err {
        Error::InvalidInput { field, reason } => {
            assert_eq!(*field, InputField::Secret(AuthKind::Password));
            assert!(reason.contains("https://"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

/// A server that echoes the credentials back, in an error and in token names.
async fn echoing(body_400: String, list_body: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKENS_PATH))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/json")
                .set_body_string(body_400),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TOKENS_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(list_body),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn no_secret_reaches_debug_or_error_text() {
    let server = PatServer::start().await;
    let secret = SecretString::from(PASSWORD);
    let pat = SecretString::from(PAT);
    let wrong = SecretString::from("wrong-Pa55word");
    let mut texts = vec![
        format!("{:?}", PatAuth::Token(&pat)),
        format!("{:?}", password(&secret)),
    ];
    let created = create(&server.uri(), &password(&secret), "new", Some(90))
        .await
        .unwrap();
    let new_token = created.token.expose_secret().to_string();
    texts.push(format!("{created:?}"));
    let mut errors = vec![
        create(&server.uri(), &PatAuth::Token(&pat), "x", Some(1))
            .await
            .unwrap_err(),
        create(&server.uri(), &password(&wrong), "x", Some(1))
            .await
            .unwrap_err(),
        revoke(&server.uri(), &PatAuth::Token(&created.token), 424242)
            .await
            .unwrap_err(),
    ];

    // A server that echoes every secret it was sent.
    let basic = encode(format!("{USER}:{PASSWORD}").as_bytes());
    let echo = echoing(
        serde_json::json!({
            "errorMessages": [format!("refused {PASSWORD} / Basic {basic}")],
            "errors": {"name": "taken"}
        })
        .to_string(),
        serde_json::json!([
            {"id": 1, "name": format!("bearer {PAT}")},
            {"id": 2, "name": format!("{PASSWORD}")}
        ])
        .to_string(),
    )
    .await;
    let err = create(&echo.uri(), &password(&secret), "x", Some(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PatRefused { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("refused [redacted] / Basic [redacted]"),
        "{err}"
    );
    errors.push(err);
    // Each answer is redacted of the secret its request carried.
    let names = list(&echo.uri(), &PatAuth::Token(&pat)).await.unwrap();
    assert_eq!(names[0].name, "bearer [redacted]");
    assert!(!format!("{names:?}").contains(PAT));
    let names = list(&echo.uri(), &password(&secret)).await.unwrap();
    assert_eq!(names[1].name, "[redacted]");
    assert!(!format!("{names:?}").contains(PASSWORD));

    for err in &errors {
        texts.push(format!("{err} {err:?}"));
    }
    for text in &texts {
        for secret in [PASSWORD, PAT, &new_token, "wrong-Pa55word", &basic[..20]] {
            assert!(!text.contains(secret), "{secret:?} in {text}");
        }
    }
}

/// Seraph's `X-Seraph-LoginReason: AUTHENTICATED_FAILED` means the request was served
/// anonymously (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/),
/// so even a 2xx carrying it is a rejection: a revoke is not "done", a list is not empty.
#[tokio::test]
async fn a_2xx_marked_authenticated_failed_is_a_rejection_in_the_token_api() {
    let server = MockServer::start().await;
    let failed = |status: u16| {
        ResponseTemplate::new(status).insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
    };
    Mock::given(method("DELETE"))
        .and(path(format!("{TOKENS_PATH}/7")))
        .respond_with(failed(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(TOKENS_PATH))
        .respond_with(failed(200).set_body_raw("[]", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let token = SecretString::from(PAT);
    let auth = PatAuth::Token(&token);
    let err = revoke(&server.uri(), &auth, 7).await.unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    let err = list(&server.uri(), &auth).await.unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    server.verify().await;
}
