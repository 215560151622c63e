//! A sample back-office web app (login, onboarding and invoice forms, claims search) for
//! browser bots to work against. The app arrives with the "Agent II" issue.
