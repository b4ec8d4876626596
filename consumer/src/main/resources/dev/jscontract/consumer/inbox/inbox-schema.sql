-- jscontract inbox, schema version 1 (PostgreSQL 13+).
-- One row per (consumer, message) whose side effects were committed. The handler inserts the row in the same
-- transaction as its side effects; a redelivered message finds its row and does nothing (effectively once).
-- Install with dev.jscontract.consumer.inbox.Inbox#install(DataSource), or copy into your migration tool.
-- The table name jsc_inbox is replaced when an Inbox is built with another table name.
create table if not exists jsc_inbox (
    consumer        text        not null,
    message_key     text        not null,
    stream          text        not null,
    stream_sequence bigint      not null,
    processed_at    timestamptz not null default now(),
    primary key (consumer, message_key)
);

-- for Inbox#deleteProcessedBefore (rows only need to outlive redelivery: keep them longer than the stream keeps messages)
create index if not exists jsc_inbox_processed_at on jsc_inbox (processed_at);
