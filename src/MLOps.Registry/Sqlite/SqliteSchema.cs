namespace MLOps.Registry;

/// <summary>The registry's tables, versioned in <c>mlops_schema</c> (shared with other MLOps packages in the same file).</summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this library writes and reads.</summary>
    public const int Version = 1;

    public const string Component = "registry";

    public const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS mlops_schema (component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL) STRICT;";

    /// <summary>Version 1. History is append-only: triggers refuse updates and deletes.</summary>
    public const string V1 = """
        CREATE TABLE registry_models (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            description TEXT,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            next_version INTEGER NOT NULL DEFAULT 1
        ) STRICT;
        CREATE TABLE registry_model_tags (
            model_id INTEGER NOT NULL REFERENCES registry_models(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (model_id, key)
        ) STRICT;
        CREATE TABLE registry_versions (
            model_id INTEGER NOT NULL REFERENCES registry_models(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            stage TEXT NOT NULL CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
            status TEXT NOT NULL CHECK (status IN ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')),
            status_message TEXT,
            description TEXT,
            source TEXT,
            run_id TEXT,
            artifact_path TEXT,
            artifact_sha256 TEXT,
            artifact_length INTEGER,
            lineage_json TEXT,
            signature_json TEXT,
            PRIMARY KEY (model_id, version)
        ) STRICT;
        CREATE INDEX registry_versions_stage ON registry_versions (model_id, stage, version);
        CREATE INDEX registry_versions_run ON registry_versions (run_id);
        CREATE TABLE registry_version_tags (
            model_id INTEGER NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (model_id, version, key),
            FOREIGN KEY (model_id, version) REFERENCES registry_versions(model_id, version) ON DELETE CASCADE
        ) STRICT;
        CREATE TABLE registry_aliases (
            model_id INTEGER NOT NULL,
            alias TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (model_id, alias),
            FOREIGN KEY (model_id, version) REFERENCES registry_versions(model_id, version) ON DELETE CASCADE
        ) STRICT;
        CREATE TABLE registry_history (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            model_id INTEGER NOT NULL,
            model_name TEXT NOT NULL,
            target_kind TEXT NOT NULL CHECK (target_kind IN ('alias', 'stage')),
            target TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('set', 'removed', 'archived_existing', 'rollback')),
            version INTEGER,
            previous_version INTEGER,
            reverts_seq INTEGER,
            actor TEXT,
            reason TEXT,
            at_ms INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX registry_history_target ON registry_history (model_id, target_kind, target, seq);
        CREATE TRIGGER registry_history_no_update BEFORE UPDATE ON registry_history
            BEGIN SELECT RAISE(ABORT, 'registry_history is append-only'); END;
        CREATE TRIGGER registry_history_no_delete BEFORE DELETE ON registry_history
            BEGIN SELECT RAISE(ABORT, 'registry_history is append-only'); END;
        """;
}
