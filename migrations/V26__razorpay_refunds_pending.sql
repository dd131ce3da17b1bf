-- Refunds asked of Razorpay that it has not processed yet. Until `refund.processed` records one
-- (or `refund.failed` says it will not happen) its amount is held back from what the order page
-- offers to refund, so a second refund cannot ask for money already on its way back.
CREATE TABLE razorpay_refunds_pending (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses(id),
    order_id     INTEGER NOT NULL REFERENCES orders(id),
    refund_id    TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    asked_at     INTEGER NOT NULL,
    UNIQUE (business_id, refund_id)
);
CREATE INDEX razorpay_refunds_pending_order ON razorpay_refunds_pending(order_id);
