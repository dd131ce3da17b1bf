//! Staff roles within a business, and what each may do. Every permission is decided on the
//! server from these.

use serde::{Deserialize, Serialize};

/// A staff member's role within their business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Manager,
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Manager, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Agent => "agent",
        }
    }

    /// Business profile, users and roles: owners only.
    pub fn can_manage_settings(self) -> bool {
        self == Role::Owner
    }

    /// Giving money back (refunds): owners and managers.
    pub fn can_refund(self) -> bool {
        matches!(self, Role::Owner | Role::Manager)
    }

    /// Products and stock: owners and managers.
    pub fn can_manage_catalog(self) -> bool {
        matches!(self, Role::Owner | Role::Manager)
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "manager" => Ok(Role::Manager),
            "agent" => Ok(Role::Agent),
            other => Err(format!(
                "role must be owner, manager or agent, not \"{other}\""
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(" Owner ".parse::<Role>().unwrap(), Role::Owner);
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn only_owners_manage_settings() {
        assert!(Role::Owner.can_manage_settings());
        assert!(!Role::Manager.can_manage_settings());
        assert!(!Role::Agent.can_manage_settings());
        assert!(!Role::Agent.can_manage_catalog());
    }
}
