-- The application's tables, run at every start by spring.sql.init (see application.properties); idempotent.
-- The outbox tables are installed by the starter; the inbox table by the inbox's own script from jscontract-consumer.
create table if not exists orders (
    id     text   primary key,
    amount bigint not null,
    status text   not null
);

-- one row per charged order: the primary key would refuse a second charge, the inbox makes sure none is attempted
create table if not exists charges (
    order_id   text        primary key references orders (id),
    amount     bigint      not null,
    charged_at timestamptz not null default now()
);
