//! Typed identifiers. They serialise as bare strings; producers choose the format
//! (the control plane uses UUIDs, importers keep the ids found in the file).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// Identifies one event, unique within its log or run.
    EventId
);
string_id!(
    /// Identifies one run of a bot: the case of every step event the run emits.
    RunId
);
string_id!(
    /// Identifies a job in the control plane's queue.
    JobId
);
string_id!(
    /// Identifies one lease of a job by an agent; a job retried after an expired lease gets a
    /// new lease id, which is how late results from the old agent are told apart and refused.
    LeaseId
);
string_id!(
    /// Identifies a registered agent.
    AgentId
);
