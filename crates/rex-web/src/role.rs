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
        for lone in [Role::Admin, Role::Auditor] {
            if roles.contains(&lone) && roles.len() > 1 {
                return Err(format!(
                    "an {} holds no other role (separation of duties); enrol another officer",
                    lone.label()
                ));
            }
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
}
