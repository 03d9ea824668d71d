-- Outreach: from research to reply. Sequences drafted from verified facts, checked by the
-- grounding checker, approved (or rejected) by a rep, then sent and answered.
--
-- The invariants that keep a rep's trust live here, not in code that hopes for them:
-- - a sequence is frozen once approved: its tone snapshot, steps, messages, citations and flags
--   no longer change (triggers), and it can be approved only with no blocked or unchecked message
--   (and only with a reason when a message carries risk flags);
-- - a citation points at a verified fact of the very research the sequence was drafted from
--   (composite foreign keys), so a draft can never cite another lead's page;
-- - a rep's edit is kept as before/after by the database itself, and sends the message back to
--   the grounding checker;
-- - a message is sent at most once: one idempotency key per attempt, one live attempt per
--   message, never to a suppressed address, never before approval;
-- - a reply stops its sequence, and an opt-out or bounce suppresses the address, in the same
--   transaction that records it.
--
-- Triggers use `$$` bodies (the migrator splits statements itself) and `RAISE ... USING ERRCODE`
-- with the SQLSTATE of the constraint kind they stand for, so callers can tell a broken invariant
-- (23xxx) from a fault on both PGlite and the Data API.

-- ---- onboarding additions --------------------------------------------------------------------

-- A lead is drafted for only when research scores its fit at or above the ICP's threshold;
-- autopilot approves drafts that carry no flag (off unless the seller turns it on).
ALTER TABLE icp ADD COLUMN fit_threshold integer NOT NULL DEFAULT 60 CHECK (fit_threshold BETWEEN 0 AND 100);
ALTER TABLE icp ADD COLUMN autopilot boolean NOT NULL DEFAULT false;

-- The lead's job title as the search provider gave it: it picks the persona a sequence is
-- written for, and it is evidence the grounding checker accepts. Nullable: not every source has it.
ALTER TABLE lead ADD COLUMN IF NOT EXISTS title text;

-- Targets of the composite foreign keys below: a sequence's research must be its lead's, and a
-- citation's fact must be of the sequence's research.
ALTER TABLE research ADD CONSTRAINT research_id_lead_key UNIQUE (id, lead_id);
ALTER TABLE fact ADD CONSTRAINT fact_id_research_key UNIQUE (id, research_id);

-- ---- experiments -----------------------------------------------------------------------------

-- A comparison of first-touch angles (e.g. the prospect's problem vs. proof from a customer).
CREATE TABLE experiment (
  id            uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  icp_id        uuid REFERENCES icp (id) ON DELETE SET NULL,
  name          text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'stopped')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, name)
);

CREATE TABLE experiment_variant (
  experiment_id  uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
  variant        text NOT NULL CHECK (variant IN ('a', 'b')),
  angle          text NOT NULL CHECK (length(angle) > 0),
  PRIMARY KEY (experiment_id, variant)
);

-- ---- sequences -------------------------------------------------------------------------------

