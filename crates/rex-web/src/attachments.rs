//! A dossier's typed attachments on the desk: uploaded with the new-request form, listed on the
//! approval page (what the approver signs) and on the dossier page, and downloaded one by one.
//!
//! **An attachment is the other state's content, and may be hostile.** A download is never
//! rendered by the desk's origin: it is served as `Content-Disposition: attachment` under a
//! name made safe for a header and a file system, as `application/octet-stream` unless its
//! type is one a browser only displays ([`SAFE_TYPES`]: no HTML, no SVG, no script), with
//! `nosniff` and a sandboxing Content-Security-Policy that gives it no script, no plug-in and
//! no origin even if opened. The dossier was checked when parsed (each attachment's SHA-256
//! against its bytes, name, type, sizes: `rex_domain::dossier`), so an altered attachment is
//! refused, not served. Every download is written to the audit trail, by number, kind, size
//! and SHA-256: never the file name, which is case content that the admin, who reads the
//! trail, must not see.

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rex_domain::{
    Attachment, AttachmentKind, StructuredDossier, MAX_ATTACHMENTS_BYTES, MAX_ATTACHMENT_BYTES,
};
use serde::Serialize;

use crate::web::{blocking, officer, require, WebError};
use crate::Desk;

type AppState = Arc<Desk>;

/// The largest new-request form: the attachments at their limit, and room for the dossier's
/// text and the other fields.
pub(crate) const MAX_FORM_BYTES: usize = MAX_ATTACHMENTS_BYTES + (2 << 20);

/// Media types a browser displays without running anything: served as such; every other type
/// is served as `application/octet-stream`.
pub(crate) const SAFE_TYPES: [&str; 4] =
    ["application/pdf", "image/png", "image/jpeg", "text/plain"];

/// The Content-Security-Policy of a download: nothing may load or run, and the document, if a
/// browser shows it at all, is sandboxed in an opaque origin.
pub(crate) const DOWNLOAD_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// One attachment as a page lists it.
pub(crate) struct AttachmentRow {
    /// Its number, from 1, as the download path names it.
    pub(crate) n: usize,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) media_type: String,
    pub(crate) size: usize,
    pub(crate) sha256: String,
    /// Where to download it.
    pub(crate) href: String,
}

/// The rows of `attachments`, downloadable under `base` (`/requests/{id}/attachments`).
pub(crate) fn rows(attachments: &[Attachment], base: &str) -> Vec<AttachmentRow> {
    attachments
        .iter()
        .enumerate()
        .map(|(i, a)| AttachmentRow {
            n: i + 1,
            kind: a.kind.to_string(),
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            size: a.size(),
            sha256: a.sha256.to_string(),
            href: format!("{base}/{}", i + 1),
        })
        .collect()
}

