-- Replies: the labels the reply classifier gives, and the details each carries.
--
-- 0003 stored an early label set ('question', 'opt_out', 'other'...). The classifier's labels are
-- interested, needs_info, referral, objection, not_interested, unsubscribe, out_of_office,
-- auto_reply, bounce and wrong_person, decided by the rules, a model ('llm') or the offline
-- heuristic ('heuristic'), or set by a rep. Each label's details live beside it, and the checks
-- below keep every detail with its label only:
-- - a referral names the referred address (lower case), and only a referral does;
-- - an objection has its kind (timing, budget, competitor, no_need), and only an objection does;
-- - a return date belongs to an out-of-office and comes after the day the mail arrived;
-- - a bounce is hard or soft, with the status code and the recipient when the report gave them;
-- - questions (a JSON array of strings) belong to needs_info;
-- - needs_review: the confidence was too low to act on; a rep decides.
--
-- The invariants of 0003 stay, with the new labels: a person's reply stops its sequence in the
-- same transaction that records it; an opt-out (`unsubscribe`) or a hard bounce suppresses the
-- address. What changes: an out-of-office, an automatic reply and a soft bounce do not stop the
-- sequence (the out-of-office pauses it, the soft bounce is retried: the reply's action does
-- that), and a label under review suppresses nothing until a rep confirms it (the sequence is
-- stopped all the same, so nothing more is sent meanwhile).

ALTER TABLE reply DROP CONSTRAINT reply_classification_check;
ALTER TABLE reply DROP CONSTRAINT reply_classified_by_check;

ALTER TABLE reply ADD COLUMN needs_review boolean NOT NULL DEFAULT false;
ALTER TABLE reply ADD COLUMN questions jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(questions) = 'array');
ALTER TABLE reply ADD COLUMN referral_name text CHECK (referral_name IS NULL OR length(trim(referral_name)) > 0);
ALTER TABLE reply ADD COLUMN referral_email text CHECK (referral_email IS NULL OR (referral_email = lower(referral_email) AND referral_email LIKE '%_@_%'));
ALTER TABLE reply ADD COLUMN objection_kind text CHECK (objection_kind IN ('timing', 'budget', 'competitor', 'no_need'));
ALTER TABLE reply ADD COLUMN return_date date;
ALTER TABLE reply ADD COLUMN bounce_kind text CHECK (bounce_kind IN ('hard', 'soft'));
ALTER TABLE reply ADD COLUMN bounce_status text CHECK (bounce_status ~ '^[245]\.[0-9]{1,3}\.[0-9]{1,3}$' OR bounce_status ~ '^[245][0-9]{2}$');
ALTER TABLE reply ADD COLUMN bounce_recipient text CHECK (bounce_recipient IS NULL OR bounce_recipient = lower(bounce_recipient));
-- why the label: the rule and what it matched, the heuristic's cue, or the model
ALTER TABLE reply ADD COLUMN evidence text;

-- Rows stored with the early labels: renamed; 'other' was no label at all. A bounce from then
-- suppressed its address as a hard bounce, so it is one.
UPDATE reply SET classification = NULL, classified_by = NULL, confidence = NULL WHERE classification = 'other';
UPDATE reply SET bounce_kind = 'hard' WHERE classification = 'bounce';

-- The effects, with the new labels (see the header).
CREATE OR REPLACE FUNCTION reply_effects() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  label_changed boolean := TG_OP = 'INSERT' OR OLD.classification IS DISTINCT FROM NEW.classification;
  confirmed boolean := TG_OP = 'INSERT' OR OLD.classification IS DISTINCT FROM NEW.classification
                       OR OLD.needs_review IS DISTINCT FROM NEW.needs_review OR OLD.bounce_kind IS DISTINCT FROM NEW.bounce_kind;
BEGIN
  IF NEW.sequence_id IS NOT NULL AND label_changed
     AND NOT (coalesce(NEW.classification, '') IN ('out_of_office', 'auto_reply')
              OR (NEW.classification = 'bounce' AND NEW.bounce_kind = 'soft')) THEN
    UPDATE sequence SET status = 'stopped', status_reason = 'replied'
     WHERE id = NEW.sequence_id AND status IN ('approved', 'active', 'paused');
  END IF;
  IF confirmed AND NOT NEW.needs_review
     AND (NEW.classification = 'unsubscribe' OR (NEW.classification = 'bounce' AND NEW.bounce_kind = 'hard')) THEN
    INSERT INTO suppression (id, workspace_id, kind, value, reason, source, reply_id)
    SELECT gen_random_uuid(), NEW.workspace_id, 'email', coalesce(NEW.bounce_recipient, l.email, NEW.from_email),
           CASE NEW.classification WHEN 'unsubscribe' THEN 'Opted out by reply' ELSE 'Hard bounce' END,
           CASE NEW.classification WHEN 'unsubscribe' THEN 'opt_out' ELSE 'bounce' END, NEW.id
      FROM (SELECT 1) AS one LEFT JOIN lead l ON l.id = NEW.lead_id
    ON CONFLICT (workspace_id, kind, value) DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
DROP TRIGGER reply_effects ON reply;
CREATE TRIGGER reply_effects AFTER INSERT OR UPDATE OF classification, needs_review, bounce_kind ON reply FOR EACH ROW EXECUTE FUNCTION reply_effects();

-- Renaming the early labels goes through the trigger: an 'opt_out' becomes an 'unsubscribe' whose
-- suppression already exists (ON CONFLICT DO NOTHING), and a stopped sequence stays stopped.
UPDATE reply SET classification = CASE classification WHEN 'question' THEN 'needs_info' WHEN 'opt_out' THEN 'unsubscribe' ELSE classification END
 WHERE classification IN ('question', 'opt_out');

ALTER TABLE reply ADD CONSTRAINT reply_classification_check CHECK (classification IN
  ('interested', 'needs_info', 'referral', 'objection', 'not_interested', 'unsubscribe', 'out_of_office', 'auto_reply', 'bounce', 'wrong_person'));
ALTER TABLE reply ADD CONSTRAINT reply_classified_by_check CHECK (classified_by IN ('rules', 'llm', 'heuristic', 'rep'));
ALTER TABLE reply ADD CONSTRAINT reply_referral_only CHECK ((coalesce(classification, '') = 'referral') = (referral_email IS NOT NULL));
ALTER TABLE reply ADD CONSTRAINT reply_referral_name_with_email CHECK (referral_name IS NULL OR referral_email IS NOT NULL);
ALTER TABLE reply ADD CONSTRAINT reply_objection_only CHECK ((coalesce(classification, '') = 'objection') = (objection_kind IS NOT NULL));
ALTER TABLE reply ADD CONSTRAINT reply_return_date_only CHECK (
  return_date IS NULL OR (classification = 'out_of_office' AND return_date > (received_at AT TIME ZONE 'UTC')::date));
ALTER TABLE reply ADD CONSTRAINT reply_bounce_only CHECK ((coalesce(classification, '') = 'bounce') = (bounce_kind IS NOT NULL));
ALTER TABLE reply ADD CONSTRAINT reply_bounce_details CHECK (bounce_kind IS NOT NULL OR (bounce_status IS NULL AND bounce_recipient IS NULL));
ALTER TABLE reply ADD CONSTRAINT reply_questions_only CHECK (jsonb_array_length(questions) = 0 OR classification = 'needs_info');
ALTER TABLE reply ADD CONSTRAINT reply_review_needs_label CHECK (NOT needs_review OR classification IS NOT NULL);

CREATE INDEX reply_needs_review ON reply (workspace_id, received_at DESC) WHERE needs_review;