-- One sequence per lead and persona, drafted from one research. The tone of voice and the rep's
-- signature are copied in, because the onboarding may change after a rep approved the words.
CREATE TABLE sequence (
  id               uuid PRIMARY KEY,
  workspace_id     uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  lead_id          uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  research_id      uuid NOT NULL,
  run_id           uuid REFERENCES run (id) ON DELETE SET NULL,
  icp_id           uuid REFERENCES icp (id) ON DELETE SET NULL,
  -- personas and reps can be removed by re-onboarding: the names stay as drafted
  persona_id       uuid REFERENCES persona (id) ON DELETE SET NULL,
  persona_name     text NOT NULL,
  rep_id           uuid REFERENCES app_user (id) ON DELETE SET NULL,
  rep_email        text NOT NULL CHECK (rep_email = lower(rep_email) AND rep_email LIKE '%_@_%'),
  -- {formality, warmth, directness, language, maxWords, callToAction, bannedPhrases, signature}
  tone             jsonb NOT NULL CHECK (
                     jsonb_typeof(tone) = 'object'
                     AND tone ?& ARRAY['formality', 'warmth', 'directness', 'language', 'maxWords', 'callToAction', 'bannedPhrases']
                     AND jsonb_typeof(tone -> 'bannedPhrases') = 'array'),
  -- who wrote the words: the LLM, or the offline templates (labelled as such everywhere)
  source           text NOT NULL CHECK (source IN ('llm', 'template')),
  -- false: a generic sequence for a lead with not enough evidence (only if the ICP allows it)
  personalised     boolean NOT NULL DEFAULT true,
  experiment_id    uuid REFERENCES experiment (id) ON DELETE SET NULL,
  status           text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'approved', 'rejected', 'active', 'paused', 'completed', 'stopped')),
  status_reason    text,
  -- hashes the lead, the research, the persona, the tone and the drafting method: a repeated
  -- step or an unchanged re-run drafts nothing new
  idempotency_key  text NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  approved_at      timestamptz,
  FOREIGN KEY (research_id, lead_id) REFERENCES research (id, lead_id) ON DELETE CASCADE,
  UNIQUE (id, research_id),
  CHECK ((status IN ('draft', 'rejected')) = (approved_at IS NULL)),
  CHECK (status NOT IN ('rejected', 'stopped') OR status_reason IS NOT NULL)
);
-- A lead is in at most one open sequence: a second one would write to the same person twice.
CREATE UNIQUE INDEX sequence_one_open_per_lead ON sequence (lead_id) WHERE status IN ('draft', 'approved', 'active', 'paused');
CREATE INDEX sequence_queue ON sequence (workspace_id, status, created_at DESC);
CREATE INDEX sequence_run ON sequence (run_id);

-- The touches of a sequence, in order. `day_offset` counts business days from the first touch.
CREATE TABLE sequence_step (
  id           uuid PRIMARY KEY,
  sequence_id  uuid NOT NULL REFERENCES sequence (id) ON DELETE CASCADE,
  position     integer NOT NULL CHECK (position BETWEEN 1 AND 20),
  kind         text NOT NULL CHECK (kind IN ('email', 'follow_up_email', 'linkedin_connection_note', 'linkedin_message', 'call_task')),
  day_offset   integer NOT NULL CHECK (day_offset BETWEEN 0 AND 90),
  UNIQUE (sequence_id, position),
  UNIQUE (id, sequence_id),
  CHECK (position > 1 OR day_offset = 0),
  CHECK (kind <> 'follow_up_email' OR position > 1)
);

-- The words of one step; the first touch has one message per experiment variant.
CREATE TABLE message (
  id              uuid PRIMARY KEY,
  sequence_id     uuid NOT NULL,
  step_id         uuid NOT NULL,
  research_id     uuid NOT NULL,
  variant         text CHECK (variant IN ('a', 'b')),
  angle           text NOT NULL CHECK (length(angle) > 0),
  subject         text CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 200),
  body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  source          text NOT NULL CHECK (source IN ('llm', 'template')),
  model           text,
  -- the prompt or template version that wrote it
  prompt_version  text NOT NULL,
  -- the checker's verdict on the current words; an edit resets it to 'unchecked' (trigger)
  grounding       text NOT NULL DEFAULT 'unchecked' CHECK (grounding IN ('unchecked', 'grounded', 'flagged', 'blocked')),
  checker_version text,
  checked_at      timestamptz,
  -- who changed the words last (NULL: as drafted); copied into message_edit
  edited_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (step_id, sequence_id) REFERENCES sequence_step (id, sequence_id) ON DELETE CASCADE,
  FOREIGN KEY (sequence_id, research_id) REFERENCES sequence (id, research_id) ON DELETE CASCADE,
  UNIQUE NULLS NOT DISTINCT (step_id, variant),
  UNIQUE (id, research_id),
  CHECK ((grounding = 'unchecked') = (checked_at IS NULL)),
  CHECK (grounding = 'unchecked' OR checker_version IS NOT NULL)
);
CREATE INDEX message_sequence ON message (sequence_id);

