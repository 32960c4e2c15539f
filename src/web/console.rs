//! The reviewer console: server-rendered pages (askama templates, no
//! front-end build, no scripts), on the same listener as the API. Sessions
//! are cookies holding a session token (kept as its hash, like every
//! token); every form carries the session's CSRF token; sign-in is
//! throttled. Each role lands on its own page: analysts and supervisors on
//! the queues and hit pages, border guards on the alerts, auditors on the
//! audit log, admins on the users (no personal data).

use super::session::{self, clear_cookie, cookie_token, csrf_ok, csrf_token, set_cookie};
use super::{same_origin, ApiError, AppState, ClientAddress, PrivacyOfficers, Reviewers, Roles};
use crate::audit::{Entry, Event};
use crate::auth::Role;
use crate::review::{Decision, HitState, Refused};
use crate::store::{DecisionRow, HitDetail, HitQuery, HitSummary, Principal, UserRow};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn console_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/queue/first", get(first_queue))
        .route("/queue/second", get(second_queue))
        .route("/hits/{id}", get(hit_page))
        .route("/hits/{id}/decision", post(decide))
        .route("/alerts", get(alerts_page))
        .route("/audit", get(audit_page))
        .route("/users", get(users_page))
        .route("/privacy", get(privacy_page))
        .route("/account", get(account_page))
        .route("/static/console.css", get(css))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Pages hold personal data: never cached, never framed, no scripts.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (k, v) in [
        ("content-security-policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    r
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../static/console.css"))
}

/// The signed-in user on every page.
pub struct Nav {
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub now: String,
    pub links: Vec<(&'static str, &'static str, &'static str)>,
}

/// A signed-in console user.
struct Session {
    who: Principal,
    role: Role,
    token: String,
}

impl Session {
    fn nav(&self, now: DateTime<Utc>) -> Nav {
        let links: Vec<(&str, &str, &str)> = match self.role {
            Role::Analyst | Role::Supervisor => {
                vec![("/queue/first", "First review", "1"), ("/queue/second", "Second review", "2")]
            }
            Role::BorderGuard => vec![("/alerts", "Alerts", "1")],
            Role::Auditor => vec![("/audit", "Audit log", "1")],
            Role::Admin => vec![("/users", "Users", "1")],
            Role::PrivacyOfficer => vec![("/privacy", "Privacy", "1")],
            Role::Ingest => vec![("/account", "Account", "1")],
        };
        Nav {
            user: self.who.name.clone(),
            role: self.who.role.as_str().to_string(),
            csrf: csrf_token(&self.token),
            now: now.format("%H:%M UTC").to_string(),
            links,
        }
    }
}

/// The session of the request, or a redirect to the sign-in page.
async fn session(s: &AppState, headers: &HeaderMap, roles: &[Role]) -> Result<Session, Response> {
    let to_login = || Redirect::to("/login").into_response();
    let Some(token) = cookie_token(headers) else { return Err(to_login()) };
    let who = match session::principal_of(s, &token).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(to_login()),
        Err(e) => return Err(e.into_response()),
    };
    let role = who.role;
    if !roles.is_empty() && !roles.contains(&role) {
        return Err(page_error(StatusCode::FORBIDDEN, &format!("role {} may not see this page", role.as_str())));
    }
    Ok(Session { who, role, token })
}

/// A console user holding one of `R`'s roles, found while reading the
/// request's head: another role gets `403` before a form is read.
struct Signed<R: Roles>(Session, std::marker::PhantomData<R>);

impl<R: Roles> FromRequestParts<Arc<AppState>> for Signed<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
        session(state, &parts.headers, R::ALLOWED).await.map(|s| Signed(s, std::marker::PhantomData))
    }
}

/// A page, or the response that takes its place (sign-in redirect, error).
type Page = Result<Response, Response>;

/// A store error as a page.
fn failed(e: crate::store::StoreError) -> Response {
    ApiError::from(e).into_response()
}

fn page_error(status: StatusCode, message: &str) -> Response {
    (status, Html(format!("<!doctype html><title>paxscreen</title><link rel=\"stylesheet\" href=\"/static/console.css\"><main><div class=\"error\">{}</div><p><a href=\"/\">Back</a></p></main>", html_escape(message)))).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page not rendered");
            page_error(StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered")
        }
    }
}

