-- What the customer has said about how and when, besides the lines: pickup or delivery, the
-- delivery day, and a smaller amount offered when stock is short. JSON, read by the chat.
ALTER TABLE drafts ADD COLUMN terms TEXT NOT NULL DEFAULT '{}';