-- A sentence of a message and the fact it rests on. The composite keys make the fact one of the
-- sequence's research, hence the same lead's.
CREATE TABLE citation (
  message_id      uuid NOT NULL,
  research_id     uuid NOT NULL,
  sentence_index  integer NOT NULL CHECK (sentence_index >= 0),
  sentence        text NOT NULL CHECK (length(sentence) > 0),
  fact_id         uuid NOT NULL,
  PRIMARY KEY (message_id, sentence_index, fact_id),
  FOREIGN KEY (message_id, research_id) REFERENCES message (id, research_id) ON DELETE CASCADE,
  FOREIGN KEY (fact_id, research_id) REFERENCES fact (id, research_id) ON DELETE CASCADE
);
CREATE INDEX citation_fact ON citation (fact_id);

-- What the grounding checker found in a message's current words. `block` findings (an invented
-- specific, a foreign or unverified citation) keep the message from approval until edited.
CREATE TABLE risk_flag (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id      uuid NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  rule            text NOT NULL CHECK (rule IN (
                    'unknown_fact', 'foreign_fact', 'unverified_fact', 'invented_specific',
                    'pretended_relationship', 'banned_phrase', 'placeholder', 'too_long',
                    'missing_opt_out', 'spam_wording', 'all_caps_subject', 'uncited_specific')),
  severity        text NOT NULL CHECK (severity IN ('block', 'warn')),
  detail          text NOT NULL CHECK (length(detail) > 0),
  -- the offending words and where they are (sentence index in the body; -1 is the subject)
  excerpt         text,
  sentence_index  integer CHECK (sentence_index >= -1),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_flag_message ON risk_flag (message_id);

-- Every approval or rejection, by whom, and why: append-only.
CREATE TABLE approval (
  id                uuid PRIMARY KEY,
  sequence_id       uuid NOT NULL REFERENCES sequence (id) ON DELETE CASCADE,
  decision          text NOT NULL CHECK (decision IN ('approved', 'rejected')),
  decided_by        uuid REFERENCES app_user (id) ON DELETE SET NULL,
  decided_by_email  text CHECK (decided_by_email IS NULL OR decided_by_email = lower(decided_by_email)),
  -- approved by the ICP's autopilot, not by a person
  autopilot         boolean NOT NULL DEFAULT false,
  reason            text CHECK (reason IS NULL OR length(trim(reason)) > 0),
  -- how many risk flags the rep approved over (then a reason is required)
  flags_overridden  integer NOT NULL DEFAULT 0 CHECK (flags_overridden >= 0),
  decided_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (autopilot <> (decided_by_email IS NOT NULL)),
  CHECK (NOT autopilot OR (decision = 'approved' AND flags_overridden = 0)),
  CHECK (flags_overridden = 0 OR reason IS NOT NULL)
);
CREATE INDEX approval_sequence ON approval (sequence_id, decided_at DESC);

-- A rep's edit, before and after. Written by a trigger on every change of a message's words, so
-- no code path can edit without leaving the record the drafting learns from.
CREATE TABLE message_edit (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id      uuid NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  edited_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
  before_subject  text,
  before_body     text NOT NULL,
  after_subject   text,
  after_body      text NOT NULL,
  edited_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_edit_message ON message_edit (message_id);
CREATE INDEX message_edit_when ON message_edit (edited_at);

-- Which variant of an experiment a lead gets: decided once, never changed.
CREATE TABLE variant_assignment (
  experiment_id  uuid NOT NULL,
  lead_id        uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  variant        text NOT NULL,
  run_id         uuid REFERENCES run (id) ON DELETE SET NULL,
  assigned_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment_id, lead_id),
  FOREIGN KEY (experiment_id, variant) REFERENCES experiment_variant (experiment_id, variant) ON DELETE CASCADE
);

-- ---- sending and replies ---------------------------------------------------------------------

-- One try at sending one message. `sending` is written with the final Message-ID before the
-- mail provider is called; a crash in between leaves it for a person to resolve as `uncertain`.
CREATE TABLE send_attempt (
  id                   uuid PRIMARY KEY,
  message_id           uuid NOT NULL REFERENCES message (id) ON DELETE CASCADE,
  idempotency_key      text NOT NULL UNIQUE,
  status               text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'failed', 'uncertain')),
  from_email           text NOT NULL CHECK (from_email = lower(from_email) AND from_email LIKE '%_@_%'),
  to_email             text NOT NULL CHECK (to_email = lower(to_email) AND to_email LIKE '%_@_%'),
  -- the RFC 5322 Message-ID header, fixed before the provider is called
  rfc_message_id       text NOT NULL UNIQUE CHECK (rfc_message_id ~ '^<[^<>@ ]+@[^<>@ ]+>$'),
  provider             text NOT NULL,
  provider_message_id  text,
  error                text,
  started_at           timestamptz NOT NULL DEFAULT now(),
  finished_at          timestamptz,
  CHECK ((status = 'sending') = (finished_at IS NULL)),
  CHECK (status <> 'failed' OR error IS NOT NULL)
);
-- At most one attempt per message that may have reached the recipient.
CREATE UNIQUE INDEX send_attempt_once_per_message ON send_attempt (message_id) WHERE status <> 'failed';
CREATE INDEX send_attempt_open ON send_attempt (status) WHERE status IN ('sending', 'uncertain');

