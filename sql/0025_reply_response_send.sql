-- Sending an approved response to a prospect's reply, at most once.
--
-- One row per response is its claim and its attempt together: the row is written 'sending' with
-- its final Message-ID before the mailer is called, and the primary key refuses a second one, so
-- a response is never sent twice. A row left 'sending' by a crash becomes 'uncertain' (the
-- server may have it) and is never resent without a person. 'cancelled' says why it was not
-- sent (the address was suppressed after approval).
CREATE TABLE reply_response_send (
  response_id           uuid PRIMARY KEY REFERENCES reply_response (id) ON DELETE CASCADE,
  workspace_id          uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  mailbox_id            uuid REFERENCES mailbox (id) ON DELETE SET NULL,
  status                text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'uncertain', 'cancelled')),
  from_email            text NOT NULL CHECK (from_email = lower(from_email)),
  to_email              text NOT NULL CHECK (to_email = lower(to_email)),
  rfc_message_id        text CHECK (rfc_message_id IS NULL OR rfc_message_id ~ '^<[^<>@ ]+@[^<>@ ]+>$'),
  delivered_message_id  text CHECK (delivered_message_id IS NULL OR delivered_message_id ~ '^<[^<>@ ]+@[^<>@ ]+>$'),
  provider              text,
  provider_message_id   text,
  error                 text,
  started_at            timestamptz NOT NULL,
  finished_at           timestamptz,
  CHECK (status = 'cancelled' OR rfc_message_id IS NOT NULL),
  CHECK (status NOT IN ('cancelled', 'failed', 'uncertain') OR error IS NOT NULL)
);
CREATE INDEX reply_response_send_from ON reply_response_send (from_email, started_at);
