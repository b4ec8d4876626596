-- jscontract outbox, WAL mode additions (PostgreSQL 14 or newer, wal_level=logical). Applied after schema.sql by
-- OutboxSchema.installWal(dataSource, tables, walSettings), or rendered with OutboxSchema.walSql(tables, walSettings).
-- The placeholders are those of schema.sql plus:
--   ${prefix}       the logical decoding message prefix          (default: jsc.outbox)
--   ${publication}  the publication the relay names (it stays empty: only messages are read)  (default: jsc_outbox)
-- Every statement is idempotent.

-- Events that failed in WAL mode are parked with the LSN of their message; their id is the negated LSN, so they never
-- collide with parked rows of the table mode.
ALTER TABLE ${parked} ADD COLUMN IF NOT EXISTS lsn pg_lsn;

-- An empty publication: pgoutput needs one, and with 'messages' on it streams logical decoding messages only.
DO $jsc$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = '${publication}') THEN
        CREATE PUBLICATION ${publication};
    END IF;
END
$jsc$;

-- Writing events without OutboxWriter (another language, psql): call this inside the business transaction. It emits
-- one transactional logical decoding message in format version 1 (docs/wal-event-format.md), decoded only if the
-- transaction commits, and returns its LSN:
--   SELECT ${name}_emit('orders.created', convert_to('{"id": 42}', 'UTF8'),
--                       '{"Trace-Id": ["abc"]}', 'order-42-created', 'order-42');
-- headers: NULL, or a JSON object whose values are strings or arrays of strings. message_id: NULL derives a stable id
-- from the install id and the LSN. Events reach the stream in commit order, so no per-key lock is needed.
CREATE OR REPLACE FUNCTION ${schema_dot}${name}_emit(subject text, payload bytea, headers jsonb DEFAULT NULL,
        message_id text DEFAULT NULL, ordering_key text DEFAULT NULL) RETURNS pg_lsn LANGUAGE plpgsql AS $jsc$
DECLARE
    h text;
BEGIN
    IF ${name}_emit.subject IS NULL OR ${name}_emit.subject = '' THEN
        RAISE EXCEPTION 'outbox subject must not be null or empty' USING ERRCODE = '22023';
    END IF;
    IF ${name}_emit.payload IS NULL THEN
        RAISE EXCEPTION 'outbox payload must not be null (use an empty bytea)' USING ERRCODE = '22023';
    END IF;
    IF ${name}_emit.headers IS NOT NULL AND (jsonb_typeof(${name}_emit.headers) <> 'object' OR EXISTS (
            SELECT 1 FROM jsonb_each(${name}_emit.headers) AS e(k, v)
            WHERE NOT (jsonb_typeof(e.v) = 'string' OR (jsonb_typeof(e.v) = 'array' AND NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements(e.v) AS a(x) WHERE jsonb_typeof(a.x) <> 'string'))))) THEN
        RAISE EXCEPTION 'outbox headers must be a JSON object of strings or string arrays, e.g. {"Name": ["value"]}, but were %',
            ${name}_emit.headers USING ERRCODE = '22023';
    END IF;
    h := ${name}_emit.headers::text;
    RETURN pg_logical_emit_message(true, '${prefix}',
        '\x01'::bytea
        || int4send(octet_length(convert_to(${name}_emit.subject, 'UTF8'))) || convert_to(${name}_emit.subject, 'UTF8')
        || CASE WHEN ${name}_emit.message_id IS NULL THEN int4send(-1)
                ELSE int4send(octet_length(convert_to(${name}_emit.message_id, 'UTF8')))
                     || convert_to(${name}_emit.message_id, 'UTF8') END
        || CASE WHEN ${name}_emit.ordering_key IS NULL THEN int4send(-1)
                ELSE int4send(octet_length(convert_to(${name}_emit.ordering_key, 'UTF8')))
                     || convert_to(${name}_emit.ordering_key, 'UTF8') END
        || CASE WHEN h IS NULL THEN int4send(-1)
                ELSE int4send(octet_length(convert_to(h, 'UTF8'))) || convert_to(h, 'UTF8') END
        || int4send(octet_length(${name}_emit.payload)) || ${name}_emit.payload);
END
$jsc$;
