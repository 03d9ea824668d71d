-- Drafting in the state machine: what the ICP allows, and what drafting did for each lead of a run.

-- A researched lead at or above the threshold whose verified facts cannot be quoted gets no
-- personalised sequence; with this set it gets a generic one, labelled as such (personalised =
-- false). Off by default: a generic email is what Prospector exists to avoid.
ALTER TABLE icp ADD COLUMN generic_drafts boolean NOT NULL DEFAULT false;

-- A persona's place in its ICP as the onboarding file lists it: a lead whose title matches no
-- persona better gets the first one, so drafting must see them in the seller's order.
ALTER TABLE persona ADD COLUMN position integer CHECK (position >= 0);

-- The drafting outcome of one researched lead in one run: drafted (the sequence it has, new or
-- already there), not drafted (why: suppressed, already in an open sequence, nothing to quote),
-- or failed (the error; the lead's research stands). The run summary reads it; a lead the state
-- machine did not send to drafting (not researched, below the ICP's fit threshold) has no row,
-- and the summary says why from the research and the ICP. One row per run and lead, rewritten
-- by the last attempt (an LLM failure followed by a template draft ends `drafted`).
CREATE TABLE lead_draft (
  run_id       uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  lead_id      uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  outcome      text NOT NULL CHECK (outcome IN ('drafted', 'not_drafted', 'failed')),
  reason       text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 1000),
  sequence_id  uuid REFERENCES sequence (id) ON DELETE SET NULL,
  -- who wrote the words of a drafted sequence
  source       text CHECK (source IN ('llm', 'template')),
  error_name   text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, lead_id),
  CHECK ((outcome = 'drafted') = (source IS NOT NULL)),
  CHECK (outcome = 'drafted' OR reason IS NOT NULL),
  CHECK ((outcome = 'failed') = (error_name IS NOT NULL))
);
CREATE INDEX lead_draft_sequence ON lead_draft (sequence_id);
