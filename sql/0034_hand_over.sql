-- Handing a rep's drafts over to another rep (lambdas/core/outreach/hand-over.ts).
--
-- A handed-over draft is re-signed: its emails end with the new rep's signature instead of the
-- old one's. The database keeps that change as it keeps every change of a message's words, but
-- marked as a re-signing, so that the edit statistics and the drafting examples (what reps
-- change in drafts) never read a signature swap as a rep's edit. The hand-over sets the
-- transaction-local setting `prospector.edit_kind` to 're_sign' (set_config(..., true): it ends
-- with the transaction); every other change is an 'edit', as before.
ALTER TABLE message_edit ADD COLUMN kind text NOT NULL DEFAULT 'edit' CHECK (kind IN ('edit', 're_sign'));

CREATE OR REPLACE FUNCTION message_keep_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO message_edit (message_id, edited_by, before_subject, before_body, after_subject, after_body, kind)
  VALUES (NEW.id, NEW.edited_by, OLD.subject, OLD.body, NEW.subject, NEW.body,
          CASE WHEN current_setting('prospector.edit_kind', true) = 're_sign' THEN 're_sign' ELSE 'edit' END);
  RETURN NULL;
END;
$$;

-- Who a draft was handed over from, and when: the review queue tells the new rep why the draft
-- is theirs. Only a draft is handed over (the sequence guard freezes rep_email after approval).
ALTER TABLE sequence ADD COLUMN handed_over_from text CHECK (handed_over_from IS NULL OR (handed_over_from = lower(handed_over_from) AND handed_over_from LIKE '%_@_%'));
ALTER TABLE sequence ADD COLUMN handed_over_at timestamptz;
ALTER TABLE sequence ADD CONSTRAINT sequence_handed_over_when CHECK ((handed_over_from IS NULL) = (handed_over_at IS NULL));
