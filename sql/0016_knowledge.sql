-- Knowledge documents and the responses drafted from them.
--
-- A seller's knowledge (FAQ, pricing notes, security answers, case studies) is stored whole in the
-- lake (knowledge/<workspace>/<sha256>.md) and here as passages, the units retrieval ranks and a
-- response cites. A document is identified by its content: the same text re-onboarded is the same
-- row with the same passage ids; a document dropped from the onboarding file is deactivated, not
-- deleted, so a response that cited it keeps its evidence.
--
-- A response to a prospect's reply is a draft in the approval queue like an outreach sequence:
-- checked by the grounding checker against the passages retrieved for it, approved only when no
-- sentence invents a specific (and only with a reason over risk flags), frozen once decided.
-- Invariants carried here:
-- - one response draft per reply (UNIQUE reply_id): drafting twice writes nothing new;
-- - a citation points at a passage of the response's own workspace (composite foreign key);
-- - decided responses, their citations and flags no longer change; an edit sends the words back
--   to the checker and is kept as before/after.

CREATE TABLE knowledge_document (
  id              uuid PRIMARY KEY,
  workspace_id    uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  title           text NOT NULL CHECK (length(trim(title)) BETWEEN 1 AND 200),
  format          text NOT NULL CHECK (format IN ('markdown', 'text')),
  -- the path as the onboarding file gives it, or 'inline'
  source          text NOT NULL CHECK (length(source) > 0),
  content_sha256  text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  -- the document as onboarded, in the lake; NULL when the import had no lake (onboarding through
  -- the Data API from a laptop): the passages below are all retrieval needs
  lake_key        text CHECK (lake_key LIKE 'knowledge/%'),
  chars           integer NOT NULL CHECK (chars BETWEEN 1 AND 200000),
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, content_sha256),
  UNIQUE (id, workspace_id)
);

CREATE TABLE knowledge_passage (
  workspace_id  uuid NOT NULL,
  -- stable: kp-<first 12 hex of the document's sha256>-<position>
  id            text NOT NULL CHECK (id ~ '^kp-[0-9a-f]{12}-[1-9][0-9]*$'),
  document_id   uuid NOT NULL,
  position      integer NOT NULL CHECK (position >= 1),
  heading       text CHECK (heading IS NULL OR length(heading) BETWEEN 1 AND 1000),
  text          text NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (document_id, position),
  FOREIGN KEY (document_id, workspace_id) REFERENCES knowledge_document (id, workspace_id) ON DELETE CASCADE
);

-- ---- responses to replies --------------------------------------------------------------------

CREATE TABLE reply_response (
  id               uuid PRIMARY KEY,
  workspace_id     uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  reply_id         uuid NOT NULL UNIQUE REFERENCES reply (id) ON DELETE CASCADE,
  lead_id          uuid REFERENCES lead (id) ON DELETE SET NULL,
  to_email         text NOT NULL CHECK (to_email = lower(to_email) AND to_email LIKE '%_@_%'),
  rep_email        text NOT NULL CHECK (rep_email = lower(rep_email) AND rep_email LIKE '%_@_%'),
  subject          text CHECK (subject IS NULL OR length(subject) BETWEEN 1 AND 200),
  body             text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  -- who wrote the words: the LLM, or the offline template (labelled as such everywhere)
  source           text NOT NULL CHECK (source IN ('llm', 'template')),
  model            text,
  prompt_version   text NOT NULL,
  -- the questions answered, each with the passage ids retrieved for it
  questions        jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(questions) = 'array'),
  -- what must come from the rep (a question no passage answers), in words the rep reads
  rep_items        jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(rep_items) = 'array'),
  grounding        text NOT NULL DEFAULT 'unchecked' CHECK (grounding IN ('unchecked', 'grounded', 'flagged', 'blocked')),
  checker_version  text,
  checked_at       timestamptz,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
  decided_by_email text CHECK (decided_by_email IS NULL OR decided_by_email = lower(decided_by_email)),
  decision_reason  text CHECK (decision_reason IS NULL OR length(trim(decision_reason)) > 0),
  flags_overridden integer NOT NULL DEFAULT 0 CHECK (flags_overridden >= 0),
  decided_at       timestamptz,
  edited_by        uuid REFERENCES app_user (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, workspace_id),
  CHECK ((grounding = 'unchecked') = (checked_at IS NULL)),
  CHECK ((status = 'draft') = (decided_at IS NULL)),
  CHECK (status = 'draft' OR decided_by_email IS NOT NULL),
  CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
  CHECK (status <> 'approved' OR grounding IN ('grounded', 'flagged')),
  CHECK (flags_overridden = 0 OR decision_reason IS NOT NULL)
);
CREATE INDEX reply_response_queue ON reply_response (workspace_id, status, created_at DESC);