-- An inbound email, matched to what it answers when possible. The raw message is in the lake.
CREATE TABLE reply (
  id               uuid PRIMARY KEY,
  workspace_id     uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  rfc_message_id   text NOT NULL,
  in_reply_to      text,
  send_attempt_id  uuid REFERENCES send_attempt (id) ON DELETE SET NULL,
  sequence_id      uuid REFERENCES sequence (id) ON DELETE SET NULL,
  lead_id          uuid REFERENCES lead (id) ON DELETE SET NULL,
  from_email       text NOT NULL CHECK (from_email = lower(from_email)),
  subject          text,
  received_at      timestamptz NOT NULL,
  raw_key          text NOT NULL,
  content_sha256   text CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  classification   text CHECK (classification IN
                     ('interested', 'not_interested', 'question', 'referral', 'out_of_office', 'opt_out', 'bounce', 'other')),
  classified_by    text CHECK (classified_by IN ('rules', 'llm', 'rep')),
  confidence       numeric(3, 2) CHECK (confidence BETWEEN 0 AND 1),
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- the same email imported twice is one reply
  UNIQUE (workspace_id, rfc_message_id),
  CHECK ((classification IS NULL) = (classified_by IS NULL)),
  CHECK (sequence_id IS NULL OR lead_id IS NOT NULL)
);
CREATE INDEX reply_lead ON reply (lead_id, received_at DESC);

-- Opt-outs and bounces are suppressions too: say where each came from.
ALTER TABLE suppression ADD COLUMN source text NOT NULL DEFAULT 'onboarding'
  CHECK (source IN ('onboarding', 'opt_out', 'bounce', 'complaint', 'rep'));
ALTER TABLE suppression ADD COLUMN reply_id uuid REFERENCES reply (id) ON DELETE SET NULL;

-- What a sequence led to, one row per kind.
CREATE TABLE outcome (
  id           uuid PRIMARY KEY,
  sequence_id  uuid NOT NULL REFERENCES sequence (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN
                 ('replied', 'positive_reply', 'meeting_booked', 'opportunity', 'won', 'lost', 'opted_out', 'bounced', 'no_response')),
  reply_id     uuid REFERENCES reply (id) ON DELETE SET NULL,
  value_usd    numeric(14, 2) CHECK (value_usd >= 0),
  recorded_by  uuid REFERENCES app_user (id) ON DELETE SET NULL,
  note         text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sequence_id, kind),
  CHECK (kind NOT IN ('replied', 'positive_reply', 'opted_out', 'bounced') OR reply_id IS NOT NULL)
);

-- ---- triggers: the lifecycle ----------------------------------------------------------------

-- A sequence's allowed transitions, and what approval requires.
CREATE FUNCTION sequence_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  decision record;
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
      SELECT count(*) INTO bad FROM message WHERE sequence_id = NEW.id AND grounding IN ('unchecked', 'blocked');
      IF bad > 0 THEN
        RAISE EXCEPTION 'sequence %: % message(s) are blocked or not yet checked by the grounding checker', NEW.id, bad USING ERRCODE = 'check_violation';
      END IF;
      SELECT count(*) INTO flagged FROM message WHERE sequence_id = NEW.id AND grounding = 'flagged';
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
CREATE TRIGGER sequence_guard BEFORE UPDATE ON sequence FOR EACH ROW EXECUTE FUNCTION sequence_guard();

