-- Replies acted on beyond stopping the sequence: what a person's answer leaves behind for the
-- team, and what keeps the pipeline from writing where it should not.
--
-- - `workspace.cooling_off_days`: after a `not_interested` reply the lead's company is kept out
--   of new sequences for this many days (onboarding `workspace.coolingOffDays`, default 180);
-- - `lead_company.cooling_off_until`: the first day the company may be contacted again, and the
--   reply that set it; search, drafting and queueing skip its leads before that day;
-- - `lead.email_invalid_at`: a hard bounce marks the address invalid (with why), so it never gets
--   a new sequence, whatever happens to the suppression list;
-- - `lead.referred_by_*`: a lead created from a `referral` reply names who referred it and from
--   which reply; it gets no message until a rep approves one;
-- - `rep_task`: an `interested`, `needs_info` or `objection` reply opens one task for the rep who
--   owns the thread, due by a day; `done` closes it;
-- - `llm_call` rows of reply classification belong to the reply, not to a run;
-- - `outcome`: `not_a_fit` is an outcome a rep (or a CRM) records; an outcome of the deal
--   (meeting booked, opportunity, won, lost, not a fit) stops the sequence, whoever inserted it.

ALTER TABLE workspace ADD COLUMN cooling_off_days integer NOT NULL DEFAULT 180 CHECK (cooling_off_days BETWEEN 0 AND 3650);

ALTER TABLE lead_company ADD COLUMN cooling_off_until date;
ALTER TABLE lead_company ADD COLUMN cooling_off_reply_id uuid REFERENCES reply (id) ON DELETE SET NULL;

ALTER TABLE lead ADD COLUMN email_invalid_at timestamptz;
ALTER TABLE lead ADD COLUMN email_invalid_reason text CHECK (email_invalid_reason IS NULL OR length(email_invalid_reason) > 0);
ALTER TABLE lead ADD CONSTRAINT lead_email_invalid_with_reason CHECK ((email_invalid_at IS NULL) = (email_invalid_reason IS NULL));

ALTER TABLE lead ADD COLUMN referred_by_email text CHECK (referred_by_email IS NULL OR referred_by_email = lower(referred_by_email));
ALTER TABLE lead ADD COLUMN referred_by_lead_id uuid REFERENCES lead (id) ON DELETE SET NULL;
ALTER TABLE lead ADD COLUMN referred_by_reply_id uuid REFERENCES reply (id) ON DELETE SET NULL;
ALTER TABLE lead ADD CONSTRAINT lead_referrer_named CHECK (referred_by_lead_id IS NULL OR referred_by_email IS NOT NULL);

CREATE TABLE rep_task (
  id            uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  -- NULL: the reply came from an address matched to no lead; the task still stands
  lead_id       uuid REFERENCES lead (id) ON DELETE CASCADE,
  reply_id      uuid NOT NULL REFERENCES reply (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('interested', 'needs_info', 'objection')),
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
  -- the rep of the sequence (or of the mailbox the reply reached); NULL when nobody is known
  owner_id      uuid REFERENCES app_user (id) ON DELETE SET NULL,
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  due_on        date NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  done_at       timestamptz,
  -- one task per reply: a re-imported reply opens nothing new
  UNIQUE (reply_id),
  CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX rep_task_open ON rep_task (workspace_id, due_on) WHERE status = 'open';

ALTER TABLE llm_call ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE llm_call ADD COLUMN reply_id uuid REFERENCES reply (id) ON DELETE CASCADE;
ALTER TABLE llm_call ADD CONSTRAINT llm_call_owner CHECK (run_id IS NOT NULL OR reply_id IS NOT NULL);
CREATE INDEX llm_call_reply ON llm_call (reply_id) WHERE reply_id IS NOT NULL;

ALTER TABLE outcome DROP CONSTRAINT outcome_kind_check;
ALTER TABLE outcome ADD CONSTRAINT outcome_kind_check CHECK (kind IN
  ('replied', 'positive_reply', 'meeting_booked', 'opportunity', 'won', 'lost', 'not_a_fit', 'opted_out', 'bounced', 'no_response'));

-- An outcome of the deal ends the outreach: the sequence stops and nothing scheduled stays
-- claimable, for `prospector outcome` and a CRM's INSERT alike.
CREATE FUNCTION outcome_effects() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  stopped integer;
BEGIN
  IF NEW.kind IN ('meeting_booked', 'opportunity', 'won', 'lost', 'not_a_fit') THEN
    UPDATE sequence SET status = 'stopped', status_reason = 'outcome: ' || NEW.kind, resume_on = NULL
     WHERE id = NEW.sequence_id AND status IN ('approved', 'active', 'paused');
    GET DIAGNOSTICS stopped = ROW_COUNT;
    IF stopped > 0 THEN
      UPDATE scheduled_message SET status = 'cancelled', deferred_reason = NULL, updated_at = now()
       WHERE sequence_id = NEW.sequence_id AND status = 'scheduled';
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER outcome_effects AFTER INSERT ON outcome FOR EACH ROW EXECUTE FUNCTION outcome_effects();
