-- A customer's status message sent from the order page waits out the minute in which the change
-- can be undone; this names the timeline entry it belongs to, so an undo can withdraw it.
ALTER TABLE outbox ADD COLUMN order_event_id INTEGER REFERENCES order_events(id);
CREATE INDEX outbox_held ON outbox(order_event_id) WHERE order_event_id IS NOT NULL;
