//! Errors: [`HubError`] for starting and running the hub, [`AppError`] for HTTP answers.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rex_api::ErrorBody;
use rex_domain::Rejection;

/// Why the hub cannot start or go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// Another process (a serving hub, or `rex hub party add`) holds the data directory.
    #[error("{0} is in use by another rex hub process (a serving hub or a party import)")]
    Busy(String),
    /// A key file is missing, unreadable, malformed or too widely readable.
    #[error("hub key: {0}")]
    Keys(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] rex_store::StoreError),
    /// The log failed (an entry too long, the log full).
    #[error(transparent)]
    Log(#[from] rex_tlog::Error),
    /// The stored log is not a log this hub wrote: it does not replay, or its tree does not
    /// match its checkpoint.
    #[error("corrupt log: {0}")]
    Corrupt(String),
    /// The engine refused to register a party (already registered, or the write failed).
    #[error("refused: {0}")]
    Refused(#[from] crate::engine::Refusal),
    /// A file system or network operation failed.
    #[error("{0}")]
    Io(String),
}

/// An error answer. Internals are logged, never sent.
#[derive(Debug)]
pub enum AppError {
    /// The state machine refused the statement.
    Rejected(Rejection),
    /// The body is not JSON, or not the JSON expected.
    BadJson(String),
    /// The body or the log entry it makes is too large.
    TooLarge(String),
    /// A state's dossiers would exceed its quota.
    OverQuota(String),
    /// Nothing at this address.
    NotFound(String),
    /// The request is not signed, or not validly (`rex_api::auth`): who sent it is unknown.
    Unauthenticated(String),
    /// The signer is known but not allowed this (a state on an operator call, a third state
    /// asking for a dossier).
    Forbidden(String),
    /// The request's body did not arrive in time; the connection is closed after the answer.
    Timeout(String),
    /// The endpoint does not take this method.
    MethodNotAllowed(String),
    /// The request target is longer than the hub reads.
    UriTooLong(String),
    /// The header section is larger than the hub reads.
    HeadersTooLarge(String),
    /// A request the hub cannot read (a path segment that is not UTF-8).
    BadRequest(String),
    /// The hub is stopping, or refuses writes after a failure it could not undo.
    Unavailable,
    /// Anything else: logged with its detail, answered as `internal`.
    Internal(String),
}

/// The HTTP status of a rejection.
pub fn rejection_status(r: &Rejection) -> StatusCode {
    match r.code() {
        "wrong_key" | "bad_signature" | "unknown_party" | "not_member" | "four_eyes"
        | "officer_signature" => StatusCode::FORBIDDEN,
        "replay" | "seq_gap" | "conflict" | "not_allowed" => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl AppError {
    /// Status, code and the message a client may see.
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::Rejected(r) => (rejection_status(r), r.code(), r.to_string()),
            AppError::BadJson(m) => (StatusCode::BAD_REQUEST, "bad_json", m.clone()),
            AppError::TooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", m.clone()),
            AppError::OverQuota(m) => (StatusCode::PAYLOAD_TOO_LARGE, "over_quota", m.clone()),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            AppError::Unauthenticated(m) => {
                (StatusCode::UNAUTHORIZED, "unauthenticated", m.clone())
            }
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
            AppError::Timeout(m) => (StatusCode::REQUEST_TIMEOUT, "timeout", m.clone()),
            AppError::MethodNotAllowed(m) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                m.clone(),
            ),
            AppError::UriTooLong(m) => (StatusCode::URI_TOO_LONG, "uri_too_long", m.clone()),
            AppError::HeadersTooLarge(m) => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                m.clone(),
            ),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the hub is not accepting statements now".into(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; the hub operator has the details in the hub's log".into(),
            ),
        }
    }
}

impl From<rex_store::StoreError> for AppError {
    fn from(e: rex_store::StoreError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<rex_tlog::Error> for AppError {
    fn from(e: rex_tlog::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, code, message) = self.parts();
        let body = ErrorBody {
            code: code.to_owned(),
            message,
        };
        if status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may still come: the connection cannot serve another request.
            return (status, [(header::CONNECTION, "close")], Json(body)).into_response();
        }
        (status, Json(body)).into_response()
    }
}