/// The structured dossier's JSON as a page shows it, its fields in their order: each
/// attachment's bytes replaced by a note of their size (the attachments are listed, with their
/// SHA-256, and downloadable).
pub(crate) fn shown(dossier: &StructuredDossier) -> String {
    #[derive(Serialize)]
    struct Shown<'a> {
        format: &'a str,
        facts: &'a rex_domain::DossierFacts,
        text: &'a str,
        attachments: Vec<ShownAttachment<'a>>,
    }
    #[derive(Serialize)]
    struct ShownAttachment<'a> {
        kind: AttachmentKind,
        name: &'a str,
        media_type: &'a str,
        sha256: String,
        content: String,
    }
    let shown = Shown {
        format: &dossier.format,
        facts: &dossier.facts,
        text: &dossier.text,
        attachments: dossier
            .attachments
            .iter()
            .map(|a| ShownAttachment {
                kind: a.kind,
                name: &a.name,
                media_type: &a.media_type,
                sha256: a.sha256.to_string(),
                content: format!(
                    "({} bytes in base64; attachment listed and downloadable)",
                    a.size()
                ),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&shown).unwrap_or_default()
}

/// The new-request form as posted: its fields, in order, and its files. The desk's form posts
/// `multipart/form-data` (a file input per kind, `attach_<kind>`, each taking several files); a
/// form without files may post `application/x-www-form-urlencoded`.
#[derive(Default)]
pub(crate) struct Posted {
    fields: Vec<(String, String)>,
    pub(crate) attachments: Vec<Attachment>,
    /// Files posted under other names (a release instrument's document): name, bytes.
    pub(crate) files: Vec<(String, Vec<u8>)>,
}

impl Posted {
    /// Every value of the field `name`, in order.
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The first value of the field `name`, or empty.
    pub(crate) fn field(&self, name: &str) -> String {
        self.values(name).into_iter().next().unwrap_or_default()
    }

    /// Reads the form, within the route's body limit ([`MAX_FORM_BYTES`]) and the per-file
    /// limit, each refusal one line that says the limit.
    pub(crate) async fn read(request: Request) -> Result<Posted, WebError> {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"));
        if !multipart {
            let body = axum::body::Bytes::from_request(request, &())
                .await
                .map_err(|e| match e.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                    _ => WebError::Input(format!("the form could not be read: {}", e.body_text())),
                })?;
            return Ok(Posted {
                fields: form_urlencoded::parse(&body).into_owned().collect(),
                ..Posted::default()
            });
        }
        let mut form = Multipart::from_request(request, &()).await.map_err(|e| {
            WebError::Input(format!("the form could not be read: {}", e.body_text()))
        })?;
        let mut posted = Posted::default();
        while let Some(mut field) = form.next_field().await.map_err(upload)? {
            let name = field.name().unwrap_or_default().to_owned();
            let Some(kind) = name.strip_prefix("attach_") else {
                if field.file_name().is_some() {
                    let content = read_file(&mut field, &name).await?;
                    posted.files.push((name, content));
                    continue;
                }
                let value = field.text().await.map_err(upload)?;
                posted.fields.push((name, value));
                continue;
            };
            let kind: AttachmentKind = kind
                .parse()
                .map_err(|e: rex_domain::Rejection| WebError::Input(e.to_string()))?;
            let file = field.file_name().unwrap_or_default().to_owned();
            let mut content = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(upload)? {
                if content.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                    return Err(WebError::TooLarge(format!(
                        "the {kind} {} is larger than the {} MiB one attachment may have; split it or compress it",
                        rex_domain::dossier::sanitise_name(&file),
                        MAX_ATTACHMENT_BYTES >> 20
                    )));
                }
                content.extend_from_slice(&chunk);
            }
            if file.is_empty() && content.is_empty() {
                // A file input left empty: browsers post it with no name and no bytes.
                continue;
            }
            let attachment = Attachment::new(kind, &file, content)
                .map_err(|e| WebError::Input(e.to_string()))?;
            posted.attachments.push(attachment);
        }
        Ok(posted)
    }
}

/// The bytes of a posted file that is not an attachment, within [`MAX_ATTACHMENT_BYTES`].
async fn read_file(
    field: &mut axum::extract::multipart::Field<'_>,
    name: &str,
) -> Result<Vec<u8>, WebError> {
    let mut content = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(upload)? {
        if content.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
            return Err(WebError::TooLarge(format!(
                "the file {name} is larger than the {} MiB a document may have; compress it",
                MAX_ATTACHMENT_BYTES >> 20
            )));
        }
        content.extend_from_slice(&chunk);
    }
    Ok(content)
}

fn too_large() -> WebError {
    WebError::TooLarge(format!(
        "the form is larger than the {} MiB it may have: attach at most {} MiB in all and {} MiB per file",
        MAX_FORM_BYTES >> 20,
        MAX_ATTACHMENTS_BYTES >> 20,
        MAX_ATTACHMENT_BYTES >> 20
    ))
}

fn upload(e: axum::extract::multipart::MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        WebError::Input(format!("the form could not be read: {}", e.body_text()))
    }
}

