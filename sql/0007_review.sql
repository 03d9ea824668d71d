-- Review: a sequence is approved for the variant of the first touch its lead was assigned.
--
-- The first touch is drafted in both variants of the experiment, but a lead receives only the
-- one `variant_assignment` gives it (sending refuses the other). Approval therefore asks about
-- the messages that can be sent: steps without a variant, and the assigned variant. A blocked
-- draft of the other variant no longer holds the sequence back; it is frozen with the rest and
-- never sent. A sequence whose lead has no assignment yet is judged on all its messages, as
-- before.

CREATE OR REPLACE FUNCTION sequence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  decision record;
  assigned text;
  bad integer;
  flagged integer;
BEGIN
  IF OLD.status <> 'draft' AND (
       NEW.tone IS DISTINCT FROM OLD.tone OR NEW.lead_id IS DISTINCT FROM OLD.lead_id
       OR NEW.research_id IS DISTINCT FROM OLD.research_id OR NEW.persona_name IS DISTINCT FROM OLD.persona_name
       OR NEW.rep_email IS DISTINCT FROM OLD.rep_email OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.personalised IS DISTINCT FROM OLD.personalised OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key) THEN
    RAISE EXCEPTION 'sequence %: is %, its content can no longer change', OLD.id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NOT ((OLD.status = 'draft' AND NEW.status IN ('approved', 'rejected'))
         OR (OLD.status = 'approved' AND NEW.status IN ('active', 'stopped'))
         OR (OLD.status = 'active' AND NEW.status IN ('paused', 'completed', 'stopped'))
         OR (OLD.status = 'paused' AND NEW.status IN ('active', 'stopped'))) THEN
      RAISE EXCEPTION 'sequence %: status cannot go from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status IN ('approved', 'rejected') THEN
      SELECT * INTO decision FROM approval WHERE sequence_id = NEW.id ORDER BY decided_at DESC, id DESC LIMIT 1;
      IF NOT FOUND OR decision.decision <> NEW.status THEN
        RAISE EXCEPTION 'sequence %: status % needs an approval row with that decision first', NEW.id, NEW.status USING ERRCODE = 'check_violation';
      END IF;
    END IF;
    IF NEW.status = 'approved' THEN
      SELECT va.variant INTO assigned FROM variant_assignment va WHERE va.experiment_id = NEW.experiment_id AND va.lead_id = NEW.lead_id;
      SELECT count(*) INTO bad FROM message
       WHERE sequence_id = NEW.id AND grounding IN ('unchecked', 'blocked')
         AND (variant IS NULL OR assigned IS NULL OR variant = assigned);
      IF bad > 0 THEN
        RAISE EXCEPTION 'sequence %: % message(s) are blocked or not yet checked by the grounding checker', NEW.id, bad USING ERRCODE = 'check_violation';
      END IF;
      SELECT count(*) INTO flagged FROM message
       WHERE sequence_id = NEW.id AND grounding = 'flagged'
         AND (variant IS NULL OR assigned IS NULL OR variant = assigned);
      IF flagged > 0 AND (decision.autopilot OR decision.reason IS NULL) THEN
        RAISE EXCEPTION 'sequence %: % message(s) carry risk flags; a rep must approve them with a reason', NEW.id, flagged USING ERRCODE = 'check_violation';
      END IF;
      NEW.approved_at := coalesce(NEW.approved_at, now());
    END IF;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
