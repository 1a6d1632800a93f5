//! The reciprocity ledger page: for each agreement this state is a member of, what it gave
//! and received per counterpart (complete legs, from [`rex_domain::Registry::ledger`]), its
//! balance, and the uncured breaches on each side. Every officer may read it: it holds no case
//! content.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use rex_domain::{PartyId, Registry};

use crate::web::{officer, registry_of, render, Frame, WebError};
use crate::Desk;

type AppState = Arc<Desk>;

/// One counterpart under one agreement, in words.
pub(crate) struct CounterpartRow {
    counterpart: String,
    gave: String,
    received: String,
    balance: String,
    breaches: String,
}

/// One agreement this state is a member of.
pub(crate) struct AgreementLedger {
    id: String,
    in_force: bool,
    balance: String,
    /// Under deferred reciprocity: the credit limit and this state's committed balance and open
    /// offers, in words.
    credit: Option<String>,
    rows: Vec<CounterpartRow>,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    frame: Frame,
    agreements: Vec<AgreementLedger>,
}

/// `+2`, `0`, `-1`.
fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// The ledgers of the agreements `me` is a member of.
pub(crate) fn ledgers(registry: &Registry, me: PartyId) -> Vec<AgreementLedger> {
    registry
        .agreements()
        .filter(|a| a.terms.is_member(me))
        .map(|a| {
            let ledger = registry.ledger(&a.id);
            let open = |party: PartyId| {
                registry
                    .breaches()
                    .iter()
                    .filter(|b| b.agreement == a.id && b.party == party && b.is_open())
                    .count()
            };
            let rows = a
                .terms
                .members
                .iter()
                .filter(|m| **m != me)
                .map(|&other| {
                    let (gave, got) = (ledger.tally(me, other), ledger.tally(other, me));
                    let words = |t: rex_domain::Tally| {
                        format!(
                            "{} ({} surrendered, {} prosecuted at home)",
                            t.total(),
                            t.surrendered,
                            t.prosecuted
                        )
                    };
                    CounterpartRow {
                        counterpart: other.to_string(),
                        gave: words(gave),
                        received: words(got),
                        balance: signed(i64::from(gave.total()) - i64::from(got.total())),
                        breaches: format!("{me}: {}, {other}: {}", open(me), open(other)),
                    }
                })
                .collect();
            AgreementLedger {
                id: a.id.to_string(),
                in_force: a.in_force(),
                balance: signed(ledger.balance(me)),
                credit: a.terms.credit.as_ref().map(|c| {
                    let offers = registry.open_offers(&a.id, me).len();
                    format!(
                        "deferred reciprocity up to {} handover{} owed either way; committed \
                         balance of {me} (exchanges not lapsed, chains included): {}; {offers} \
                         open unconditional offer{}",
                        c.max_outstanding,
                        if c.max_outstanding == 1 { "" } else { "s" },
                        signed(registry.credit_balance(&a.id, me)),
                        if offers == 1 { "" } else { "s" }
                    )
                }),
                rows,
            }
        })
        .collect()
}

/// `GET /ledger`.
pub(crate) async fn page(
    State(desk): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let officer = officer(&desk, &headers).await?;
    let registry = registry_of(&desk)?;
    Ok(render(&LedgerPage {
        frame: Frame::of(&desk, &officer),
        agreements: ledgers(&registry, desk.party),
    }))
}
