-- The inbox and runs pages: a reply label reviewed by a rep, and the execution a run links to.
--
-- A rep's review of a reply's label, from the inbox: confirmed as it is, or corrected.
--
-- - `classification` stays the label acted on; a correction sets it (`classified_by = 'rep'`)
--   and keeps the label the classifier gave in `classifier_label`;
-- - `reviewed_by_email` / `reviewed_at`: who confirmed or corrected it, and when. A confirmed
--   label is acted on once: confirming again changes nothing.
ALTER TABLE reply ADD COLUMN classifier_label text CHECK (classifier_label IN
  ('interested', 'needs_info', 'referral', 'objection', 'not_interested', 'unsubscribe', 'out_of_office', 'auto_reply', 'bounce', 'wrong_person'));
ALTER TABLE reply ADD COLUMN reviewed_by_email text CHECK (reviewed_by_email IS NULL OR (reviewed_by_email = lower(reviewed_by_email) AND reviewed_by_email LIKE '%_@_%'));
ALTER TABLE reply ADD COLUMN reviewed_at timestamptz;
ALTER TABLE reply ADD CONSTRAINT reply_reviewed_by_whom CHECK ((reviewed_at IS NULL) = (reviewed_by_email IS NULL));
ALTER TABLE reply ADD CONSTRAINT reply_reviewed_not_pending CHECK (reviewed_at IS NULL OR NOT needs_review);

-- The Step Functions execution that last worked on a run (its start, or a redrive started from
-- the web app), so the Runs page links to it in the console. NULL locally.
ALTER TABLE run ADD COLUMN execution_arn text CHECK (execution_arn IS NULL OR execution_arn ~ '^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.-]{1,80}$');
