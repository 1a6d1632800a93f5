//! The profile page: this state's profile of its law (the parameters screening reads), each
//! version as the log holds it, and the versions in force of the other states. A case officer
//! publishes a new version (`profile_published`, not a binding act: it decides no case; the
//! node signs it at once and the audit trail keeps who); requests filed from then on are
//! screened against it.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

use crate::role::Role;
use crate::web::{
    blocking, form_field, officer, registry_of, render, require, when, Frame, WebError,
};
use crate::Desk;

type AppState = Arc<Desk>;

/// One state's profile in force, in words.
struct ProfileRow {
    party: String,
    version: String,
    since: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    frame: Frame,
    /// This state's profile in force, as pretty JSON, if it published one.
    mine: Option<String>,
    /// Every state's profile in force, this state's first.
    rows: Vec<ProfileRow>,
    /// Whether this officer may publish a new version.
    may_publish: bool,
}

fn summary(p: &rex_domain::StateProfile) -> String {
    format!(
        "{} its nationals; penalty at least {} months ({} months of sentence to enforce); {} \
         statute(s) mapped; death penalty {}; {} exclusion(s)",
        if p.surrenders_nationals {
            "surrenders"
        } else {
            "does not surrender"
        },
        p.min_penalty_months,
        p.min_sentence_months,
        p.statutes.len(),
        if p.death_penalty { "yes" } else { "no" },
        p.exclusions.len()
    )
}

/// `GET /profile`.
pub(crate) async fn page(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let registry = registry_of(&desk)?;
    let me = desk.party;
    let mut parties: Vec<rex_domain::PartyId> =
        registry.parties().map(|p| p.keys.party()).collect();
    parties.sort_by_key(|p| (*p != me, *p));
    let rows = parties
        .iter()
        .map(|p| match registry.profile(p) {
            Some(v) => ProfileRow {
                party: p.to_string(),
                version: format!("v{}", v.version),
                since: when(v.since),
                summary: summary(&v.profile),
            },
            None => ProfileRow {
                party: p.to_string(),
                version: "none".into(),
                since: "—".into(),
                summary: "no profile: the agreement's offence list stands for its law".into(),
            },
        })
        .collect();
    Ok(render(&ProfilePage {
        frame: Frame::of(&desk, &officer),
        mine: registry
            .profile(&me)
            .and_then(|v| serde_json::to_string_pretty(&v.profile).ok()),
        rows,
        may_publish: officer.has(Role::CaseOfficer),
    }))
}

/// `POST /profile` (`profile`: the JSON of the new version): a case officer publishes it.
pub(crate) async fn publish(
    State(desk): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &[Role::CaseOfficer], "publishing the profile")?;
    let text = form_field(&body, "profile");
    let profile: rex_domain::StateProfile = serde_json::from_str(&text).map_err(|e| {
        WebError::Input(format!(
            "the profile is not valid (`rex node profile template` prints one): {e}"
        ))
    })?;
    let d = Arc::clone(&desk);
    blocking(move || {
        let s = d.act(rex_domain::Action::ProfilePublished { profile })?;
        d.store().audit(
            d.now(),
            Some(officer.id),
            "profile_published",
            &format!("a new version of the profile: logged at index {}", s.index),
        )?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to("/profile").into_response())
}