async fn home(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    match session(&s, &headers, &[]).await {
        Err(r) => r,
        Ok(sess) => Redirect::to(match sess.role {
            Role::Analyst | Role::Supervisor => "/queue/first",
            Role::BorderGuard => "/alerts",
            Role::Auditor => "/audit",
            Role::Admin => "/users",
            Role::PrivacyOfficer => "/privacy",
            Role::Ingest => "/account",
        })
        .into_response(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    username: String,
}

async fn login_page() -> Response {
    render(&LoginPage { error: None, username: String::new() })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// Signing in from the form: only from this site's own page (a post from
/// another site is refused before anything is checked).
async fn login(
    State(s): State<Arc<AppState>>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return page_error(StatusCode::FORBIDDEN, "sign in from paxscreen's own sign-in page");
    }
    match session::sign_in(&s, &f.username, &f.password, "console", address).await {
        Ok((token, _)) => {
            let mut r = Redirect::to("/").into_response();
            let cookie = HeaderValue::from_str(&set_cookie(&token, s.secure_cookies)).expect("a token is ASCII");
            r.headers_mut().insert(header::SET_COOKIE, cookie);
            r
        }
        Err(refused) => {
            let retry = refused.retry_header();
            let mut r = render(&LoginPage { error: Some(refused.message), username: f.username });
            *r.status_mut() = refused.status;
            if let Some((k, v)) = retry {
                r.headers_mut().insert(k, v);
            }
            r
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    if let Some(token) = cookie_token(&headers) {
        if !csrf_ok(&token, &f.csrf) {
            return page_error(StatusCode::FORBIDDEN, "the form has expired: reload the page");
        }
        if let Err(e) = s.store.revoke_token(&crate::auth::token_hash(&token)).await {
            return ApiError::from(e).into_response();
        }
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(&clear_cookie(s.secure_cookies)).expect("ASCII"));
    r
}

/// "2 h 05 min", "landed 12 min ago", and whether it is urgent or late.
fn time_left(arrival: &str, now: DateTime<Utc>) -> (String, bool, bool) {
    let Ok(t) = DateTime::parse_from_rfc3339(arrival) else { return ("?".into(), false, false) };
    let mins = t.with_timezone(&Utc).signed_duration_since(now).num_minutes();
    if mins < 0 {
        return (format!("landed {} ago", hm(-mins)), false, true);
    }
    (hm(mins), mins < 60, false)
}

fn hm(mins: i64) -> String {
    if mins >= 60 {
        format!("{} h {:02} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}

fn short_time(t: &str) -> String {
    DateTime::parse_from_rfc3339(t).map(|t| t.format("%d %b %H:%M").to_string()).unwrap_or_else(|_| t.to_string())
}

fn what(h: &HitSummary) -> String {
    match (&h.list, &h.entry_id, &h.trend_id) {
        (Some(l), Some(e), _) => format!("{l} / {e}"),
        (_, _, Some(t)) => format!("trend {t}"),
        _ => String::new(),
    }
}

struct QueueRow {
    id: i64,
    left: String,
    urgent: bool,
    late: bool,
    flight: String,
    route: String,
    arrival: String,
    kind: String,
    what: String,
    score: String,
    damaged: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    nav: Nav,
    title: &'static str,
    help: &'static str,
    rows: Vec<QueueRow>,
    flash: Option<String>,
    /// Today's messages by outcome, in words.
    today: String,
}

#[derive(Deserialize)]
struct Done {
    done: Option<i64>,
    to: Option<HitState>,
}

async fn queue(s: &AppState, headers: &HeaderMap, second: bool, done: Done) -> Page {
    let sess = session(s, headers, &[Role::Analyst, Role::Supervisor]).await?;
    let q = HitQuery {
        state: Some(if second { HitState::ConfirmedOnce } else { HitState::New }),
        limit: 500,
        cursor: None,
        not_first_reviewer: Some(sess.who.user_id),
    };
    let page =
        s.store.hits(&q).await.map_err(failed)?.ok_or_else(|| page_error(StatusCode::BAD_REQUEST, "bad cursor"))?;
    let now = s.pipeline.clock.now();
    let rows = page
        .hits
        .iter()
        .map(|h| {
            let (left, urgent, late) = time_left(&h.flight.arrival_time, now);
            QueueRow {
                id: h.id,
                left,
                urgent,
                late,
                flight: h.flight.number.clone(),
                route: format!("{} → {}", h.flight.departure_airport, h.flight.arrival_airport),
                arrival: short_time(&h.flight.arrival_time),
                kind: h.kind.clone(),
                what: what(h),
                score: format!("{:.2}", h.score),
                damaged: h.input_damaged,
            }
        })
        .collect();
    let flash = done.done.map(|id| format!("Hit #{id}: {}.", done.to.map_or("decided", HitState::as_str)));
    let (title, help) = if second {
        ("Second review", "Hits confirmed once by someone else; yours are not shown.")
    } else {
        ("First review", "New hits: check each against the entry and decide.")
    };
    let today = today_in_words(s, now).await?;
    Ok(render(&QueuePage { nav: sess.nav(now), title, help, rows, flash, today }))
}

/// "Messages today: 12 screened, 1 duplicate, ..." (UTC day).
async fn today_in_words(s: &AppState, now: DateTime<Utc>) -> Result<String, Response> {
    let day = now.date_naive();
    let counts = s.store.message_counts(day, day).await.map_err(failed)?;
    let n = |o: &str| counts.first().and_then(|c| c.outcomes.get(o).copied()).unwrap_or(0);
    Ok(format!(
        "Messages received today (UTC): {} screened, {} duplicate, {} out of scope, {} too old to screen, {} unreadable.",
        n("screened"),
        n("duplicate"),
        n("out_of_scope"),
        n("too_old"),
        n("rejected")
    ))
}

async fn first_queue(State(s): State<Arc<AppState>>, headers: HeaderMap, Query(d): Query<Done>) -> Page {
    queue(&s, &headers, false, d).await
}

async fn second_queue(State(s): State<Arc<AppState>>, headers: HeaderMap, Query(d): Query<Done>) -> Page {
    queue(&s, &headers, true, d).await
}

/// `a.b: value` lines from a JSON value, for the hit page.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let items: Vec<String> = a.iter().map(scalar).collect();
            out.push((prefix.to_string(), items.join(", ")));
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&key(&(i + 1).to_string()), v, out);
            }
        }
        Value::Null => {}
        other => out.push((prefix.to_string(), scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            n.as_f64().filter(|f| f.fract() != 0.0).map(|f| format!("{f:.3}")).unwrap_or_else(|| n.to_string())
        }
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "hit.html")]
struct HitPage {
    nav: Nav,
    id: i64,
    state: HitState,
    left: String,
    urgent: bool,
    late: bool,
    flight: String,
    route: String,
    arrival: String,
    damaged: bool,
    kind: String,
    what: String,
    score: String,
    threshold: String,
    version: String,
    passenger: Vec<(String, String)>,
    explanation: Vec<(String, String)>,
    decisions: Vec<DecisionRow>,
    can_decide: bool,
    step_label: String,
    why_not: String,
    error: Option<String>,
}

fn hit_view(sess: &Session, h: HitDetail, now: DateTime<Utc>, error: Option<String>) -> HitPage {
    let s = &h.summary;
    let (left, urgent, late) = time_left(&s.flight.arrival_time, now);
    let mut passenger = Vec::new();
    if let Some(p) = &h.passenger {
        flatten("", p, &mut passenger);
    }
    let mut explanation = Vec::new();
    if let Some(e) = &h.explanation {
        flatten("", e, &mut explanation);
    }
    let mine_first = h.decisions.first().is_some_and(|d| d.user == sess.who.name);
    let (can_decide, step_label, why_not) = match s.state {
        HitState::New => (true, "First review".to_string(), String::new()),
        HitState::ConfirmedOnce if mine_first => {
            (false, String::new(), "You made the first decision: a second reviewer must decide this hit.".into())
        }
        HitState::ConfirmedOnce => (true, "Second review (four eyes)".into(), String::new()),
        other => (false, String::new(), format!("This hit is {other}: it takes no more decisions.")),
    };
    HitPage {
        nav: sess.nav(now),
        id: s.id,
        state: s.state,
        left,
        urgent,
        late,
        flight: s.flight.number.clone(),
        route: format!("{} → {}", s.flight.departure_airport, s.flight.arrival_airport),
        arrival: short_time(&s.flight.arrival_time),
        damaged: s.input_damaged,
        kind: s.kind.clone(),
        what: what(s),
        score: format!("{:.3}", s.score),
        threshold: format!("{:.2}", h.threshold),
        version: h.version.clone(),
        passenger,
        explanation,
        decisions: h.decisions,
        can_decide,
        step_label,
        why_not,
        error,
    }
}

/// The hit page, the view written to the audit log first.
async fn show_hit(s: &AppState, sess: &Session, id: i64, error: Option<String>, status: StatusCode) -> Page {
    let now = s.pipeline.clock.now();
    let hit = s.store.hit(id).await.map_err(failed)?.ok_or_else(|| page_error(StatusCode::NOT_FOUND, "no such hit"))?;
    let e = Event::new(
        &sess.who.name,
        sess.who.role.as_str(),
        "view_hit",
        format!("hit:{id}"),
        json!({"version": hit.version, "via": "console"}),
    );
    s.store.audit(&e, now).await.map_err(failed)?;
    let mut r = render(&hit_view(sess, hit, now, error));
    *r.status_mut() = status;
    Ok(r)
}

async fn hit_page(State(s): State<Arc<AppState>>, headers: HeaderMap, Path(id): Path<i64>) -> Page {
    let sess = session(&s, &headers, &[Role::Analyst, Role::Supervisor]).await?;
    show_hit(&s, &sess, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct DecisionForm {
    csrf: String,
    decision: Decision,
    reason: Option<String>,
    expected_state: Option<HitState>,
}

async fn decide(
    State(s): State<Arc<AppState>>,
    Signed(sess, _): Signed<Reviewers>,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Page {
    if !csrf_ok(&sess.token, &f.csrf) {
        return Err(page_error(StatusCode::FORBIDDEN, "the form has expired: reload the page"));
    }
    let now = s.pipeline.clock.now();
    let seen = f.expected_state;
    match s.store.decide(id, &sess.who, f.decision, f.reason.as_deref(), seen, now).await.map_err(failed)? {
        Ok(d) => {
            let back = if seen == Some(HitState::ConfirmedOnce) { "/queue/second" } else { "/queue/first" };
            Ok(Redirect::to(&format!("{back}?done={id}&to={}", d.state)).into_response())
        }
        Err(r) => {
            let message = match r {
                Refused::FourEyes => "You made the first decision on this hit: another reviewer must make the second.",
                Refused::State => "Someone else decided this hit first, or its data expired: see its state below.",
                Refused::ReasonRequired => "A dismissal needs a reason in words.",
                Refused::ReasonTooLong => "The reason is too long.",
                Refused::NotFound => return Err(page_error(StatusCode::NOT_FOUND, "no such hit")),
            };
            let status = super::api::refused_status(&r);
            show_hit(&s, &sess, id, Some(message.into()), status).await
        }
    }
}

struct AlertView {
    alert_id: i64,
    hit_id: i64,
    left: String,
    urgent: bool,
    late: bool,
    flight: String,
    arrival: String,
    name: String,
    born: String,
    document: String,
    reason: String,
    reviewers: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    nav: Nav,
    rows: Vec<AlertView>,
}

async fn alerts_page(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Page {
    let sess = session(&s, &headers, &[Role::BorderGuard]).await?;
    let now = s.pipeline.clock.now();
    let alerts = s.store.delivered_alerts(None, 500).await.map_err(failed)?;
    let ids: Vec<i64> = alerts.iter().map(|a| a.alert_id).collect();
    let e = Event::new(
        &sess.who.name,
        sess.who.role.as_str(),
        "view_alerts",
        "alerts",
        json!({"alerts": ids, "via": "console"}),
    );
    s.store.audit(&e, now).await.map_err(failed)?;
    let text = scalar;
    let rows = alerts
        .iter()
        .filter_map(|a| {
            let v = a.alert.as_ref()?;
            let (left, urgent, late) = time_left(v["flight"]["arrival_time"].as_str().unwrap_or(""), now);
            let p = &v["passenger"];
            let d = &p["document"];
            let reason = &v["reason"];
            Some(AlertView {
                alert_id: a.alert_id,
                hit_id: a.hit_id,
                left,
                urgent,
                late,
                flight: text(&v["flight"]["number"]),
                arrival: short_time(v["flight"]["arrival_time"].as_str().unwrap_or("")),
                name: format!(
                    "{} {}",
                    text(&p["surname"]),
                    if p["given_names"].is_null() { String::new() } else { text(&p["given_names"]) }
                ),
                born: if p["date_of_birth"].is_null() { String::new() } else { text(&p["date_of_birth"]) },
                document: if d.is_null() {
                    String::new()
                } else {
                    format!("{} {}", text(&d["type"]), text(&d["number"]))
                },
                reason: match reason["kind"].as_str() {
                    Some("watchlist") => format!("{} / {}", text(&reason["list"]), text(&reason["entry_id"])),
                    _ => format!("trend {}", text(&reason["trend_id"])),
                },
                reviewers: v["reviewers"]
                    .as_array()
                    .map(|r| r.iter().map(text).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
            })
        })
        .collect();
    Ok(render(&AlertsPage { nav: sess.nav(now), rows }))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    rows: Vec<AuditRow>,
    chain: String,
    intact: bool,
    next: Option<i64>,
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    role: String,
    action: String,
    object: String,
    detail: String,
}

impl From<Entry> for AuditRow {
    fn from(e: Entry) -> AuditRow {
        AuditRow {
            seq: e.seq,
            at: crate::store::from_millis(e.at).format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor,
            role: e.role,
            action: e.action,
            object: e.object,
            detail: e.detail,
        }
    }
}

#[derive(Deserialize)]
struct Before {
    before: Option<i64>,
}

async fn audit_page(State(s): State<Arc<AppState>>, headers: HeaderMap, Query(b): Query<Before>) -> Page {
    let sess = session(&s, &headers, &[Role::Auditor]).await?;
    let entries = s.store.audit_recent(b.before, 200).await.map_err(failed)?;
    let verified = s.store.audit_verify().await.map_err(failed)?;
    let (chain, intact) = match verified {
        Ok(n) => (format!("Chain intact: {n} entries verified."), true),
        Err(b) => (format!("Chain BROKEN: {b}"), false),
    };
    let next = if entries.len() == 200 { entries.last().map(|e| e.seq) } else { None };
    let rows = entries.into_iter().map(AuditRow::from).collect();
    Ok(render(&AuditPage { nav: sess.nav(s.pipeline.clock.now()), rows, chain, intact, next }))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserRow>,
}

async fn users_page(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Page {
    let sess = session(&s, &headers, &[Role::Admin]).await?;
    let users = s.store.users().await.map_err(failed)?;
    Ok(render(&UsersPage { nav: sess.nav(s.pipeline.clock.now()), users }))
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    nav: Nav,
    retention_hours: i64,
    held: usize,
    discards: Vec<(String, u64)>,
}

/// The privacy officer's page: the retention in force, the legal holds,
/// and the special-category fields senders sent (to take up with them).
async fn privacy_page(State(s): State<Arc<AppState>>, Signed(sess, _): Signed<PrivacyOfficers>) -> Page {
    let held = s.store.held_hits().await.map_err(failed)?.len();
    let discards = s.pipeline.metrics.special_category_by_sender();
    let retention_hours = s.pipeline.retention.num_hours();
    Ok(render(&PrivacyPage { nav: sess.nav(s.pipeline.clock.now()), retention_hours, held, discards }))
}

#[derive(Template)]
#[template(path = "role.html")]
struct RolePage {
    nav: Nav,
    title: &'static str,
    text: &'static str,
}

/// Where an ingest account lands: it has no console pages of its own.
async fn account_page(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Page {
    let sess = session(&s, &headers, &[Role::Ingest]).await?;
    let text = "This account sends messages to paxscreen over the API (POST /api/v1/messages); \
                it has no review pages. Sign out when done.";
    Ok(render(&RolePage { nav: sess.nav(s.pipeline.clock.now()), title: "Ingest account", text }))
}
