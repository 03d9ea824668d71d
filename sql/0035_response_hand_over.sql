-- Suggested responses to replies are handed over with a rep's drafts (sql/0034_hand_over.sql,
-- lambdas/core/outreach/hand-over.ts): re-signed, their kept before/after marked as a re-signing
-- (the responses' edit count is a rep's edits only), and sent from the new rep's mailbox, since
-- the thread's mailbox is the old rep's (lambdas/core/sending/reply-send.ts).
ALTER TABLE reply_response_edit ADD COLUMN kind text NOT NULL DEFAULT 'edit' CHECK (kind IN ('edit', 're_sign'));

CREATE OR REPLACE FUNCTION reply_response_keep_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reply_response_edit (response_id, edited_by, before_subject, before_body, after_subject, after_body, kind)
  VALUES (NEW.id, NEW.edited_by, OLD.subject, OLD.body, NEW.subject, NEW.body,
          CASE WHEN current_setting('prospector.edit_kind', true) = 're_sign' THEN 're_sign' ELSE 'edit' END);
  RETURN NULL;
END;
$$;

ALTER TABLE reply_response ADD COLUMN handed_over_from text CHECK (handed_over_from IS NULL OR (handed_over_from = lower(handed_over_from) AND handed_over_from LIKE '%_@_%'));
ALTER TABLE reply_response ADD COLUMN handed_over_at timestamptz;
ALTER TABLE reply_response ADD CONSTRAINT reply_response_handed_over_when CHECK ((handed_over_from IS NULL) = (handed_over_at IS NULL));
