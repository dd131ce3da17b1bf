-- What Novi asked Razorpay for, and payments it must not record twice.

-- Each Razorpay order (Checkout on the storefront) or Payment Link (sent in a chat) Novi made
-- for one of its orders: a webhook names the Razorpay id, and this says which order it pays.
CREATE TABLE razorpay_requests (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('order', 'link')),
    -- Razorpay's order id (`order_…`) or payment link id (`plink_…`).
    razorpay_id  TEXT    NOT NULL UNIQUE,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'created'
                     CHECK (status IN ('created', 'paid', 'expired', 'failed')),
    created_at   INTEGER NOT NULL
);
CREATE INDEX razorpay_requests_order ON razorpay_requests(order_id, id);

-- Money Razorpay took that Novi would not put on the order (the order was cancelled, the amount
-- or currency differs): staff refund it, then say it is dealt with.
CREATE TABLE razorpay_flags (
    id            INTEGER PRIMARY KEY,
    business_id   INTEGER NOT NULL REFERENCES businesses(id),
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    reason        TEXT    NOT NULL,
    payment_id    TEXT    NOT NULL,
    amount_minor  INTEGER NOT NULL,
    currency      TEXT    NOT NULL DEFAULT 'INR',
    raised_at     INTEGER NOT NULL,
    dealt_with_at INTEGER,
    dealt_with_by INTEGER REFERENCES users(id),
    -- A payment is flagged once, however often Razorpay tells of it.
    UNIQUE (business_id, payment_id)
);
CREATE INDEX razorpay_flags_open ON razorpay_flags(business_id, id) WHERE dealt_with_at IS NULL;
CREATE INDEX razorpay_flags_order ON razorpay_flags(order_id, id);

-- A Razorpay payment id (a payment) or refund id (a refund) is recorded at most once, whichever
-- of the webhook, the Checkout callback or the refund answer gets there first. Before this, staff
-- could record the same Razorpay reference twice by hand: a repeat keeps its row and amount, and
-- its reference is marked with its own id so the rule can hold. Razorpay payments recorded
-- without a reference are not Razorpay's ids and are left out.
UPDATE payments SET reference = reference || ' (repeat ' || id || ')'
WHERE mode = 'razorpay' AND reference <> '' AND EXISTS (
    SELECT 1 FROM payments p
    WHERE p.business_id = payments.business_id AND p.kind = payments.kind
      AND p.mode = 'razorpay' AND p.reference = payments.reference AND p.id < payments.id);

CREATE UNIQUE INDEX payments_razorpay_once ON payments(business_id, kind, reference)
    WHERE mode = 'razorpay' AND reference <> '';
