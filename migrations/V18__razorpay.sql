-- A shop's Razorpay keys (none: Razorpay is not offered).
CREATE TABLE razorpay_configs (
    business_id    INTEGER PRIMARY KEY REFERENCES businesses(id),
    key_id         TEXT    NOT NULL,
    key_secret     TEXT    NOT NULL,
    webhook_secret TEXT    NOT NULL DEFAULT '',
    updated_at     INTEGER NOT NULL
);

-- Every webhook delivery, stored before it is answered; once per event id.
CREATE TABLE razorpay_events (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    event_id    TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    handled_at  INTEGER,
    outcome     TEXT,
    UNIQUE (business_id, event_id)
);
CREATE INDEX razorpay_events_pending ON razorpay_events(id) WHERE handled_at IS NULL;
