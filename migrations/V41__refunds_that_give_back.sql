-- How much of a refund gave back money held beyond what its order came to (its lines cut
-- after it was paid, or the order cancelled), as against a refund for good ("one box short").
-- What is due on an order asks again for the first kind when the order grows later, never for
-- the second. Refunds recorded before this column are all taken as the second, as they were.
ALTER TABLE payments ADD COLUMN gives_back_minor INTEGER NOT NULL DEFAULT 0
    CHECK (gives_back_minor >= 0 AND gives_back_minor <= amount_minor);

-- The Razorpay payment (`pay_…`) a Razorpay refund went back through, and the one a pending
-- refund is going back through: an order paid online twice can refund each payment only up to
-- what is left on it. Empty for refunds recorded before, which are counted against the newest
-- payments first, as they were.
ALTER TABLE payments ADD COLUMN refund_of TEXT NOT NULL DEFAULT '';
ALTER TABLE razorpay_refunds_pending ADD COLUMN payment_id TEXT NOT NULL DEFAULT '';
