-- Who saved the gateway URL. Only a platform admin or the shell (`novi whatsapp configure`) may
-- point a business at a private or loopback address; a URL an owner saved reaches public
-- addresses only, checked at every send. Rows saved before this was recorded count as an
-- owner's: run `novi whatsapp configure` again for a gateway on the server's own network.
ALTER TABLE whatsapp_configs ADD COLUMN gateway_url_by_admin INTEGER NOT NULL DEFAULT 0;
