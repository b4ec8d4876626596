-- jscontract outbox schema, version 2 (PostgreSQL 13 or newer). Version 1 differed only in the wake-up trigger
-- (one NOTIFY per inserting statement); running this script on a version-1 schema upgrades it in place.
--
-- Apply it with OutboxSchema.install(dataSource), or render it for your migration tool with
-- OutboxSchema.sql(tables, partitions). The placeholders are:
--   ${outbox}      the outbox table, qualified when a schema is configured      (default: outbox)
--   ${parked}      the parked-rows table                                         (default: outbox_parked)
--   ${meta}        the metadata table                                            (default: outbox_meta)
--   ${name}        the unqualified outbox table name, used to name indexes, the trigger and its function
--   ${schema_dot}  "<schema>." when a schema is configured, otherwise empty
--   ${channel}     the LISTEN/NOTIFY channel the relay listens on                (default: outbox_wakeup)
--   ${partitions}  the number of partitions, fixed at install time               (default: 16)
-- Every statement is idempotent, so the script can run again on an installed schema.

-- One row: the schema version, the partition count the relays read, and a random id that goes into derived
-- message ids (so a re-created outbox never reuses the message ids of the old one inside a duplicate window).
CREATE TABLE IF NOT EXISTS ${meta} (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_version integer NOT NULL,
    partitions     integer NOT NULL CHECK (partitions BETWEEN 1 AND 1024),
    install_id     text    NOT NULL
);

INSERT INTO ${meta} (schema_version, partitions, install_id)
VALUES (2, ${partitions}, substr(md5(random()::text || clock_timestamp()::text), 1, 12))
ON CONFLICT (singleton) DO NOTHING;

UPDATE ${meta} SET schema_version = 2 WHERE schema_version < 2;

-- The outbox: rows are inserted by OutboxWriter inside the application's transaction and deleted by the relay
-- after their PubAck. "partition" is derived from the ordering key (rows without a key are spread by id).
-- Autovacuum settings for a queue-like table: vacuum after a fixed number of dead rows instead of a fraction of a
-- table whose size swings between zero and the backlog, and without cost-based throttling.
CREATE TABLE IF NOT EXISTS ${outbox} (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject         text        NOT NULL,
    message_id      text,
    headers         jsonb,
    payload         bytea       NOT NULL,
    ordering_key    text,
    partition       integer     NOT NULL GENERATED ALWAYS AS (
                        CASE WHEN ordering_key IS NULL THEN (id % ${partitions})::integer
                             ELSE abs(hashtext(ordering_key) % ${partitions}) END) STORED,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text
) WITH (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 50000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 50000,
    autovacuum_vacuum_cost_delay = 0
);

-- Rows that failed and wait for their next attempt hold back the later rows of their ordering key (per-key order).
CREATE INDEX IF NOT EXISTS ${name}_failing_key_idx ON ${outbox} (ordering_key, id)
    WHERE next_attempt_at IS NOT NULL AND ordering_key IS NOT NULL;

-- When the next retry is due.
CREATE INDEX IF NOT EXISTS ${name}_retry_due_idx ON ${outbox} (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;

-- Rows that failed the configured number of attempts, with the reason and the error. OutboxAdmin.requeue moves
-- them back (same id, same message id).
CREATE TABLE IF NOT EXISTS ${parked} (
    id           bigint      PRIMARY KEY,
    subject      text        NOT NULL,
    message_id   text        NOT NULL,
    headers      jsonb,
    payload      bytea       NOT NULL,
    ordering_key text,
    created_at   timestamptz NOT NULL,
    attempts     integer     NOT NULL,
    reason       text        NOT NULL,
    error        text,
    parked_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Writing rows without OutboxWriter (a service in another language, psql): call this function inside the business
-- transaction. It checks the headers' format, takes the same per-key lock as OutboxWriter (so rows of one ordering key
-- get ids in commit order) and returns the new row's id:
--   SELECT ${name}_write('orders.created', convert_to('{"id": 42}', 'UTF8'),
--                        '{"Trace-Id": ["abc"]}', 'order-42-created', 'order-42');
-- headers: NULL, or a JSON object whose values are strings or arrays of strings, {"Name": ["value", ...]}; each
-- becomes a NATS header (Nats-Msg-Id is set by the relay from message_id). message_id: NULL derives a stable id from
-- the row id. ordering_key: NULL spreads the row over the partitions, with no order against other rows.
CREATE OR REPLACE FUNCTION ${schema_dot}${name}_write(subject text, payload bytea, headers jsonb DEFAULT NULL,
        message_id text DEFAULT NULL, ordering_key text DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql AS $jsc$
DECLARE
    new_id bigint;
BEGIN
    IF ${name}_write.headers IS NOT NULL AND (jsonb_typeof(${name}_write.headers) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_each(${name}_write.headers) AS h(k, v)
            WHERE NOT (jsonb_typeof(h.v) = 'string' OR (jsonb_typeof(h.v) = 'array' AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements(h.v) AS e(x) WHERE jsonb_typeof(e.x) <> 'string'))))) THEN
        RAISE EXCEPTION 'outbox headers must be a JSON object of strings or string arrays, e.g. {"Name": ["value"]}, but were %',
            ${name}_write.headers USING ERRCODE = '22023';
    END IF;
    IF ${name}_write.ordering_key IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock('${meta}'::regclass::oid::int, hashtext(${name}_write.ordering_key));
    END IF;
    INSERT INTO ${outbox} (subject, message_id, headers, payload, ordering_key)
    VALUES (${name}_write.subject, ${name}_write.message_id, ${name}_write.headers, ${name}_write.payload,
            ${name}_write.ordering_key)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$jsc$;

-- Wake-up, only when a relay sleeps. A relay that has found no rows for a few milliseconds takes, on its claim
-- session, an exclusive session-level advisory lock per owned partition (the 64-bit key <outbox oid> << 32 | partition)
-- and then waits for notifications; while rows flow it polls and holds none. Each inserted row tries the same key in
-- shared mode, held until the end of the transaction: when a relay sleeps on the row's partition the try fails and the
-- transaction notifies (PostgreSQL folds a transaction's identical notifications into one). Otherwise it notifies
-- nothing, so the commit does not take PostgreSQL's global notification lock. The shared lock held until commit is
-- what makes this safe: a relay can take its exclusive lock only once every transaction that saw no sleeping relay
-- has ended, and its next claim sees their rows.
-- Version 1 had a statement-level trigger of the same name (bit 0 of tgtype set means FOR EACH ROW); it goes first, so
-- that no statement-level trigger ever calls the row-level function below, even when a migration tool runs these
-- statements outside one transaction.
DO $jsc$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${name}_notify' AND tgrelid = '${outbox}'::regclass
               AND (tgtype & 1) = 0) THEN
        DROP TRIGGER ${name}_notify ON ${outbox};
    END IF;
END
$jsc$;

CREATE OR REPLACE FUNCTION ${schema_dot}${name}_notify() RETURNS trigger LANGUAGE plpgsql AS $jsc$
BEGIN
    IF NOT pg_try_advisory_xact_lock_shared((TG_RELID::bigint << 32) | NEW.partition) THEN
        PERFORM pg_notify('${channel}', '');
    END IF;
    RETURN NULL;
END
$jsc$;

DO $jsc$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${name}_notify'
                   AND tgrelid = '${outbox}'::regclass) THEN
        CREATE TRIGGER ${name}_notify AFTER INSERT ON ${outbox}
            FOR EACH ROW EXECUTE FUNCTION ${schema_dot}${name}_notify();
    END IF;
END
$jsc$;
