-- Intent: what changed at a company between two runs, and how much it says "buy now".
--
-- A company_signal is one change found by comparing the clean text of a page with its previous
-- snapshot (same URL, or the same page kind when the URL moved): a job opened or closed, a price
-- or plan changed, a customer added or removed, a location, a product or integration, a
-- leadership change, an announcement, a technology added or removed. Detection is deterministic
-- (lambdas/core/intent/detect.ts); every signal keeps the quote before and after (one of them is
-- NULL for a pure addition or removal) and the lake keys of both clean texts, so the evidence can
-- be re-read at any time. The dedupe key hashes the kind, the item and both clean-text hashes:
-- detecting the same change twice (a repeated step, a redrive, a re-run) writes nothing.
CREATE TABLE company_signal (
  id                  uuid PRIMARY KEY,
  workspace_id        uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  company_id          uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  -- the run whose fetch showed the change
  run_id              uuid REFERENCES run (id) ON DELETE SET NULL,
  kind                text NOT NULL CHECK (kind IN (
                        'job_opened', 'job_closed', 'pricing_changed', 'customer_added', 'customer_removed',
                        'location_added', 'product_added', 'leadership_changed', 'announcement',
                        'technology_added', 'technology_removed')),
  -- the structured change: item, function and seniority of a job, old and new price, ...
  detail              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),
  -- a deterministic one-line description, built from the item (never from an LLM)
  summary             text NOT NULL CHECK (length(summary) > 0),
  -- an LLM's summary of the change, kept only when the grounding check found it supported by the quotes
  llm_summary         text,
  before_quote        text,
  after_quote         text,
  -- lake keys of the clean text before and after (clean/text/domain=…/<sha256>.md)
  before_key          text,
  after_key           text,
  before_snapshot_id  uuid REFERENCES page_snapshot (id) ON DELETE SET NULL,
  after_snapshot_id   uuid REFERENCES page_snapshot (id) ON DELETE SET NULL,
  url                 text NOT NULL,
  page_kind           text NOT NULL DEFAULT 'other',
  -- when the page showing the change was fetched
  observed_at         timestamptz NOT NULL,
  detected_at         timestamptz NOT NULL DEFAULT now(),
  dedupe_key          text NOT NULL CHECK (dedupe_key ~ '^[0-9a-f]{64}$'),
  UNIQUE (company_id, dedupe_key),
  CHECK (before_quote IS NOT NULL OR after_quote IS NOT NULL),
  CHECK ((before_quote IS NULL) = (before_key IS NULL)),
  CHECK ((after_quote IS NULL) = (after_key IS NULL))
);
CREATE INDEX company_signal_company ON company_signal (company_id, observed_at DESC);
CREATE INDEX company_signal_workspace ON company_signal (workspace_id, detected_at DESC);
CREATE INDEX company_signal_run ON company_signal (run_id);

-- The intent score of a company for an ICP: 0-100, separate from fit, recomputed by fixed rules
-- (lambdas/core/intent/score.ts) from the company's signals, the ICP's buying triggers and the
-- signals' age. `reasons` lists each signal's contribution; page text never sets the number.
CREATE TABLE company_intent (
  company_id    uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  icp_id        uuid NOT NULL REFERENCES icp (id) ON DELETE CASCADE,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  score         integer NOT NULL CHECK (score BETWEEN 0 AND 100),
  reasons       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(reasons) = 'array'),
  signals       integer NOT NULL DEFAULT 0 CHECK (signals >= 0),
  rules_version text NOT NULL,
  computed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, icp_id)
);
CREATE INDEX company_intent_workspace ON company_intent (workspace_id, score DESC);

-- What change detection found for a company in a run: first seen (nothing to compare with),
-- unchanged (every page the same clean text, or a 304), changed (signals or not: a markup-only
-- change is a changed hash with no signal), or failed (the error; the lead went on).
-- pages_not_modified counts conditional requests answered 304 (the watch schedule's re-checks).
CREATE TABLE company_change_check (
  run_id              uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  company_id          uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  status              text NOT NULL CHECK (status IN ('first_seen', 'unchanged', 'changed', 'failed')),
  pages               integer NOT NULL DEFAULT 0 CHECK (pages >= 0),
  pages_unchanged     integer NOT NULL DEFAULT 0 CHECK (pages_unchanged >= 0),
  pages_not_modified  integer NOT NULL DEFAULT 0 CHECK (pages_not_modified >= 0),
  pages_changed       integer NOT NULL DEFAULT 0 CHECK (pages_changed >= 0),
  pages_removed       integer NOT NULL DEFAULT 0 CHECK (pages_removed >= 0),
  signals             integer NOT NULL DEFAULT 0 CHECK (signals >= 0),
  error               text,
  checked_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, company_id),
  CHECK ((status = 'failed') = (error IS NOT NULL))
);
