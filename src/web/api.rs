//! The JSON API (service.md sections 2 to 4): ingest, login, the hit queue,
//! one hit, decisions, legal holds, forwarded alerts, the audit log. Every
//! view of personal data and every decision is in the audit log.

use super::{session, ApiError, AppState, Auditors, Authorized, BorderGuards, Caller, ClientAddress, Ingesters};
use super::{Reviewers, Staff, Supervisors};
use crate::audit::Event;
use crate::pipeline::{rejections, Processed};
use crate::review::HitState;
use crate::review::{Decision, Refused};
use crate::store::HitQuery;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The largest message body accepted over HTTP.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

pub fn api_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/messages", post(post_message))
        .route("/api/v1/messages/counts", get(message_counts))
        .route("/api/v1/login", post(login))
        .route("/api/v1/hits", get(list_hits))
        .route("/api/v1/hits/{id}", get(get_hit))
        .route("/api/v1/hits/{id}/decision", post(decide))
        .route("/api/v1/hits/{id}/hold", post(hold))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/audit", get(list_audit))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

#[derive(Deserialize)]
struct CountsParams {
    /// How many days back, today included (default 7, at most 400).
    days: Option<u32>,
}

/// `GET /api/v1/messages/counts?days=N`: messages per day and outcome
/// (screened, duplicate, out_of_scope, too_old, rejected).
async fn message_counts(
    State(s): State<Arc<AppState>>,
    _staff: Authorized<Staff>,
    Query(p): Query<CountsParams>,
) -> Result<Json<Value>, ApiError> {
    let days = p.days.unwrap_or(7);
    if !(1..=400).contains(&days) {
        return Err(ApiError(StatusCode::BAD_REQUEST, "days must be 1..400".into()));
    }
    let to = s.pipeline.clock.now().date_naive();
    let from = to - chrono::Duration::days(days as i64 - 1);
    let counts = s.store.message_counts(from, to).await?;
    Ok(Json(json!({"from": from, "to": to, "days": counts})))
}

/// `POST /api/v1/messages`: `202` once stored, `200` for a duplicate, `422` when unreadable.
async fn post_message(
    State(s): State<Arc<AppState>>,
    _caller: Authorized<Ingesters>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let results = s.pipeline.process(&body, "http").await?;
    let rejected = rejections(&results, false);
    if results.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": "no message in the body", "reasons": []}))));
    }
    if !rejected.is_empty() && results.len() == rejected.len() {
        let error = "message cannot be read";
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": error, "reasons": rejected}))));
    }
    let mut stored = Vec::new();
    for r in &results {
        let v = match r {
            Processed::Stored { message_id, passengers, hits } => {
                json!({"message_id": message_id, "passengers": passengers, "hits": hits})
            }
            Processed::Duplicate { message_id } => json!({"message_id": message_id, "duplicate": true}),
            Processed::OutOfScope { message_id } => {
                json!({"message_id": message_id, "passengers": 0, "hits": 0, "out_of_scope": true})
            }
            Processed::TooOld { message_id } => {
                json!({"message_id": message_id, "passengers": 0, "hits": 0, "too_old": true})
            }
            Processed::Rejected { .. } => continue,
        };
        stored.push(v);
    }
    let all_duplicates = results.iter().all(|r| matches!(r, Processed::Duplicate { .. }));
    let status = if all_duplicates { StatusCode::OK } else { StatusCode::ACCEPTED };
    let mut body = if stored.len() == 1 { stored.remove(0) } else { json!({"messages": stored}) };
    if !rejected.is_empty() {
        body["rejected"] = json!(rejected);
    }
    Ok((status, Json(body)))
}

#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// `POST /api/v1/login`: a session token for a local account; `429` when
/// throttled, `503` when too many sign-ins wait (both with `Retry-After`).
async fn login(
    State(s): State<Arc<AppState>>,
    ClientAddress(address): ClientAddress,
    Json(l): Json<Login>,
) -> Result<Json<Value>, session::SignInRefused> {
    let (token, principal) = session::sign_in(&s, &l.username, &l.password, "api", address).await?;
    Ok(Json(json!({"token": token, "role": principal.role.as_str()})))
}

#[derive(Deserialize)]
struct HitsParams {
    state: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
    /// Leave out hits whose first decision is the caller's (the second-review queue).
    for_me: Option<bool>,
}

/// `GET /api/v1/hits?state=S&limit=N&cursor=C`: the queue, no personal data.
async fn list_hits(
    State(s): State<Arc<AppState>>,
    Authorized(caller, _): Authorized<Reviewers>,
    Query(p): Query<HitsParams>,
) -> Result<Json<Value>, ApiError> {
    let state = match p.state.as_deref().map(str::parse::<HitState>) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => return Err(ApiError(StatusCode::BAD_REQUEST, e.to_string())),
    };
    if p.limit.is_some_and(|l| l == 0 || l > 1000) {
        return Err(ApiError(StatusCode::BAD_REQUEST, "limit must be 1..1000".into()));
    }
    let not_first = if p.for_me.unwrap_or(false) { Some(caller.0.user_id) } else { None };
    let q = HitQuery { state, limit: p.limit.unwrap_or(100), cursor: p.cursor, not_first_reviewer: not_first };
    let page = s
        .store
        .hits(&q)
        .await?
        .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "not a cursor of this queue".into()))?;
    Ok(Json(serde_json::to_value(page).expect("a page serialises")))
}

