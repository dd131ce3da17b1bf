-- The dashboard's reply-time median and p90 from counts kept per shop-local day, not one row per
-- reply: a day's figures then cost what its distinct reply times cost, however many replies it
-- held. Read one by one, a day of 2.7 million replies took over half a second and 20 MB, again
-- every 10 s while it was today.
--
-- A reply time is kept to 10 ms under a minute, to the second under an hour and to the minute
-- beyond (`whatsapp::metrics::kept_ms` rounds the same way), finer than the dashboard shows it,
-- so a day holds at most some thousands of rows. The exact mean stays in `bot_metrics`.
CREATE TABLE bot_reply_times (
    business_id INTEGER NOT NULL REFERENCES businesses(id),
    day         TEXT    NOT NULL,
    waited_ms   INTEGER NOT NULL CHECK (waited_ms >= 0),
    n           INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (business_id, day, waited_ms)
) WITHOUT ROWID;

-- Each reply on its shop's clock, as `bot_metrics` counts its day.
INSERT INTO bot_reply_times (business_id, day, waited_ms, n)
    SELECT r.business_id,
        date(r.at_ms / 1000, 'unixepoch', b.utc_offset_minutes || ' minutes'),
        CASE WHEN r.waited_ms < 60000 THEN (r.waited_ms + 5) / 10 * 10
             WHEN r.waited_ms < 3600000 THEN (r.waited_ms + 500) / 1000 * 1000
             ELSE (r.waited_ms + 30000) / 60000 * 60000 END,
        COUNT(*)
    FROM bot_replies r JOIN businesses b ON b.id = r.business_id
    GROUP BY 1, 2, 3;

DROP TABLE bot_replies;
