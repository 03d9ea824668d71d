-- Onboarding: everything a seller gives once. One workspace per seller organisation.
-- Lists that are read whole and never joined on (value propositions, titles, keywords) are
-- text[]; records with their own identity and lifecycle (ICPs, personas, products) are tables.

CREATE TABLE workspace (
  id          uuid PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Sales reps who send the emails the research feeds.
CREATE TABLE app_user (
  id             uuid PRIMARY KEY,
  workspace_id   uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  name           text NOT NULL,
  email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
  title          text,
  timezone       text NOT NULL DEFAULT 'UTC',
  signature      text,
  calendar_link  text CHECK (calendar_link IS NULL OR calendar_link ~ '^https?://'),
  role           text NOT NULL DEFAULT 'rep' CHECK (role IN ('admin', 'rep')),
  UNIQUE (workspace_id, email)
);

-- The seller's own company: what the outreach is on behalf of.
CREATE TABLE seller_company (
  workspace_id      uuid PRIMARY KEY REFERENCES workspace (id) ON DELETE CASCADE,
  name              text NOT NULL,
  website           text NOT NULL CHECK (website ~ '^https?://'),
  domain            text NOT NULL,
  description       text NOT NULL,
  value_propositions text[] NOT NULL DEFAULT '{}',
  differentiators   text[] NOT NULL DEFAULT '{}',
  -- [{title, customer, summary, metric, url}]
  proof_points      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(proof_points) = 'array'),
  -- [{name, domain, notes}]
  competitors       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(competitors) = 'array'),
  -- domains of existing customers: never prospected
  customer_domains  text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE product (
  id             uuid PRIMARY KEY,
  workspace_id   uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  name           text NOT NULL,
  description    text NOT NULL,
  pricing_model  text NOT NULL CHECK (pricing_model IN ('per_seat', 'usage', 'flat', 'tiered', 'custom', 'freemium')),
  price_notes    text,
  features       text[] NOT NULL DEFAULT '{}',
  pains_solved   text[] NOT NULL DEFAULT '{}',
  use_cases      text[] NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, name)
);

CREATE TABLE icp (
  id                uuid PRIMARY KEY,
  workspace_id      uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  slug              text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name              text NOT NULL,
  description       text NOT NULL DEFAULT '',
  industries        text[] NOT NULL DEFAULT '{}',
  employees_min     integer CHECK (employees_min >= 0),
  employees_max     integer CHECK (employees_max >= 0),
  revenue_min_usd   bigint CHECK (revenue_min_usd >= 0),
  revenue_max_usd   bigint CHECK (revenue_max_usd >= 0),
  geographies       text[] NOT NULL DEFAULT '{}',
  technologies      text[] NOT NULL DEFAULT '{}',
  funding_stages    text[] NOT NULL DEFAULT '{}',
  buying_triggers   text[] NOT NULL DEFAULT '{}',
  -- who is never a fit, in the rep's words (e.g. "agencies", "fewer than 20 staff")
  negative_icp      text[] NOT NULL DEFAULT '{}',
  search_keywords   text[] NOT NULL CHECK (cardinality(search_keywords) > 0),
  -- a cron or rate expression as EventBridge Scheduler takes it
  schedule          text NOT NULL DEFAULT 'rate(1 day)',
  daily_lead_quota  integer NOT NULL DEFAULT 50 CHECK (daily_lead_quota BETWEEN 1 AND 10000),
  active            boolean NOT NULL DEFAULT true,
  products          text[] NOT NULL DEFAULT '{}',
  UNIQUE (workspace_id, slug),
  CHECK (employees_max IS NULL OR employees_min IS NULL OR employees_max >= employees_min),
  CHECK (revenue_max_usd IS NULL OR revenue_min_usd IS NULL OR revenue_max_usd >= revenue_min_usd)
);

CREATE TABLE persona (
  id               uuid PRIMARY KEY,
  icp_id           uuid NOT NULL REFERENCES icp (id) ON DELETE CASCADE,
  name             text NOT NULL,
  titles           text[] NOT NULL CHECK (cardinality(titles) > 0),
  seniority        text NOT NULL CHECK (seniority IN ('ic', 'manager', 'director', 'vp', 'c_level', 'owner')),
  departments      text[] NOT NULL DEFAULT '{}',
  responsibilities text[] NOT NULL DEFAULT '{}',
  pains            text[] NOT NULL DEFAULT '{}',
  goals            text[] NOT NULL DEFAULT '{}',
  objections       text[] NOT NULL DEFAULT '{}',
  UNIQUE (icp_id, name)
);

CREATE TABLE tone_of_voice (
  workspace_id    uuid PRIMARY KEY REFERENCES workspace (id) ON DELETE CASCADE,
  formality       numeric(3, 2) NOT NULL CHECK (formality BETWEEN 0 AND 1),
  warmth          numeric(3, 2) NOT NULL CHECK (warmth BETWEEN 0 AND 1),
  directness      numeric(3, 2) NOT NULL CHECK (directness BETWEEN 0 AND 1),
  language        text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  max_words       integer NOT NULL DEFAULT 120 CHECK (max_words BETWEEN 30 AND 400),
  call_to_action  text NOT NULL,
  sample_email    text,
  banned_phrases  text[] NOT NULL DEFAULT '{}'
);

-- Never contacted, never researched: opt-outs, existing customers, legal holds.
CREATE TABLE suppression (
  id            uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('email', 'domain')),
  value         text NOT NULL CHECK (value = lower(value)),
  reason        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, kind, value)
);
