-- Businesses (tenants), their people, how those people get in, and API tokens.
-- Times are Unix seconds (UTC).

CREATE TABLE businesses (
    id                 INTEGER PRIMARY KEY,
    short_code         TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    address            TEXT    NOT NULL DEFAULT '',
    phone              TEXT    NOT NULL DEFAULT '',
    currency           TEXT    NOT NULL DEFAULT 'INR',
    delivery_fee_minor INTEGER NOT NULL DEFAULT 0 CHECK (delivery_fee_minor >= 0),
    created_at         INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash  TEXT    NOT NULL,
    business_id    INTEGER REFERENCES businesses(id),
    role           TEXT    CHECK (role IN ('owner', 'manager', 'agent')),
    platform_admin INTEGER NOT NULL DEFAULT 0,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    -- A platform admin belongs to no business; everyone else belongs to exactly one, with a role.
    CHECK ((platform_admin = 1 AND business_id IS NULL AND role IS NULL)
        OR (platform_admin = 0 AND business_id IS NOT NULL AND role IS NOT NULL))
);
CREATE INDEX users_business ON users(business_id);

-- Only a hash of the cookie value is kept, so a copy of the database cannot log anyone in.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens(business_id, name) WHERE revoked_at IS NULL;

-- The one-time link that lets the first owner in on an empty install.
CREATE TABLE setup_tokens (
    token_hash TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
