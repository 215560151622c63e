-- Bots and their immutable versions. A job names a version; version 0 means "the published one".
CREATE TABLE bots (
    name              TEXT PRIMARY KEY,
    published_version INTEGER,
    created_at        INTEGER NOT NULL
);

CREATE TABLE bot_versions (
    bot_name   TEXT NOT NULL REFERENCES bots (name),
    version    INTEGER NOT NULL,
    package    TEXT NOT NULL,              -- wire::BotPackage as JSON
    created_at INTEGER NOT NULL,
    PRIMARY KEY (bot_name, version)
);
