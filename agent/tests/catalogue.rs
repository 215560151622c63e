//! The step catalogue is a contract with script authors and the designer's autocomplete: its
//! JSON is snapshot-tested, so any change to a step's name, parameters or docs shows in review.

use flowbot_agent::catalogue::ParamType;

#[test]
fn catalogue_json_is_stable() {
    insta::assert_json_snapshot!(flowbot_agent::catalogue());
}

#[test]
fn every_step_has_docs_an_example_and_named_parameters() {
    let catalogue = flowbot_agent::catalogue();
    assert!(catalogue.len() >= 50, "only {} signatures", catalogue.len());
    for spec in catalogue.iter() {
        assert!(!spec.doc.trim().is_empty(), "{} has no doc", spec.name);
        assert!(
            !spec.example.trim().is_empty(),
            "{} has no example",
            spec.name
        );
        assert!(
            spec.example.contains(spec.name),
            "the example of {} does not call it",
            spec.signature()
        );
        for param in spec.params {
            assert!(
                !param.name.is_empty(),
                "{} has an unnamed parameter",
                spec.name
            );
            assert_ne!(
                param.ty,
                ParamType::Unit,
                "{}: a parameter cannot be ()",
                spec.name
            );
        }
    }
}

#[test]
fn the_engine_knows_every_catalogue_signature() {
    let limits = flowbot_agent::Limits::default();
    let runtime = flowbot_agent::run::detached_runtime(
        Box::new(flowbot_agent::events::MemorySink::default()),
        &limits,
    );
    let (engine, catalogue) = flowbot_agent::build_engine(&limits, &std::env::temp_dir(), &runtime);
    let signatures = engine.gen_fn_signatures(false);
    for spec in catalogue.iter() {
        let prefix = format!("{}(", spec.name);
        let arity_matches = signatures.iter().any(|signature| {
            signature.starts_with(&prefix) && signature.matches(": ").count() == spec.params.len()
        });
        assert!(
            arity_matches,
            "{} not registered: {signatures:#?}",
            spec.signature()
        );
    }
}
