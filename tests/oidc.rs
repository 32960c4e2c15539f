//! OIDC bearer tokens against a real HTTP identity provider (a discovery
//! document and a JWKS served from this process, keys in
//! `tests/fixtures/oidc/`): what is accepted, every way a token is refused,
//! key rotation, a provider that is down, and the four-eyes rule for users
//! known only by the provider, on SQLite and PostgreSQL.
#![cfg(feature = "service")]

mod common;
use common::*;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const AUDIENCE: &str = "paxscreen";

struct Key {
    enc: EncodingKey,
    alg: Algorithm,
    kid: String,
}

fn key(file: &str, alg: Algorithm, kid: &str) -> Key {
    let pem =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oidc").join(file)).unwrap();
    let enc = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    Key { enc, alg, kid: kid.into() }
}

/// The public half as the provider publishes it.
fn jwk(k: &Key) -> Value {
    let mut j = Jwk::from_encoding_key(&k.enc, k.alg).unwrap();
    j.common.key_id = Some(k.kid.clone());
    serde_json::to_value(j).unwrap()
}

fn sign(k: &Key, claims: &Value) -> String {
    let mut h = Header::new(k.alg);
    h.kid = Some(k.kid.clone());
    jsonwebtoken::encode(&h, claims, &k.enc).unwrap()
}

/// An identity provider on a loopback port: discovery document and JWKS,
/// counting the JWKS fetches.
struct Provider {
    issuer: String,
    jwks: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Provider {
    async fn start(port: u16, keys: Vec<Value>) -> Provider {
        use axum::routing::get;
        let issuer = format!("http://127.0.0.1:{port}/realms/border");
        let jwks = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (j, f, iss) = (jwks.clone(), fetches.clone(), issuer.clone());
        let app = axum::Router::new()
            .route(
                "/realms/border/.well-known/openid-configuration",
                get(move || async move {
                    axum::Json(json!({ "issuer": iss, "jwks_uri": format!("{iss}/protocol/openid-connect/certs") }))
                }),
            )
            .route(
                "/realms/border/protocol/openid-connect/certs",
                get(move || async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    axum::Json(json!({ "keys": *j.lock().unwrap() }))
                }),
            );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Provider { issuer, jwks, fetches, task }
    }

    fn claims(&self, sub: &str, name: &str, groups: Value) -> Value {
        let now = start().timestamp();
        json!({ "iss": self.issuer, "aud": AUDIENCE, "sub": sub, "preferred_username": name,
                "groups": groups, "iat": now, "exp": now + 3600 })
    }
}

