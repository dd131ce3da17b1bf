-- The platform console: businesses can be deactivated (data kept), a setup link can be for one
-- user (the first owner of a business made from the console, or a password reset), and the
-- audit log of who changed what.

-- Unix seconds when the platform admin deactivated the business; NULL while it is active.
ALTER TABLE businesses ADD COLUMN deactivated_at INTEGER;

-- A link for one user chooses that user's password; without a user it is the install's
-- first-run link, as before. No foreign key on purpose: a link is this install's secret and
-- does not move with a shop (`novi business export`); after a move the admin issues a new one.
ALTER TABLE setup_tokens ADD COLUMN user_id INTEGER;
CREATE INDEX setup_tokens_user ON setup_tokens(user_id) WHERE user_id IS NOT NULL;

-- Who did what, when, from where. `username` is kept as text (not a user id) so an entry
-- outlives the account and names a failed login's attempted name. `detail` never holds a
-- secret: the code that records an entry says only that a secret changed.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    -- The business the action concerns; NULL for platform-wide actions.
    business_id INTEGER REFERENCES businesses(id),
    username    TEXT    NOT NULL,
    address     TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_business ON audit_log(business_id, id);

-- All orders across businesses, newest first, paged by (created_at, id).
CREATE INDEX orders_created_id ON orders(created_at, id);

-- Bot status per business on the console: the last message in and out by index, not by scan.
CREATE INDEX messages_business_direction ON messages(business_id, direction, id);
-- Sends given up on, per business and time: "failures today". Only failed rows are in it.
CREATE INDEX outbox_failed ON outbox(business_id, updated_at) WHERE state = 'failed';
