//! The console in a real browser: headless Debian Chromium driven through
//! chromedriver (WebDriver). Two analysts sign in and take a hit through
//! both reviews to forwarding; a border guard sees the alert. Screenshots
//! of the queue, the hit page and the alerts go to `target/screenshots/`
//! (the ones in `docs/` come from here).
#![cfg(feature = "service")]

mod common;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        assert!(
            std::path::Path::new(&bin).exists(),
            "{bin} not found: apt-get install chromium chromium-driver (.ci/run does)"
        );
        let port = free_port();
        let child = std::process::Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        wait_for(&format!("{url}/status")).await;
        Driver { child, url }
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,860"]
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sign_in(b: &Client, base: &str, user: &str) {
    b.goto(&format!("{base}/login")).await.unwrap();
    b.wait().for_element(Locator::Id("username")).await.unwrap().send_keys(user).await.unwrap();
    b.wait().for_element(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.wait().for_element(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // Signed in once the sign-out button is there: a navigation started
    // before that would cancel the sign-in.
    if b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("header form button")).await.is_err() {
        let source = b.source().await.unwrap_or_default();
        panic!("{user} not signed in after 10 s: {source}");
    }
}

/// The page's main text, once the page after a click or a redirect is there.
async fn text(b: &Client) -> String {
    for _ in 0..10 {
        if let Ok(main) = b.wait().at_most(Duration::from_secs(1)).for_element(Locator::Css("main")).await {
            if let Ok(t) = main.text().await {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = b.current_url().await.map(|u| u.to_string()).unwrap_or_default();
    let source = b.source().await.unwrap_or_default();
    panic!("no page with a <main> after 10 s at {url}: {source}")
}

/// The main text once it contains `needle` (the next page may take a moment), or the last seen.
async fn page_with(b: &Client, needle: &str) -> String {
    let mut t = String::new();
    for _ in 0..50 {
        t = text(b).await;
        if t.contains(needle) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t
}

async fn shot(b: &Client, name: &str) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), b.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_analysts_take_a_hit_to_the_border_in_a_browser() {
    let db = TestDb::sqlite().await;
    // The clock an hour and a half before the example flight lands.
    let svc = Running::start(&db, Arc::new(TestClock(Mutex::new(start())))).await;
    for (name, role) in [("ana", "analyst"), ("ben", "analyst"), ("gil", "border_guard")] {
        let hash = paxscreen::auth::hash_password(PASSWORD).unwrap();
        svc.store.upsert_user(name, paxscreen::auth::Role::parse(role).unwrap(), Some(&hash), start()).await.unwrap();
    }
    let ingest = svc.token("feeder", "ingest").await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/messages", svc.base))
        .bearer_auth(ingest)
        .body(example_message("B-1"));
    assert_eq!(r.send().await.unwrap().status(), 202);

    let driver = Driver::start().await;
    let (ana, ben) = (driver.browser().await, driver.browser().await);
    let base = svc.base.clone();

    // Ana: the first-review queue, the hit page, confirm.
    sign_in(&ana, &base, "ana").await;
    let queue = text(&ana).await;
    assert!(ana.current_url().await.unwrap().path().starts_with("/queue/first"));
    assert!(
        queue.contains("First review") && queue.contains("Nearest arrival first") && queue.contains("KL0692"),
        "{queue}"
    );
    shot(&ana, "queue.png").await;
    ana.wait().for_element(Locator::Css("tbody a")).await.unwrap().click().await.unwrap();
    // The hit page's flight bar.
    ana.wait().for_element(Locator::Css(".clock")).await.unwrap();
    let hit_url = ana.current_url().await.unwrap();
    let page = text(&ana).await;
    assert!(page.contains("Passenger (as the carrier sent it)") && page.contains("First review"), "{page}");
    shot(&ana, "hit.png").await;
    ana.wait().for_element(Locator::Css("button[value=confirm]")).await.unwrap().click().await.unwrap();
    assert!(page_with(&ana, "confirmed_once").await.contains("confirmed_once"));
    // Her second-review queue does not show it; the hit page says why.
    ana.goto(&format!("{base}/queue/second")).await.unwrap();
    assert!(text(&ana).await.contains("Nothing waiting"));
    ana.goto(hit_url.as_str()).await.unwrap();
    assert!(text(&ana).await.contains("You made the first decision"));
    assert!(ana.find(Locator::Css("button[value=confirm]")).await.is_err());

    // Ben: the second review; a dismissal without a reason is refused, then he confirms.
    sign_in(&ben, &base, "ben").await;
    ben.goto(&format!("{base}/queue/second")).await.unwrap();
    ben.wait().for_element(Locator::Css("tbody a")).await.unwrap().click().await.unwrap();
    assert!(page_with(&ben, "Second review (four eyes)").await.contains("Second review (four eyes)"));
    ben.wait().for_element(Locator::Css("button[value=dismiss]")).await.unwrap().click().await.unwrap();
    assert!(page_with(&ben, "A dismissal needs a reason").await.contains("A dismissal needs a reason"));
    ben.wait().for_element(Locator::Css("button[value=confirm]")).await.unwrap().click().await.unwrap();
    assert!(page_with(&ben, ": confirmed.").await.contains(": confirmed."));

    // Gil, a border guard, sees the alert once the forwarder has delivered it.
    let gil = ben;
    gil.goto(&format!("{base}/login")).await.unwrap();
    // Ben signs out first (the form carries the CSRF token).
    let _ = gil.goto(&format!("{base}/queue/first")).await;
    gil.wait().for_element(Locator::Css("header form button")).await.unwrap().click().await.unwrap();
    // Signed out once the sign-in form is there.
    gil.wait().for_element(Locator::Id("username")).await.unwrap();
    sign_in(&gil, &base, "gil").await;
    let mut seen = String::new();
    for _ in 0..50 {
        gil.goto(&format!("{base}/alerts")).await.unwrap();
        seen = text(&gil).await;
        if !seen.contains("No alerts") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.contains("ana, ben"), "{seen}");
    shot(&gil, "alerts.png").await;
    assert_eq!(std::fs::read_to_string(&svc.alerts_file).unwrap().lines().count(), 1);
    // Gil may not open the review queue.
    gil.goto(&format!("{base}/queue/first")).await.unwrap();
    assert!(text(&gil).await.contains("may not see this page"));
    ana.close().await.unwrap();
    gil.close().await.unwrap();
    svc.shutdown().await;
}