-- A sentence of a response and the passage it rests on, of the same workspace.
CREATE TABLE reply_response_citation (
  response_id     uuid NOT NULL,
  workspace_id    uuid NOT NULL,
  sentence_index  integer NOT NULL CHECK (sentence_index >= 0),
  sentence        text NOT NULL CHECK (length(sentence) > 0),
  passage_id      text NOT NULL,
  PRIMARY KEY (response_id, sentence_index, passage_id),
  FOREIGN KEY (response_id, workspace_id) REFERENCES reply_response (id, workspace_id) ON DELETE CASCADE,
  FOREIGN KEY (workspace_id, passage_id) REFERENCES knowledge_passage (workspace_id, id)
);

-- What the grounding checker found in a response's current words (rules as in risk_flag).
CREATE TABLE reply_response_flag (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  response_id     uuid NOT NULL REFERENCES reply_response (id) ON DELETE CASCADE,
  rule            text NOT NULL CHECK (rule IN (
                    'unknown_fact', 'foreign_fact', 'unverified_fact', 'invented_specific',
                    'pretended_relationship', 'banned_phrase', 'placeholder', 'too_long',
                    'missing_opt_out', 'spam_wording', 'all_caps_subject', 'uncited_specific')),
  severity        text NOT NULL CHECK (severity IN ('block', 'warn')),
  detail          text NOT NULL CHECK (length(detail) > 0),
  excerpt         text,
  sentence_index  integer CHECK (sentence_index >= -1)
);
CREATE INDEX reply_response_flag_response ON reply_response_flag (response_id);

-- A rep's edit of a response, before and after (written by the trigger below).
CREATE TABLE reply_response_edit (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  response_id     uuid NOT NULL REFERENCES reply_response (id) ON DELETE CASCADE,
  edited_by       uuid REFERENCES app_user (id) ON DELETE SET NULL,
  before_subject  text,
  before_body     text NOT NULL,
  after_subject   text,
  after_body      text NOT NULL,
  edited_at       timestamptz NOT NULL DEFAULT now()
);

-- Decided responses are frozen; a draft may be decided once; new words need a new verdict;
-- approval needs no blocked finding and, over flags, a reason.
CREATE FUNCTION reply_response_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
CREATE TRIGGER reply_response_guard BEFORE UPDATE ON reply_response FOR EACH ROW EXECUTE FUNCTION reply_response_guard();

CREATE FUNCTION reply_response_part_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_data record;
  response_status text;
BEGIN
  IF TG_OP = 'DELETE' THEN row_data := OLD; ELSE row_data := NEW; END IF;
  SELECT status INTO response_status FROM reply_response WHERE id = row_data.response_id;
  IF response_status IS NOT NULL AND response_status <> 'draft' THEN
    RAISE EXCEPTION '%: response % is %, its evidence can no longer change', TG_TABLE_NAME, row_data.response_id, response_status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER reply_response_citation_frozen BEFORE INSERT OR UPDATE OR DELETE ON reply_response_citation FOR EACH ROW EXECUTE FUNCTION reply_response_part_guard();
CREATE TRIGGER reply_response_flag_frozen BEFORE INSERT OR UPDATE OR DELETE ON reply_response_flag FOR EACH ROW EXECUTE FUNCTION reply_response_part_guard();

CREATE FUNCTION reply_response_keep_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reply_response_edit (response_id, edited_by, before_subject, before_body, after_subject, after_body)
  VALUES (NEW.id, NEW.edited_by, OLD.subject, OLD.body, NEW.subject, NEW.body);
  RETURN NULL;
END;
$$;
CREATE TRIGGER reply_response_keep_edit AFTER UPDATE OF subject, body ON reply_response FOR EACH ROW
  WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.subject IS DISTINCT FROM NEW.subject)
  EXECUTE FUNCTION reply_response_keep_edit();