-- Steps, messages, citations and flags change only while their sequence is a draft. A delete
-- whose sequence is already gone is a cascade (a workspace or lead removed) and passes.
CREATE FUNCTION sequence_part_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data record;
  seq uuid;
  seq_status text;
BEGIN
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
CREATE TRIGGER sequence_step_frozen BEFORE INSERT OR UPDATE OR DELETE ON sequence_step FOR EACH ROW EXECUTE FUNCTION sequence_part_guard();
CREATE TRIGGER message_frozen BEFORE INSERT OR UPDATE OR DELETE ON message FOR EACH ROW EXECUTE FUNCTION sequence_part_guard();
CREATE TRIGGER citation_frozen BEFORE INSERT OR UPDATE OR DELETE ON citation FOR EACH ROW EXECUTE FUNCTION sequence_part_guard();
CREATE TRIGGER risk_flag_frozen BEFORE INSERT OR UPDATE OR DELETE ON risk_flag FOR EACH ROW EXECUTE FUNCTION sequence_part_guard();

-- New words need a new verdict: unless the same statement records one, an edit sends the
-- message back to 'unchecked'.
CREATE FUNCTION message_recheck() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.body IS DISTINCT FROM OLD.body OR NEW.subject IS DISTINCT FROM OLD.subject)
     AND NEW.checked_at IS NOT DISTINCT FROM OLD.checked_at THEN
    NEW.grounding := 'unchecked';
    NEW.checked_at := NULL;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER message_recheck BEFORE UPDATE ON message FOR EACH ROW EXECUTE FUNCTION message_recheck();

CREATE FUNCTION message_keep_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO message_edit (message_id, edited_by, before_subject, before_body, after_subject, after_body)
  VALUES (NEW.id, NEW.edited_by, OLD.subject, OLD.body, NEW.subject, NEW.body);
  RETURN NULL;
END;
$$;
CREATE TRIGGER message_keep_edit AFTER UPDATE OF subject, body ON message FOR EACH ROW
  WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.subject IS DISTINCT FROM NEW.subject)
  EXECUTE FUNCTION message_keep_edit();

-- Only verified facts are evidence.
CREATE FUNCTION citation_verified_fact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM fact WHERE id = NEW.fact_id AND verified) THEN
    RAISE EXCEPTION 'citation: fact % is not a verified fact', NEW.fact_id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER citation_verified_fact BEFORE INSERT OR UPDATE ON citation FOR EACH ROW EXECUTE FUNCTION citation_verified_fact();

-- Decisions are history: recorded for a draft, never rewritten.
CREATE FUNCTION approval_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  seq_status text;
BEGIN
  IF TG_OP = 'UPDATE' THEN
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
CREATE TRIGGER approval_guard BEFORE INSERT OR UPDATE ON approval FOR EACH ROW EXECUTE FUNCTION approval_guard();

CREATE FUNCTION variant_assignment_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.variant IS DISTINCT FROM OLD.variant OR NEW.lead_id IS DISTINCT FROM OLD.lead_id
     OR NEW.experiment_id IS DISTINCT FROM OLD.experiment_id THEN
    RAISE EXCEPTION 'variant_assignment: lead % keeps variant % of experiment %', OLD.lead_id, OLD.variant, OLD.experiment_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER variant_assignment_fixed BEFORE UPDATE ON variant_assignment FOR EACH ROW EXECUTE FUNCTION variant_assignment_fixed();

