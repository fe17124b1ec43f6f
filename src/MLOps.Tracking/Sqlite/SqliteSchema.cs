using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// The versioned schema of the embedded store. The version lives in <c>PRAGMA user_version</c>; opening a file
/// applies the missing forward migrations in one transaction; a file from a newer package is refused.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Each entry moves the schema one version up; index 0 makes version 1.</summary>
    public static readonly string[] Migrations =
    [
        // 1: MLflow's entities. Child tables key on runs.id (an integer) rather than the 32-char run id to keep rows small.
        """
        CREATE TABLE experiments(
            experiment_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            artifact_location TEXT NOT NULL,
            lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
            creation_time INTEGER NOT NULL,
            last_update_time INTEGER NOT NULL);
        CREATE TABLE experiment_tags(
            experiment_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (experiment_id, key)) WITHOUT ROWID;
        CREATE TABLE runs(
            id INTEGER PRIMARY KEY,
            run_uuid TEXT NOT NULL UNIQUE,
            experiment_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            user_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
            start_time INTEGER NOT NULL,
            end_time INTEGER,
            lifecycle_stage TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
            deleted_time INTEGER,
            artifact_uri TEXT NOT NULL);
        CREATE INDEX runs_experiment_start ON runs(experiment_id, start_time DESC, run_uuid);
        CREATE TABLE metrics(
            run_id INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL,
            value REAL NOT NULL, is_nan INTEGER NOT NULL,
            PRIMARY KEY (run_id, key, step, timestamp, value, is_nan)) WITHOUT ROWID;
        CREATE TABLE latest_metrics(
            run_id INTEGER NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp INTEGER NOT NULL,
            value REAL NOT NULL, is_nan INTEGER NOT NULL,
            PRIMARY KEY (run_id, key)) WITHOUT ROWID;
        CREATE TABLE params(
            run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)) WITHOUT ROWID;
        CREATE TABLE tags(
            run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (run_id, key)) WITHOUT ROWID;
        CREATE TABLE inputs(
            run_id INTEGER NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, source_type TEXT NOT NULL,
            source TEXT NOT NULL, schema TEXT, profile TEXT, context TEXT, tags TEXT NOT NULL,
            PRIMARY KEY (run_id, name, digest)) WITHOUT ROWID;
        INSERT INTO experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
            VALUES (0, 'Default', 'experiments/0', 'active', $now, $now);
        """,

        // 2: indexes that let a filter clause drive the search instead of scanning every run.
        """
        CREATE INDEX latest_metrics_key_value ON latest_metrics(key, value, run_id);
        CREATE INDEX params_key_value ON params(key, value, run_id);
        CREATE INDEX tags_key_value ON tags(key, value, run_id);
        CREATE INDEX inputs_name ON inputs(name, run_id);
        """,
    ];

    public static int LatestVersion => Migrations.Length;

    /// <summary>Brings the file to <paramref name="targetVersion"/> (default: the latest).</summary>
    public static void Migrate(SqliteConnection connection, string path, long nowMs, int? targetVersion = null)
    {
        var target = targetVersion ?? LatestVersion;
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "PRAGMA user_version";
        var current = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (current > LatestVersion)
        {
            throw new TrackingStoreException(MlflowErrorCode.InternalError, path, string.Create(CultureInfo.InvariantCulture,
                $"The tracking database '{path}' has schema version {current}, written by a newer MLOps.Tracking; this version knows schemas up to {LatestVersion}. Upgrade the MLOps.Tracking package, or point UseSqlite at another file."));
        }

        for (var version = current; version < target; version++)
        {
            using var migrate = connection.CreateCommand();
            migrate.Transaction = transaction;
            migrate.CommandText = Migrations[version];
            if (Migrations[version].Contains("$now", StringComparison.Ordinal))
            {
                migrate.Parameters.AddWithValue("$now", nowMs);
            }

            migrate.ExecuteNonQuery();
        }

        if (target > current)
        {
            using var set = connection.CreateCommand();
            set.Transaction = transaction;
            set.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {target}");
            set.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
