-- The pipeline: runs, leads, what was fetched, what the research found, what it cost.

CREATE TABLE run (
  id                 uuid PRIMARY KEY,
  workspace_id       uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  trigger            text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  -- how many times this run's failed leads were re-processed (a redrive reuses the run)
  redrives           integer NOT NULL DEFAULT 0 CHECK (redrives >= 0),
  status             text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  llm_provider       text NOT NULL,
  lead_source        text NOT NULL,
  started_at         timestamptz NOT NULL DEFAULT now(),
  finished_at        timestamptz,
  -- counts and totals written by FinishRun
  summary            jsonb,
  CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX run_workspace_started ON run (workspace_id, started_at DESC);

-- One search_leads(keywords) call per ICP per run.
CREATE TABLE search_query (
  id            uuid PRIMARY KEY,
  run_id        uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  icp_id        uuid REFERENCES icp (id) ON DELETE SET NULL,
  provider      text NOT NULL,
  keywords      text[] NOT NULL,
  results       integer NOT NULL CHECK (results >= 0),
  accepted      integer NOT NULL CHECK (accepted >= 0),
  rejected      jsonb NOT NULL DEFAULT '[]',
  executed_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, icp_id)
);

-- A company behind one or more leads, unique by normalized registrable host.
CREATE TABLE lead_company (
  id            uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  domain        text NOT NULL CHECK (domain = lower(domain) AND domain !~ '[/:@ ]'),
  name          text NOT NULL,
  website       text NOT NULL CHECK (website ~ '^https?://'),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, domain)
);

CREATE TABLE lead (
  id             uuid PRIMARY KEY,
  workspace_id   uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  company_id     uuid NOT NULL REFERENCES lead_company (id),
  email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
  name           text NOT NULL,
  -- the ICP whose search first found this lead
  icp_id         uuid REFERENCES icp (id) ON DELETE SET NULL,
  first_run_id   uuid REFERENCES run (id) ON DELETE SET NULL,
  first_seen_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, email)
);
CREATE INDEX lead_company_idx ON lead (company_id);

-- What happened to each lead in each run: the unit the lead Map iterates over.
CREATE TABLE run_lead (
  run_id       uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  lead_id      uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  icp_id       uuid REFERENCES icp (id) ON DELETE SET NULL,
  is_new       boolean NOT NULL,
  status       text NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'fetched', 'cleaned', 'researched', 'skipped', 'failed')),
  reason       text,
  research_id  uuid,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, lead_id),
  CHECK (status NOT IN ('skipped', 'failed') OR reason IS NOT NULL)
);
CREATE INDEX run_lead_status ON run_lead (run_id, status);

-- One fetched URL. Bodies live in the lake; the row keeps where and what.
CREATE TABLE page_snapshot (
  id             uuid PRIMARY KEY,
  company_id     uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  run_id         uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  url            text NOT NULL,
  final_url      text,
  kind           text NOT NULL DEFAULT 'other',
  outcome        text NOT NULL CHECK (outcome IN ('fetched', 'robots', 'not_html', 'too_large', 'error', 'budget')),
  http_status    integer,
  content_type   text,
  bytes          integer CHECK (bytes >= 0),
  content_sha256 text CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  raw_key        text,
  meta_key       text,
  clean_key      text,
  clean_sha256   text CHECK (clean_sha256 ~ '^[0-9a-f]{64}$'),
  clean_chars    integer,
  error          text,
  fetched_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, company_id, url),
  CHECK (outcome <> 'fetched' OR (content_sha256 IS NOT NULL AND raw_key IS NOT NULL))
);
CREATE INDEX page_snapshot_company ON page_snapshot (company_id, fetched_at DESC);

-- A site fetched to the end in a run: other leads of the same company reuse its pages instead
-- of fetching again, and never reuse a fetch that is still under way.
CREATE TABLE site_fetch (
  run_id        uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  company_id    uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  pages         integer NOT NULL CHECK (pages >= 0),
  tried         integer NOT NULL CHECK (tried >= pages),
  bytes         integer NOT NULL CHECK (bytes >= 0),
  completed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, company_id)
);

