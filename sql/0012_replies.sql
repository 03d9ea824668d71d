-- Replies acted on: how each reply was matched to its thread, what was done about it, and when a
-- sequence paused by an out-of-office resumes.
--
-- - `thread_match` says how the reply found its sequence: by the In-Reply-To or References
--   headers naming a Message-ID we sent (`in_reply_to`, `references`), by the Message-ID a
--   delivery report returned (`bounce_report`), by the sender's address and our subject
--   (`address_subject`), by the sender's address alone (`address`: the lead is known, the
--   sequence is not), or not at all (`unmatched`: kept and listed, never dropped); NULL for a
--   reply stored before matching was recorded;
-- - `action` is the action taken, in words a rep reads, written in the same transaction;
-- - a paused sequence may carry the day it resumes (`resume_on`), and only a paused one.

ALTER TABLE reply ADD COLUMN thread_match text
  CHECK (thread_match IN ('in_reply_to', 'references', 'bounce_report', 'address_subject', 'address', 'unmatched'));
ALTER TABLE reply ADD COLUMN action text CHECK (action IS NULL OR length(action) > 0);
ALTER TABLE reply ADD CONSTRAINT reply_address_match_has_lead CHECK (thread_match <> 'address' OR lead_id IS NOT NULL);

ALTER TABLE sequence ADD COLUMN resume_on date;
ALTER TABLE sequence ADD CONSTRAINT sequence_resume_only_paused CHECK (resume_on IS NULL OR status = 'paused');

CREATE INDEX reply_unmatched ON reply (workspace_id, received_at DESC) WHERE sequence_id IS NULL;
CREATE INDEX sequence_resume ON sequence (workspace_id, resume_on) WHERE status = 'paused' AND resume_on IS NOT NULL;
