-- A name staff typed on a customer's page is what the shop calls them: a WhatsApp profile name
-- or a name given with an order no longer replaces it. Clearing it hands the name back.
ALTER TABLE customers ADD COLUMN name_by_staff INTEGER NOT NULL DEFAULT 0;
