//! The JSON schemas of the event and wire types are part of Flowbot's public contract: agents,
//! the control plane, the miner and the designer read them. A change to a snapshot here is a
//! change to that contract and needs a protocol-version decision.

use flowbot_model::Event;
use flowbot_model::wire::{AgentMessage, ControlMessage, Envelope};

#[test]
fn event_schema() {
    insta::assert_json_snapshot!(schemars::schema_for!(Event));
}

#[test]
fn agent_message_schema() {
    insta::assert_json_snapshot!(schemars::schema_for!(Envelope<AgentMessage>));
}

#[test]
fn control_message_schema() {
    insta::assert_json_snapshot!(schemars::schema_for!(Envelope<ControlMessage>));
}
