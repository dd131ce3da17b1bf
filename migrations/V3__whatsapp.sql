-- The WhatsApp bridge: how each business is connected, every message in and out, the
-- outbox that delivers replies, mapped groups, and daily bot metrics.

CREATE TABLE whatsapp_configs (
    business_id       INTEGER PRIMARY KEY REFERENCES businesses(id),
    provider          TEXT    NOT NULL CHECK (provider IN ('cloud', 'gateway', 'simulator')),
    -- Cloud API: which business number Meta's webhooks name, and the secrets to check and send.
    phone_number_id   TEXT    UNIQUE,
    verify_token      TEXT    NOT NULL DEFAULT '',
    app_secret        TEXT    NOT NULL DEFAULT '',
    access_token      TEXT    NOT NULL DEFAULT '',
    graph_base        TEXT    NOT NULL DEFAULT 'https://graph.facebook.com/v21.0',
    -- WhatsApp Web gateway.
    gateway_url       TEXT    NOT NULL DEFAULT '',
    api_key           TEXT    NOT NULL DEFAULT '',
    session           TEXT    NOT NULL DEFAULT 'default',
    hmac_key          TEXT    NOT NULL DEFAULT '',
    -- An approved template sent instead of text when the 24-hour window has closed.
    template_name     TEXT    NOT NULL DEFAULT '',
    template_language TEXT    NOT NULL DEFAULT 'en',
    -- Messages a second to WhatsApp for this business number.
    rate_per_second   INTEGER NOT NULL DEFAULT 20 CHECK (rate_per_second > 0),
    -- Set when WhatsApp said the access token expired: sending waits until it is replaced.
    paused_reason     TEXT,
    updated_at        INTEGER NOT NULL
);

-- Every webhook body as it arrived, kept with what was read from it.
CREATE TABLE inbound_payloads (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    provider    TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    -- The customer's number (digits with country code): one conversation per number.
    phone       TEXT    NOT NULL,
    customer_id INTEGER REFERENCES customers(id),
    direction   TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    type        TEXT    NOT NULL,
    text        TEXT    NOT NULL DEFAULT '',
    -- What else was read from the message (button id, location, cart...), as JSON.
    data        TEXT    NOT NULL DEFAULT '{}',
    provider    TEXT    NOT NULL,
    provider_id TEXT,
    -- A group chat's id (gateway), and who in it wrote.
    group_id    TEXT,
    payload_id  INTEGER REFERENCES inbound_payloads(id),
    status      TEXT    NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
    error_code  INTEGER,
    error       TEXT,
    -- Inbound: not yet handled by the conversation (replies, orders); staff have not seen it.
    handled     INTEGER NOT NULL DEFAULT 0,
    seen        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- A retried delivery (same provider message id) is stored once.
CREATE UNIQUE INDEX messages_provider_id ON messages(business_id, direction, provider_id)
    WHERE provider_id IS NOT NULL;
CREATE INDEX messages_conversation ON messages(business_id, phone, id);
CREATE INDEX messages_unhandled ON messages(handled, id) WHERE handled = 0 AND direction = 'in';

-- Each status report once: (message, status).
CREATE TABLE message_statuses (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    provider_id TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    error_code  INTEGER,
    error       TEXT,
    at          INTEGER NOT NULL,
    PRIMARY KEY (business_id, provider_id, status)
);

-- Messages waiting to be sent. A row is written in the same transaction as whatever caused it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    business_id     INTEGER NOT NULL REFERENCES businesses(id),
    message_id      INTEGER NOT NULL REFERENCES messages(id),
    -- A phone number, or a group chat id.
    recipient       TEXT    NOT NULL,
    -- What to send: {"kind":"text","text":...}, {"kind":"buttons",...}, {"kind":"template",...}.
    content         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at) WHERE state IN ('pending', 'sending');

CREATE TABLE whatsapp_groups (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    chat_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    role        TEXT    NOT NULL CHECK (role IN ('sales', 'delivery', 'admin')),
    UNIQUE (business_id, chat_id)
);

CREATE TABLE bot_metrics (
    business_id    INTEGER NOT NULL REFERENCES businesses(id),
    day            TEXT    NOT NULL,
    messages_in    INTEGER NOT NULL DEFAULT 0,
    messages_out   INTEGER NOT NULL DEFAULT 0,
    orders         INTEGER NOT NULL DEFAULT 0,
    reply_ms_total INTEGER NOT NULL DEFAULT 0,
    replies        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_id, day)
);
