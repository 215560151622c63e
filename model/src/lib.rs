//! Plain data shared by every Flowbot part. No I/O lives here.
//!
//! * [`event`]: the one event schema that bot steps emit and every imported log maps to,
//!   shaped after OCEL 2.0 and XES so run history is minable without conversion.
//! * [`wire`]: the messages agents and the control plane exchange, versioned by
//!   [`wire::PROTOCOL_VERSION`].
//! * [`ids`]: typed identifiers, so a job id cannot be passed where a lease id is meant.

pub mod event;
pub mod ids;
pub mod wire;

pub use event::{AttributeValue, CASE_OBJECT_TYPE, Event, Lifecycle, ObjectRef, Status};
pub use ids::{AgentId, EventId, JobId, LeaseId, RunId};
