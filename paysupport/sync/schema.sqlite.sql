-- The sync mirror's tables, SQLite spelling (paysupport/sync/store.py explains them).
-- Times are whole microseconds since the epoch (UTC): exact and comparable.
-- The PostgreSQL spelling, schema.postgresql.sql, differs only in how sync_changes numbers its entries.

CREATE TABLE IF NOT EXISTS sync_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per supporter of an account; a removed supporter stays as a tombstone
-- (removed = TRUE) so that older news about them is refused.
CREATE TABLE IF NOT EXISTS sync_supporters (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    supporter_id TEXT NOT NULL,
    name TEXT,
    email TEXT,
    status TEXT NOT NULL,
    amount_minor BIGINT,
    currency TEXT,
    period TEXT,
    tier TEXT,
    tier_id TEXT,
    since TEXT,
    last_charge TEXT,
    removed BOOLEAN NOT NULL DEFAULT FALSE,
    -- the provider's timestamp of the observation that wrote the row: never go back
    observed_us BIGINT NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (provider, account, supporter_id)
);

-- Every webhook delivery applied, so each is applied once.
CREATE TABLE IF NOT EXISTS sync_deliveries (
    provider TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    account TEXT NOT NULL,
    supporter_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    observed_us BIGINT NOT NULL,
    received_us BIGINT NOT NULL,
    PRIMARY KEY (provider, delivery_id)
);

-- What each delivery or reconciliation run added, changed, removed or ignored.
CREATE TABLE IF NOT EXISTS sync_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    supporter_id TEXT NOT NULL,
    source TEXT NOT NULL,
    run_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at_us BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_changes_by_account ON sync_changes (provider, account, seq);
CREATE INDEX IF NOT EXISTS sync_changes_by_run ON sync_changes (run_id);

-- The reconciliation run in progress per account: its walk's start and cursor.
CREATE TABLE IF NOT EXISTS sync_runs (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    run_id TEXT NOT NULL,
    cursor TEXT,
    staged INTEGER NOT NULL,
    observed_us BIGINT NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (provider, account)
);

-- The pages a run has seen, kept apart from the mirror until the run finishes.
CREATE TABLE IF NOT EXISTS sync_staged (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    run_id TEXT NOT NULL,
    supporter_id TEXT NOT NULL,
    name TEXT,
    email TEXT,
    status TEXT NOT NULL,
    amount_minor BIGINT,
    currency TEXT,
    period TEXT,
    tier TEXT,
    tier_id TEXT,
    since TEXT,
    last_charge TEXT,
    PRIMARY KEY (provider, account, run_id, supporter_id)
);

-- Each connected account's health, for `paysupport sync status`.
CREATE TABLE IF NOT EXISTS sync_accounts (
    provider TEXT NOT NULL,
    account TEXT NOT NULL,
    last_success_us BIGINT,
    last_observed_us BIGINT,
    last_run_id TEXT,
    last_error TEXT,
    last_error_us BIGINT,
    last_delivery_us BIGINT,
    PRIMARY KEY (provider, account)
);
