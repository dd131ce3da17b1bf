-- SQLite checks a value against a list of three or more by building a temporary table of the
-- list, and for a CHECK constraint or a partial index's condition it builds it again for every
-- row written: storing a message built two, queueing a reply two more, saving a draft one, an
-- order four. The same conditions written as comparisons joined by OR build nothing and accept
-- and refuse exactly the same values.
--
-- A table's CHECK constraints live only in its definition's text, and rewriting the table would
-- copy every order and message of a large book. The definitions are edited in place instead, as
-- SQLite documents for changing constraints that do not change what is stored
-- (`writable_schema`); `RESET` has this connection read the schema again, and rebuilding the
-- index below changes the schema's version, so every other connection reads it again too.

PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
    'stage IN (''collecting'', ''confirming'', ''changing'')',
    '(stage = ''collecting'' OR stage = ''confirming'' OR stage = ''changing'')')
WHERE type = 'table' AND name = 'drafts';

UPDATE sqlite_schema SET sql = replace(sql,
    'state IN (''not_linked'', ''connecting'', ''connected'', ''logged_out'')',
    '(state = ''not_linked'' OR state = ''connecting'' OR state = ''connected'' OR state = ''logged_out'')')
WHERE type = 'table' AND name = 'linked_sessions';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''received'', ''queued'', ''sent'', ''delivered'', ''read'', ''failed'')',
    '(status = ''received'' OR status = ''queued'' OR status = ''sent'' OR status = ''delivered'' OR status = ''read'' OR status = ''failed'')')
WHERE type = 'table' AND name = 'messages';

UPDATE sqlite_schema SET sql = replace(sql,
    'kind IN (''created'', ''status'', ''edited'', ''payment'', ''note'')',
    '(kind = ''created'' OR kind = ''status'' OR kind = ''edited'' OR kind = ''payment'' OR kind = ''note'')')
WHERE type = 'table' AND name = 'order_events';

UPDATE sqlite_schema SET sql = replace(sql,
    'reason IN
                     (''unknown'', ''no_quantity'', ''bare_number_for_weight'', ''ambiguous'', ''too_much'')',
    '(reason = ''unknown'' OR reason = ''no_quantity'' OR reason = ''bare_number_for_weight'' OR reason = ''ambiguous'' OR reason = ''too_much'')')
WHERE type = 'table' AND name = 'order_unread';

UPDATE sqlite_schema SET sql = replace(sql,
    'channel IN (''whatsapp'', ''group'', ''storefront'', ''manual'', ''api'')',
    '(channel = ''whatsapp'' OR channel = ''group'' OR channel = ''storefront'' OR channel = ''manual'' OR channel = ''api'')')
WHERE type = 'table' AND name = 'orders';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN
                           (''pending'', ''confirmed'', ''preparing'', ''out_for_delivery'', ''delivered'', ''cancelled'')',
    '(status = ''pending'' OR status = ''confirmed'' OR status = ''preparing'' OR status = ''out_for_delivery'' OR status = ''delivered'' OR status = ''cancelled'')')
WHERE type = 'table' AND name = 'orders';

UPDATE sqlite_schema SET sql = replace(sql,
    'payment_mode IN (''cash'', ''upi'', ''razorpay'')',
    '(payment_mode = ''cash'' OR payment_mode = ''upi'' OR payment_mode = ''razorpay'')')
WHERE type = 'table' AND name = 'orders';

UPDATE sqlite_schema SET sql = replace(sql,
    'payment_status IN
                           (''unpaid'', ''partly_paid'', ''paid'', ''refunded'', ''partly_refunded'')',
    '(payment_status = ''unpaid'' OR payment_status = ''partly_paid'' OR payment_status = ''paid'' OR payment_status = ''refunded'' OR payment_status = ''partly_refunded'')')
WHERE type = 'table' AND name = 'orders';

UPDATE sqlite_schema SET sql = replace(sql,
    'state IN (''pending'', ''sending'', ''sent'', ''failed'')',
    '(state = ''pending'' OR state = ''sending'' OR state = ''sent'' OR state = ''failed'')')
WHERE type = 'table' AND name = 'outbox';

UPDATE sqlite_schema SET sql = replace(sql,
    'mode IN (''cash'', ''upi'', ''razorpay'')',
    '(mode = ''cash'' OR mode = ''upi'' OR mode = ''razorpay'')')
WHERE type = 'table' AND name = 'payments';

UPDATE sqlite_schema SET sql = replace(sql,
    'paper IN (''58mm'', ''80mm'', ''a4'')',
    '(paper = ''58mm'' OR paper = ''80mm'' OR paper = ''a4'')')
WHERE type = 'table' AND name = 'print_settings';

UPDATE sqlite_schema SET sql = replace(sql,
    'status IN (''created'', ''paid'', ''expired'', ''failed'')',
    '(status = ''created'' OR status = ''paid'' OR status = ''expired'' OR status = ''failed'')')
WHERE type = 'table' AND name = 'razorpay_requests';

UPDATE sqlite_schema SET sql = replace(sql,
    'role IN (''owner'', ''manager'', ''agent'')',
    '(role = ''owner'' OR role = ''manager'' OR role = ''agent'')')
WHERE type = 'table' AND name = 'users';

UPDATE sqlite_schema SET sql = replace(sql,
    'provider IN (''cloud'', ''gateway'', ''simulator'', ''linked'')',
    '(provider = ''cloud'' OR provider = ''gateway'' OR provider = ''simulator'' OR provider = ''linked'')')
WHERE type = 'table' AND name = 'whatsapp_configs';

UPDATE sqlite_schema SET sql = replace(sql,
    'role IN (''sales'', ''delivery'', ''admin'')',
    '(role = ''sales'' OR role = ''delivery'' OR role = ''admin'')')
WHERE type = 'table' AND name = 'whatsapp_groups';

PRAGMA writable_schema = RESET;

-- The newest message sent, by shop: the same rows, its condition written as comparisons.
DROP INDEX messages_sent_by_business;
CREATE INDEX messages_sent_by_business ON messages(business_id, id)
    WHERE direction = 'out' AND (status = 'sent' OR status = 'delivered' OR status = 'read');