fn oidc_config(issuer: &str) -> paxscreen::config::OidcConfig {
    paxscreen::config::OidcConfig {
        issuer: issuer.into(),
        audience: AUDIENCE.into(),
        role_claim: "groups".into(),
        roles: [("px-analysts", "analyst"), ("px-guards", "border_guard"), ("px-ingest", "ingest")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .into(),
        algorithms: vec!["RS256".into(), "ES256".into()],
        jwks_min_refetch_seconds: 2,
        ..Default::default()
    }
}

/// GET `url` with `token`, expecting `want` (the body is shown when not).
async fn expect(c: &reqwest::Client, url: &str, token: &str, want: u16) {
    let r = c.get(url).bearer_auth(token).send().await.unwrap();
    let got = r.status().as_u16();
    assert_eq!(got, want, "{url}: {}", r.text().await.unwrap());
}

#[tokio::test]
async fn provider_tokens_are_checked_and_every_bad_one_refused() {
    let db = TestDb::sqlite().await;
    let (a, b, ec) = (
        key("rsa-a.pem", Algorithm::RS256, "a"),
        key("rsa-b.pem", Algorithm::RS256, "b"),
        key("ec-p256.pem", Algorithm::ES256, "e"),
    );
    // Beside the real keys: the same RSA key published for RS384 only, and a
    // key of a type the library cannot read, which must not sink the others.
    let mut a384 = jwk(&Key { enc: a.enc.clone(), alg: Algorithm::RS384, kid: "a384".into() });
    a384["kid"] = json!("a384");
    let odd = json!({ "kty": "AKP", "kid": "pq", "alg": "ML-DSA-44", "pub": "AAAA" });
    let idp = Provider::start(free_port(), vec![jwk(&a), jwk(&ec), a384, odd]).await;
    let issuer = idp.issuer.clone();
    let svc =
        Running::start_with(&db, Arc::new(TestClock(Mutex::new(start()))), |c| c.oidc = Some(oidc_config(&issuer)))
            .await;
    let c = reqwest::Client::new();
    let hits = format!("{}/api/v1/hits", svc.base);
    let alerts = format!("{}/api/v1/alerts", svc.base);
    let olga = idp.claims("s-olga", "olga", json!(["offline_access", "px-analysts"]));

    // Accepted: RSA and EC; the role decides what may be done.
    expect(&c, &hits, &sign(&a, &olga), 200).await;
    expect(&c, &alerts, &sign(&a, &olga), 403).await;
    expect(&c, &hits, &sign(&ec, &olga), 200).await;
    let guard = idp.claims("s-gil", "gil", json!("px-guards"));
    expect(&c, &alerts, &sign(&a, &guard), 200).await;
    assert_eq!(idp.fetches.load(Ordering::SeqCst), 1, "keys fetched once, at start");

    // Refused with 401, each for its own reason.
    let with = |k: &str, v: Value| {
        let mut o = olga.clone();
        o[k] = v;
        o
    };
    let now = start().timestamp();
    let mut refused: Vec<(&str, String)> = vec![
        ("another issuer", sign(&a, &with("iss", json!("http://127.0.0.1:1/evil")))),
        ("another audience", sign(&a, &with("aud", json!("someone-else")))),
        ("expired by the service's clock", sign(&a, &with("exp", json!(now - 120)))),
        ("not valid yet", sign(&a, &with("nbf", json!(now + 600)))),
        ("no sub", sign(&a, &with("sub", json!(null)))),
        ("signed by a key the provider does not publish", {
            let mut forged = key("rsa-b.pem", Algorithm::RS256, "a");
            forged.kid = "a".into();
            sign(&forged, &olga)
        }),
        ("a shared-secret algorithm", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("a".into());
            jsonwebtoken::encode(&h, &olga, &EncodingKey::from_secret(b"public")).unwrap()
        }),
        ("the key is published for another algorithm than the header's", {
            // Key a, which would verify this signature, but published for RS384 only.
            let mut h = Header::new(Algorithm::RS256);
            h.kid = Some("a384".into());
            jsonwebtoken::encode(&h, &olga, &a.enc).unwrap()
        }),
    ];
    // alg none, and a valid token with its payload changed.
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    refused.push(("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&olga))));
    let good = sign(&a, &olga);
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(&with("sub", json!("s-other"))), parts[2]);
    refused.push(("payload changed after signing", tampered));
    for (why, token) in &refused {
        let r = c.get(&hits).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 401, "{why}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().starts_with("bearer token refused"), "{why}: {body}");
    }

    // A key published for encryption is never used to check a signature.
    idp.jwks.lock().unwrap().push({
        let mut k = jwk(&Key { enc: b.enc.clone(), alg: Algorithm::RS256, kid: "benc".into() });
        k["use"] = json!("enc");
        k
    });
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let benc = Key { enc: b.enc.clone(), alg: Algorithm::RS256, kid: "benc".into() };
    expect(&c, &hits, &sign(&benc, &olga), 401).await;

    // A valid token without a single role or a usable name: 403.
    expect(&c, &hits, &sign(&a, &with("groups", json!(["staff"]))), 403).await;
    expect(&c, &hits, &sign(&a, &with("groups", json!(["px-analysts", "px-guards"]))), 403).await;
    expect(&c, &hits, &sign(&a, &with("preferred_username", json!("olga "))), 403).await;
    expect(&c, &hits, &sign(&a, &with("preferred_username", json!(null))), 403).await;

    // The provider rotates to key b: an unseen key id fetches the keys again
    // (once the 2 s since the last fetch have passed).
    idp.jwks.lock().unwrap().push(jwk(&b));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let before = idp.fetches.load(Ordering::SeqCst);
    expect(&c, &hits, &sign(&b, &olga), 200).await;
    assert_eq!(idp.fetches.load(Ordering::SeqCst), before + 1);
    // Forged key ids do not make paxscreen hammer the provider.
    for i in 0..5 {
        let forged = Key { enc: b.enc.clone(), alg: Algorithm::RS256, kid: format!("forged-{i}") };
        expect(&c, &hits, &sign(&forged, &olga), 401).await;
    }
    assert_eq!(idp.fetches.load(Ordering::SeqCst), before + 1, "no fetch within 2 s of the last");

    // A provider user gets no password or token here (a second way in).
    let e = svc.store.upsert_user("olga", paxscreen::auth::Role::Analyst, Some("hash"), start()).await.unwrap_err();
    assert!(e.to_string().contains("identity provider"), "{e}");
    // A user disabled here stays disabled, whatever the provider says.
    assert!(svc.store.disable_user("olga").await.unwrap());
    expect(&c, &hits, &sign(&a, &olga), 401).await;
    assert!(
        svc.store.upsert_user("olga", paxscreen::auth::Role::Analyst, None, start()).await.is_err(),
        "not re-enabled either"
    );
    // A provider name that is a local account's cannot act as that account,
    // nor can a look-alike of it; the refusal does not echo the name.
    svc.token("lena", "analyst").await;
    for (sub, name) in [("s-lena", "lena"), ("s-lena2", "ｌｅｎａ")] {
        let token = sign(&a, &idp.claims(sub, name, json!(["px-analysts"])));
        let r = c.get(&hits).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 403, "{name}");
        assert!(!r.text().await.unwrap().contains("lena"));
    }

    // Users first seen are recorded, by reference, in the audit trail.
    let entries = svc.store.audit_entries(0, 1000).await.unwrap();
    let added: Vec<&str> =
        entries.iter().filter(|e| e.action == "user_add" && e.actor == "oidc").map(|e| e.object.as_str()).collect();
    assert_eq!(added, ["user:olga", "user:gil"]);
    svc.shutdown().await;
    idp.task.abort();
}

