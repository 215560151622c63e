//! Flowbot's control plane: schedules bots, leases jobs to agents, keeps run history.
//! The server and store arrive with the "Control plane I" issue.
