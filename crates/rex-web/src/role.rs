//! Officers' roles and their separation: what each may see and do on the desk.

use std::fmt;
use std::str::FromStr;

/// One role of an officer of a state's central authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Drafts requests, dossiers and answers; opens dossiers.
    CaseOfficer,
    /// Approves what another officer drafted (the second of four eyes).
    Approver,
    /// Talks to the other states' liaison officers.
    Liaison,
    /// Reads everything, changes nothing.
    Auditor,
    /// Enrols and revokes officers; sees no dossier plaintext.
    Admin,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 5] = [
        Role::CaseOfficer,
        Role::Approver,
        Role::Liaison,
        Role::Auditor,
        Role::Admin,
    ];

    /// The name on the command line and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CaseOfficer => "case-officer",
            Role::Approver => "approver",
            Role::Liaison => "liaison",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// The name for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::CaseOfficer => "case officer",
            Role::Approver => "approver",
            Role::Liaison => "liaison officer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Whether the role may read dossiers in clear.
    pub fn reads_dossiers(self) -> bool {
        matches!(self, Role::CaseOfficer | Role::Approver | Role::Auditor)
    }
}

/// The desk's roles are the certificates' roles (`rex_domain::Role`), named for the
/// command line and the store (`case-officer`) and for people (`case officer`).
impl From<Role> for rex_domain::Role {
    fn from(role: Role) -> rex_domain::Role {
        match role {
            Role::CaseOfficer => rex_domain::Role::CaseOfficer,
            Role::Approver => rex_domain::Role::Approver,
            Role::Liaison => rex_domain::Role::Liaison,
            Role::Auditor => rex_domain::Role::Auditor,
            Role::Admin => rex_domain::Role::Admin,
        }
    }
}

impl From<rex_domain::Role> for Role {
    fn from(role: rex_domain::Role) -> Role {
        match role {
            rex_domain::Role::CaseOfficer => Role::CaseOfficer,
            rex_domain::Role::Approver => Role::Approver,
            rex_domain::Role::Liaison => Role::Liaison,
            rex_domain::Role::Auditor => Role::Auditor,
            rex_domain::Role::Admin => Role::Admin,
        }
    }
}

/// `case officer, liaison officer`: certified roles, named as the desk names them.
pub fn labels_of(roles: &[rex_domain::Role]) -> String {
    let labels: Vec<&str> = roles.iter().map(|&r| Role::from(r).label()).collect();
    labels.join(", ")
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("{s:?} is not a role; one of {}", names.join(", "))
            })
    }
}

/// The roles of one officer: at least one; an admin or an auditor holds no other role
/// (separation of duties: the one who enrols officers does not act on cases, the one who
/// audits does not act at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// Checks a set of roles for separation of duties.
    pub fn new(mut roles: Vec<Role>) -> Result<Roles, String> {
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err("an officer needs at least one role".into());
        }
        let certified: Vec<rex_domain::Role> = roles.iter().map(|&r| r.into()).collect();
        if let Some(lone) = rex_domain::officer::lone_role_among_others(&certified) {
            return Err(format!(
                "an {} holds no other role (separation of duties); enrol another officer",
                Role::from(lone).label()
            ));
        }
        Ok(Roles(roles))
    }

    /// Whether `role` is among them.
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// The roles, in display order.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// Whether any of them reads dossiers in clear.
    pub fn reads_dossiers(&self) -> bool {
        self.0.iter().any(|r| r.reads_dossiers())
    }

    /// `case officer, approver`.
    pub fn labels(&self) -> String {
        let labels: Vec<&str> = self.0.iter().map(|r| r.label()).collect();
        labels.join(", ")
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|r| r.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for Roles {
    type Err = String;
    fn from_str(s: &str) -> Result<Roles, String> {
        Roles::new(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::parse)
                .collect::<Result<_, _>>()?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_separated() {
        let r: Roles = "approver,case-officer".parse().unwrap();
        assert_eq!(r.to_string(), "case-officer,approver");
        assert!(r.reads_dossiers());
        for bad in ["admin,approver", "auditor,liaison", "", "judge"] {
            assert!(bad.parse::<Roles>().is_err(), "{bad} accepted");
        }
        let admin: Roles = "admin".parse().unwrap();
        assert!(!admin.reads_dossiers());
        let liaison: Roles = "liaison".parse().unwrap();
        assert!(!liaison.reads_dossiers());
    }

    /// One role set, one order and one separation rule on the desk and in certificates.
    #[test]
    fn desk_roles_are_the_certificates_roles() {
        for role in Role::ALL {
            let certified = rex_domain::Role::from(role);
            assert_eq!(Role::from(certified), role);
            // The store's name and the wire's name of one role.
            assert_eq!(certified.as_str(), role.as_str().replace('-', "_"));
            assert_eq!(rex_domain::Role::parse(role.as_str()).unwrap(), certified);
        }
        for a in Role::ALL {
            for b in Role::ALL {
                let desk = Roles::new(vec![a, b]);
                let mut certified = vec![a.into(), b.into()];
                certified.sort();
                certified.dedup();
                assert_eq!(
                    desk.is_ok(),
                    rex_domain::officer::check_roles(&certified).is_ok(),
                    "{a:?} with {b:?}"
                );
                assert_eq!(a < b, rex_domain::Role::from(a) < rex_domain::Role::from(b));
            }
        }
        let certified = [rex_domain::Role::CaseOfficer, rex_domain::Role::Liaison];
        assert_eq!(labels_of(&certified), "case officer, liaison officer");
    }
}