-- Research of one lead in one run. The idempotency key hashes everything the research
-- depends on (lead, page contents, prompt version, models, onboarding), so repeating a step or
-- re-running with unchanged pages never writes a second row or pays for tokens twice.
CREATE TABLE research (
  id                 uuid PRIMARY KEY,
  lead_id            uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  run_id             uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  idempotency_key    text NOT NULL UNIQUE,
  status             text NOT NULL CHECK (status IN ('researched', 'insufficient_evidence')),
  llm_provider       text NOT NULL,
  model              text NOT NULL,
  prompt_version     text NOT NULL,
  fit_score          integer CHECK (fit_score BETWEEN 0 AND 100),
  summary            text NOT NULL,
  -- the synthesis: fit reasons, intent signals, pains, hooks, email angle, verification counts
  findings           jsonb NOT NULL CHECK (jsonb_typeof(findings) = 'object'),
  prompt_tokens      integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens  integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  cost_usd           numeric(12, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
  lake_key           text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, lead_id)
);
CREATE INDEX research_lead ON research (lead_id, created_at DESC);

ALTER TABLE run_lead ADD CONSTRAINT run_lead_research_fk
  FOREIGN KEY (research_id) REFERENCES research (id) ON DELETE SET NULL;

-- A claim with its evidence: the exact quote and the page it came from.
CREATE TABLE fact (
  id             uuid PRIMARY KEY,
  research_id    uuid NOT NULL REFERENCES research (id) ON DELETE CASCADE,
  -- the id the LLM and the hooks use (f1, f2, ...), unique within one research
  local_id       text NOT NULL,
  category       text NOT NULL CHECK (category IN
                   ('firmographic', 'product', 'customer', 'hiring', 'funding', 'news', 'technology', 'pain', 'other')),
  claim          text NOT NULL CHECK (length(claim) > 0),
  quote          text NOT NULL CHECK (length(quote) > 0),
  snapshot_id    uuid NOT NULL REFERENCES page_snapshot (id),
  source_url     text NOT NULL,
  verified       boolean NOT NULL,
  UNIQUE (research_id, local_id)
);
CREATE INDEX fact_research ON fact (research_id);

-- Every LLM call: what it cost and how long it took. Prompt and answer are in the lake.
CREATE TABLE llm_call (
  id                 uuid PRIMARY KEY,
  run_id             uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  lead_id            uuid REFERENCES lead (id) ON DELETE SET NULL,
  research_id        uuid REFERENCES research (id) ON DELETE CASCADE,
  pass               text NOT NULL,
  provider           text NOT NULL,
  model              text NOT NULL,
  prompt_version     text NOT NULL,
  prompt_tokens      integer NOT NULL CHECK (prompt_tokens >= 0),
  completion_tokens  integer NOT NULL CHECK (completion_tokens >= 0),
  latency_ms         integer NOT NULL CHECK (latency_ms >= 0),
  cost_usd           numeric(12, 6) NOT NULL CHECK (cost_usd >= 0),
  request_id         text,
  outcome            text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'invalid', 'repaired')),
  lake_key           text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_call_run ON llm_call (run_id);

-- Why a lead failed in a run, at which stage, after how many attempts.
CREATE TABLE lead_failure (
  id           uuid PRIMARY KEY,
  run_id       uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  lead_id      uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  stage        text NOT NULL CHECK (stage IN ('search', 'fetch', 'clean', 'research', 'commit')),
  error_name   text NOT NULL,
  message      text NOT NULL,
  attempts     integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
  failed_at    timestamptz NOT NULL DEFAULT now(),
  -- set when a redrive later researched or skipped the lead; the failure stays as history
  resolved_at  timestamptz,
  UNIQUE (run_id, lead_id)
);