-- Nothing is sent before approval, after a stop, to anyone but the lead, to a suppressed
-- address, on a channel that is not email, or in a variant the lead was not assigned.
CREATE FUNCTION send_attempt_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  m record;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.message_id IS DISTINCT FROM OLD.message_id OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key
       OR NEW.rfc_message_id IS DISTINCT FROM OLD.rfc_message_id OR NEW.to_email IS DISTINCT FROM OLD.to_email
       OR NEW.from_email IS DISTINCT FROM OLD.from_email THEN
      RAISE EXCEPTION 'send_attempt %: message, key, Message-ID and addresses are fixed once written', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
         (OLD.status = 'sending' AND NEW.status IN ('sent', 'failed', 'uncertain'))
         OR (OLD.status = 'uncertain' AND NEW.status IN ('sent', 'failed'))) THEN
      RAISE EXCEPTION 'send_attempt %: status cannot go from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  SELECT msg.grounding, msg.variant, st.kind, s.status AS seq_status, s.workspace_id, s.experiment_id, s.lead_id, l.email
    INTO m
    FROM message msg
    JOIN sequence_step st ON st.id = msg.step_id
    JOIN sequence s ON s.id = msg.sequence_id
    JOIN lead l ON l.id = s.lead_id
   WHERE msg.id = NEW.message_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'send_attempt: message % does not exist', NEW.message_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF m.seq_status NOT IN ('approved', 'active') THEN
    RAISE EXCEPTION 'send_attempt: sequence of message % is %, not approved', NEW.message_id, m.seq_status USING ERRCODE = 'check_violation';
  END IF;
  IF m.grounding NOT IN ('grounded', 'flagged') THEN
    RAISE EXCEPTION 'send_attempt: message % is %', NEW.message_id, m.grounding USING ERRCODE = 'check_violation';
  END IF;
  IF m.kind NOT IN ('email', 'follow_up_email') THEN
    RAISE EXCEPTION 'send_attempt: message % is a % step, not an email', NEW.message_id, m.kind USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.to_email <> m.email THEN
    RAISE EXCEPTION 'send_attempt: to_email % is not the lead''s address', NEW.to_email USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM suppression sp WHERE sp.workspace_id = m.workspace_id
               AND ((sp.kind = 'email' AND sp.value = NEW.to_email)
                 OR (sp.kind = 'domain' AND (split_part(NEW.to_email, '@', 2) = sp.value OR split_part(NEW.to_email, '@', 2) LIKE '%.' || sp.value)))) THEN
    RAISE EXCEPTION 'send_attempt: % is suppressed', NEW.to_email USING ERRCODE = 'check_violation';
  END IF;
  IF m.variant IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM variant_assignment va WHERE va.experiment_id = m.experiment_id AND va.lead_id = m.lead_id AND va.variant = m.variant) THEN
    RAISE EXCEPTION 'send_attempt: message % is variant %, which lead % was not assigned', NEW.message_id, m.variant, m.lead_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER send_attempt_guard BEFORE INSERT OR UPDATE ON send_attempt FOR EACH ROW EXECUTE FUNCTION send_attempt_guard();

-- A reply stops its sequence; an opt-out or a bounce suppresses the address. Same transaction.
CREATE FUNCTION reply_effects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.sequence_id IS NOT NULL THEN
    UPDATE sequence SET status = 'stopped', status_reason = 'replied'
     WHERE id = NEW.sequence_id AND status IN ('approved', 'active', 'paused');
  END IF;
  IF NEW.classification IN ('opt_out', 'bounce')
     AND (TG_OP = 'INSERT' OR OLD.classification IS DISTINCT FROM NEW.classification) THEN
    INSERT INTO suppression (id, workspace_id, kind, value, reason, source, reply_id)
    SELECT gen_random_uuid(), NEW.workspace_id, 'email', coalesce(l.email, NEW.from_email),
           CASE NEW.classification WHEN 'opt_out' THEN 'Opted out by reply' ELSE 'Hard bounce' END,
           CASE NEW.classification WHEN 'opt_out' THEN 'opt_out' ELSE 'bounce' END, NEW.id
      FROM (SELECT 1) AS one LEFT JOIN lead l ON l.id = NEW.lead_id
    ON CONFLICT (workspace_id, kind, value) DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER reply_effects AFTER INSERT OR UPDATE OF classification ON reply FOR EACH ROW EXECUTE FUNCTION reply_effects();
