-- A user removed by a re-import of the onboarding (a rep who left) is let go by every row that
-- points at them: the foreign keys set the user's id to NULL. Three guards refused that UPDATE
-- on rows they keep fixed, so removing anyone who had decided on a draft, or edited a message or
-- a response since decided on, failed the whole import. Each guard now lets through exactly that
-- change (the user's id going to NULL, nothing else); the email kept beside it (decided_by_email,
-- the sequence's rep_email) still says who it was.

CREATE OR REPLACE FUNCTION approval_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  seq_status text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.decided_by IS NOT NULL AND NEW.decided_by IS NULL
       AND (to_jsonb(NEW) - 'decided_by') = (to_jsonb(OLD) - 'decided_by') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'approval %: decisions are not changed; record a new one', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  SELECT status INTO seq_status FROM sequence WHERE id = NEW.sequence_id;
  IF seq_status IS DISTINCT FROM 'draft' THEN
    RAISE EXCEPTION 'approval: sequence % is %, only a draft can be decided on', NEW.sequence_id, seq_status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION sequence_part_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data record;
  seq uuid;
  seq_status text;
BEGIN
  -- nested: the guard serves four tables, and only message has edited_by
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'message' THEN
    IF to_jsonb(OLD) ->> 'edited_by' IS NOT NULL AND to_jsonb(NEW) ->> 'edited_by' IS NULL
       AND (to_jsonb(NEW) - 'edited_by') = (to_jsonb(OLD) - 'edited_by') THEN
      RETURN NEW;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
  IF TG_TABLE_NAME IN ('sequence_step', 'message') THEN
    seq := row_data.sequence_id;
  ELSE
    SELECT m.sequence_id INTO seq FROM message m WHERE m.id = row_data.message_id;
  END IF;
  SELECT status INTO seq_status FROM sequence WHERE id = seq;
  IF seq_status IS NOT NULL AND seq_status <> 'draft' THEN
    RAISE EXCEPTION '%: sequence % is %, its drafts can no longer change', TG_TABLE_NAME, seq, seq_status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION reply_response_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.edited_by IS NOT NULL AND NEW.edited_by IS NULL
     AND (to_jsonb(NEW) - 'edited_by') = (to_jsonb(OLD) - 'edited_by') THEN
    RETURN NEW;
  END IF;
  IF OLD.status <> 'draft' THEN
    RAISE EXCEPTION 'reply_response %: is %, it can no longer change', OLD.id, OLD.status USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.reply_id IS DISTINCT FROM OLD.reply_id OR NEW.workspace_id IS DISTINCT FROM OLD.workspace_id THEN
    RAISE EXCEPTION 'reply_response %: its reply and workspace are fixed', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.body IS DISTINCT FROM OLD.body OR NEW.subject IS DISTINCT FROM OLD.subject)
     AND NEW.checked_at IS NOT DISTINCT FROM OLD.checked_at THEN
    NEW.grounding := 'unchecked';
    NEW.checked_at := NULL;
  END IF;
  IF NEW.status = 'approved' AND NEW.grounding = 'flagged' AND NEW.decision_reason IS NULL THEN
    RAISE EXCEPTION 'reply_response %: it carries risk flags; a rep must approve it with a reason', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