#[tokio::test]
async fn a_provider_down_at_start_is_waited_for_and_local_tokens_keep_working() {
    let db = TestDb::sqlite().await;
    let a = key("rsa-a.pem", Algorithm::RS256, "a");
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}/realms/border");
    let svc =
        Running::start_with(&db, Arc::new(TestClock(Mutex::new(start()))), |c| c.oidc = Some(oidc_config(&issuer)))
            .await;
    let c = reqwest::Client::new();
    let hits = format!("{}/api/v1/hits", svc.base);
    let local = svc.token("ana", "analyst").await;
    expect(&c, &hits, &local, 200).await;
    let olga = json!({ "iss": issuer, "aud": AUDIENCE, "sub": "s-olga", "preferred_username": "olga",
                       "groups": ["px-analysts"], "exp": start().timestamp() + 3600 });
    let r = c.get(&hits).bearer_auth(sign(&a, &olga)).send().await.unwrap();
    assert_eq!(r.status(), 503, "no keys held: the caller is told to come back, not that the token is bad");
    let body = r.text().await.unwrap();
    assert!(!body.contains("127.0.0.1"), "no internal address to an unauthenticated caller: {body}");
    let idp = Provider::start(port, vec![jwk(&a)]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    expect(&c, &hits, &sign(&a, &olga), 200).await;
    // Once held, keys outlive the provider.
    idp.task.abort();
    let _ = idp.task.await;
    expect(&c, &hits, &sign(&a, &olga), 200).await;
    svc.shutdown().await;
}

#[tokio::test]
async fn the_four_eyes_rule_holds_for_provider_users_on_both_stores() {
    for db in TestDb::both().await {
        let a = key("rsa-a.pem", Algorithm::RS256, "a");
        let idp = Provider::start(free_port(), vec![jwk(&a)]).await;
        let issuer = idp.issuer.clone();
        let svc =
            Running::start_with(&db, Arc::new(TestClock(Mutex::new(start()))), |c| c.oidc = Some(oidc_config(&issuer)))
                .await;
        let c = reqwest::Client::new();
        let feeder = sign(&a, &idp.claims("s-feed", "airline-feed", json!(["px-ingest"])));
        let r = c.post(format!("{}/api/v1/messages", svc.base)).bearer_auth(&feeder).body(message_sent_now("O-1"));
        assert_eq!(r.send().await.unwrap().status(), 202);
        let olga = sign(&a, &idp.claims("s-olga", "olga", json!(["px-analysts"])));
        let list = get_json(&c, &format!("{}/api/v1/hits?state=new", svc.base), &olga).await;
        let id = list["hits"][0]["id"].as_i64().unwrap();
        let decide = |token: String| {
            c.post(format!("{}/api/v1/hits/{id}/decision", svc.base))
                .bearer_auth(token)
                .json(&json!({"decision": "confirm"}))
                .send()
        };
        assert_eq!(decide(olga.clone()).await.unwrap().status(), 200);
        // The same person under a new name at the provider is still the same person.
        let renamed = sign(&a, &idp.claims("s-olga", "olga.k", json!(["px-analysts"])));
        let r = decide(renamed).await.unwrap();
        assert_eq!(r.status(), 409);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "four_eyes");
        let pia = sign(&a, &idp.claims("s-pia", "pia", json!(["px-analysts"])));
        let r = decide(pia).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["state"], "confirmed");
        let decisions: Vec<String> = svc.store.decisions(id).await.unwrap().into_iter().map(|d| d.user).collect();
        assert_eq!(decisions, ["olga", "pia"], "a decision keeps the name its maker had then");
        // Each token's first use is a sign-in in the audit trail, once.
        let entries = svc.store.audit_entries(0, 1000).await.unwrap();
        let sign_ins =
            |who: &str| entries.iter().filter(|e| e.action == "sign_in" && e.object == format!("user:{who}")).count();
        assert_eq!((sign_ins("olga"), sign_ins("olga.k"), sign_ins("pia")), (1, 1, 1));
        // A user's creation comes before their sign-in in the chain.
        let at = |action: &str| entries.iter().position(|e| e.action == action && e.object == "user:pia").unwrap();
        assert!(at("user_add") < at("sign_in"));
        svc.shutdown().await;
        idp.task.abort();
        db.drop_pg().await;
    }
}
