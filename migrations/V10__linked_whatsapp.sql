-- The linked provider: the shop's own WhatsApp app linked by QR code, as WhatsApp Web is.
-- SQLite cannot change a CHECK in place, so whatsapp_configs is rebuilt to allow 'linked'.
CREATE TABLE whatsapp_configs_new (
    business_id       INTEGER PRIMARY KEY REFERENCES businesses(id),
    provider          TEXT    NOT NULL CHECK (provider IN ('cloud', 'gateway', 'simulator', 'linked')),
    phone_number_id   TEXT    UNIQUE,
    verify_token      TEXT    NOT NULL DEFAULT '',
    app_secret        TEXT    NOT NULL DEFAULT '',
    access_token      TEXT    NOT NULL DEFAULT '',
    graph_base        TEXT    NOT NULL DEFAULT 'https://graph.facebook.com/v21.0',
    gateway_url       TEXT    NOT NULL DEFAULT '',
    api_key           TEXT    NOT NULL DEFAULT '',
    session           TEXT    NOT NULL DEFAULT 'default',
    hmac_key          TEXT    NOT NULL DEFAULT '',
    template_name     TEXT    NOT NULL DEFAULT '',
    template_language TEXT    NOT NULL DEFAULT 'en',
    rate_per_second   INTEGER NOT NULL DEFAULT 20 CHECK (rate_per_second > 0),
    paused_reason     TEXT,
    updated_at        INTEGER NOT NULL,
    gateway_url_by_admin INTEGER NOT NULL DEFAULT 0
);
INSERT INTO whatsapp_configs_new SELECT business_id, provider, phone_number_id, verify_token,
    app_secret, access_token, graph_base, gateway_url, api_key, session, hmac_key, template_name,
    template_language, rate_per_second, paused_reason, updated_at, gateway_url_by_admin
    FROM whatsapp_configs;
DROP TABLE whatsapp_configs;
ALTER TABLE whatsapp_configs_new RENAME TO whatsapp_configs;

-- How each linked business's connection stands, always true: what Settings, /ready and the
-- banner show. The session keys themselves are in the crate's own file in the data directory.
CREATE TABLE linked_sessions (
    business_id     INTEGER PRIMARY KEY REFERENCES businesses(id),
    -- not_linked: never linked, or unlinked in Novi; connecting: trying, next_retry_at says
    -- when; connected; logged_out: unlinked from the phone (or by WhatsApp), needs a new link.
    state           TEXT    NOT NULL CHECK (state IN ('not_linked', 'connecting', 'connected', 'logged_out')),
    next_retry_at   INTEGER,
    phone           TEXT    NOT NULL DEFAULT '',
    push_name       TEXT    NOT NULL DEFAULT '',
    connected_since INTEGER,
    reason          TEXT    NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
);