/// `Content-Disposition: attachment` naming `name`: an ASCII fallback (anything else, quotes
/// and backslashes become `_`) and the UTF-8 name percent-encoded (RFC 6266, RFC 8187).
pub(crate) fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The download of one attachment, with the headers that keep it from acting on the desk.
fn serve(a: Attachment) -> Response {
    let content_type = if SAFE_TYPES.contains(&a.media_type.as_str()) {
        a.media_type.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    let mut response = a.content.into_response();
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition(&a.name)),
        (header::CONTENT_SECURITY_POLICY, DOWNLOAD_CSP.to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin".to_owned(),
        ),
    ] {
        match HeaderValue::from_str(&value) {
            Ok(v) => {
                h.insert(name, v);
            }
            // Cannot happen for a checked name; never serve without the header.
            Err(_) => return WebError::Internal("an attachment's header".into()).into_response(),
        }
    }
    response
}

/// Attachment `n` (from 1) of a structured dossier's plaintext, checked; a dossier that fails
/// its checks is refused with the reason, which names the attachment.
fn nth(plaintext: &[u8], n: &str, of: &str) -> Result<Attachment, WebError> {
    let dossier = StructuredDossier::parse(plaintext)
        .map_err(|e| WebError::Input(format!("{of}: {e}; nothing of it is served")))?
        .unwrap_or_else(|| StructuredDossier::new(Default::default(), String::new(), Vec::new()));
    let i: usize = n
        .parse()
        .ok()
        .filter(|i| *i >= 1)
        .ok_or_else(|| WebError::NotFound(format!("{n:?} is not an attachment number")))?;
    let count = dossier.attachments.len();
    dossier
        .attachments
        .into_iter()
        .nth(i - 1)
        .ok_or_else(|| WebError::NotFound(format!("{of} has {count} attachments, not {i}")))
}

/// Writes the download to the audit trail, then serves it.
async fn audited(
    desk: &AppState,
    officer: i64,
    concerning: String,
    n: &str,
    a: Attachment,
) -> Result<Response, WebError> {
    let detail = format!(
        "{concerning}, attachment {n} ({}, {} bytes, SHA-256 {})",
        a.kind,
        a.size(),
        a.sha256
    );
    let d = Arc::clone(desk);
    blocking(move || {
        d.store()
            .audit(d.now(), Some(officer), "attachment_downloaded", &detail)?;
        Ok(())
    })
    .await?;
    Ok(serve(a))
}

/// `GET /requests/{id}/attachments/{n}`: attachment `n` of a request's dossier, for the roles
/// that read dossiers, of the two states it is addressed to.
pub(crate) async fn of_request(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let (request, plaintext) = crate::web::dossier_plaintext(&desk, &officer, &id).await?;
    let a = nth(&plaintext, &n, &format!("the dossier of {request}"))?;
    audited(&desk, officer.id, format!("request {request}"), &n, a).await
}

/// `GET /approvals/{id}/attachments/{n}`: attachment `n` of a drafted request, for the officers
/// who see drafts, so that the approver can read what they sign.
pub(crate) async fn of_draft(
    State(desk): State<AppState>,
    headers: HeaderMap,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    require(&officer, &crate::drafts::SEE_DRAFTS, "the approvals")?;
    debug_assert!(crate::drafts::SEE_DRAFTS.iter().all(|r| r.reads_dossiers()));
    let id = crate::drafts::draft_id(&id)?;
    let d = Arc::clone(&desk);
    let draft = blocking(move || Ok(d.store().draft(id)?)).await?;
    let dossier = crate::drafts::dossier_in(&draft.payload)
        .ok_or_else(|| WebError::NotFound(format!("draft {id} files no request")))?;
    let a = nth(
        dossier.as_bytes(),
        &n,
        &format!("the dossier of draft {id}"),
    )?;
    audited(&desk, officer.id, format!("draft {id}"), &n, a).await
}