/// `GET /api/v1/hits/{id}`: one hit with the passenger and the explanation.
async fn get_hit(
    State(s): State<Arc<AppState>>,
    Authorized(Caller(who, _), _): Authorized<Reviewers>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let hit = s.store.hit(id).await?.ok_or_else(|| ApiError(StatusCode::NOT_FOUND, "no such hit".into()))?;
    // A view of personal data: who and which hit, never what was seen.
    let e = Event::new(&who.name, who.role.as_str(), "view_hit", format!("hit:{id}"), json!({"version": hit.version}));
    s.store.audit(&e, s.pipeline.clock.now()).await?;
    Ok(Json(serde_json::to_value(hit).expect("a hit serialises")))
}

#[derive(Deserialize)]
struct DecisionBody {
    decision: Decision,
    reason: Option<String>,
    /// The state the reviewer saw; if the hit moved since, `409 state`.
    expected_state: Option<HitState>,
}

/// The status of a refused decision (the console answers with the same).
pub(super) fn refused_status(r: &Refused) -> StatusCode {
    match r {
        Refused::NotFound => StatusCode::NOT_FOUND,
        Refused::FourEyes | Refused::State => StatusCode::CONFLICT,
        Refused::ReasonRequired | Refused::ReasonTooLong => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The contract's answer to a refused decision.
pub fn refused(r: Refused) -> ApiError {
    ApiError(refused_status(&r), r.to_string())
}

/// `POST /api/v1/hits/{id}/decision`: confirm or dismiss; `409` for the
/// four-eyes rule or a hit no longer in a state that takes it.
async fn decide(
    State(s): State<Arc<AppState>>,
    Authorized(Caller(who, _), _): Authorized<Reviewers>,
    Path(id): Path<i64>,
    Json(b): Json<DecisionBody>,
) -> Result<Json<Value>, ApiError> {
    let d = s
        .store
        .decide(id, &who, b.decision, b.reason.as_deref(), b.expected_state, s.pipeline.clock.now())
        .await?
        .map_err(refused)?;
    Ok(Json(json!({"id": id, "state": d.state})))
}

#[derive(Deserialize)]
struct HoldBody {
    /// The investigation's reference; `null` lifts the hold.
    case: Option<String>,
}

/// `POST /api/v1/hits/{id}/hold`: a supervisor places or lifts a legal hold
/// on a confirmed hit (its data then outlives the retention period).
async fn hold(
    State(s): State<Arc<AppState>>,
    Authorized(Caller(who, _), _): Authorized<Supervisors>,
    Path(id): Path<i64>,
    Json(b): Json<HoldBody>,
) -> Result<Json<Value>, ApiError> {
    let case = b.case.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if case.is_some_and(|c| c.len() > 200) {
        return Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, "a case reference is at most 200 characters".into()));
    }
    s.store.set_legal_hold(id, &who, case, s.pipeline.clock.now()).await?.map_err(refused)?;
    Ok(Json(json!({"id": id, "legal_hold": case.is_some()})))
}

#[derive(Deserialize)]
struct PageParams {
    limit: Option<i64>,
    /// The last id (or audit number) of the previous page.
    before: Option<i64>,
}

fn page_limit(l: Option<i64>) -> Result<i64, ApiError> {
    match l {
        None => Ok(100),
        Some(l) if (1..=1000).contains(&l) => Ok(l),
        Some(_) => Err(ApiError(StatusCode::BAD_REQUEST, "limit must be 1..1000".into())),
    }
}

/// `GET /api/v1/alerts`: forwarded alerts, newest first, for border guards.
async fn list_alerts(
    State(s): State<Arc<AppState>>,
    Authorized(Caller(who, _), _): Authorized<BorderGuards>,
    Query(p): Query<PageParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = page_limit(p.limit)?;
    let alerts = s.store.delivered_alerts(p.before, limit).await?;
    let ids: Vec<i64> = alerts.iter().map(|a| a.alert_id).collect();
    let e = Event::new(&who.name, who.role.as_str(), "view_alerts", "alerts", json!({"alerts": ids}));
    s.store.audit(&e, s.pipeline.clock.now()).await?;
    let next = if alerts.len() as i64 == limit { alerts.last().map(|a| a.alert_id) } else { None };
    Ok(Json(json!({"alerts": alerts, "next": next})))
}

/// `GET /api/v1/audit`: the audit log, newest first, for auditors.
async fn list_audit(
    State(s): State<Arc<AppState>>,
    _caller: Authorized<Auditors>,
    Query(p): Query<PageParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = page_limit(p.limit)?;
    let entries = s.store.audit_recent(p.before, limit).await?;
    let next = if entries.len() as i64 == limit { entries.last().map(|e| e.seq) } else { None };
    Ok(Json(json!({"entries": entries, "next": next})))
}
