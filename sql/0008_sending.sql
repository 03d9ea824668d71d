-- Sending: which mailbox a rep sends from, when a lead may be written to, and the queue of
-- approved messages waiting for their moment.
--
-- The rules that protect a rep's mailbox live in lambdas/core/sending/policy.ts (time zones,
-- windows, warm-up, spacing); what the database holds here is what those rules need and the
-- invariants no code path may break:
-- - one active mailbox per rep, with a cap per day and per recipient domain that cannot be
--   configured into a burst (bounded, per-domain cap never above the daily cap);
-- - a window is at least one weekday and a non-empty span of local hours;
-- - a message is queued once, and a claimed row always says who claimed it and when;
-- - a row's time to go is always inside a window occurrence (`window_ends_at` after
--   `scheduled_at`), so the claim, a single SQL statement, never needs the time-zone rules.

-- A rep's sending address. `warmup_started_at` NULL: an established mailbox, no ramp.
CREATE TABLE mailbox (
  id                    uuid PRIMARY KEY,
  workspace_id          uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  rep_id                uuid REFERENCES app_user (id) ON DELETE SET NULL,
  address               text NOT NULL CHECK (address = lower(address) AND address LIKE '%_@_%'),
  provider              text NOT NULL CHECK (provider IN ('smtp', 'ses')),
  daily_cap             integer NOT NULL DEFAULT 40 CHECK (daily_cap BETWEEN 1 AND 500),
  per_domain_daily_cap  integer NOT NULL DEFAULT 3 CHECK (per_domain_daily_cap >= 1),
  -- the least time between two sends; each gap adds up to half of it again at random
  min_spacing_seconds   integer NOT NULL DEFAULT 120 CHECK (min_spacing_seconds BETWEEN 30 AND 3600),
  warmup_started_at     timestamptz DEFAULT now(),
  -- the earliest moment the next send may be claimed (last claim plus a randomised spacing)
  next_send_at          timestamptz,
  active                boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, address),
  CHECK (per_domain_daily_cap <= daily_cap)
);
CREATE UNIQUE INDEX mailbox_one_active_per_rep ON mailbox (rep_id) WHERE active;

-- When a lead may receive mail, in the lead's local time. `icp_id` NULL is the workspace's
-- window; an ICP's row overrides it. `days` lists ISO weekdays in order (1 Monday .. 7 Sunday):
-- '234' is Tuesday to Thursday. No row at all means the default, Tue–Thu 08:00–11:00.
CREATE TABLE send_window (
  id            uuid PRIMARY KEY,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  icp_id        uuid REFERENCES icp (id) ON DELETE CASCADE,
  days          text NOT NULL DEFAULT '234' CHECK (days ~ '^1?2?3?4?5?6?7?$' AND days <> ''),
  start_local   time NOT NULL DEFAULT '08:00',
  end_local     time NOT NULL DEFAULT '11:00',
  UNIQUE NULLS NOT DISTINCT (workspace_id, icp_id),
  CHECK (end_local > start_local)
);

-- An approved email message waiting to go. Kept apart from `message`, whose words are frozen at
-- approval: scheduling changes often, the words never.
CREATE TABLE scheduled_message (
  message_id      uuid PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
  sequence_id     uuid NOT NULL REFERENCES sequence (id) ON DELETE CASCADE,
  workspace_id    uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  mailbox_id      uuid NOT NULL REFERENCES mailbox (id) ON DELETE CASCADE,
  status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'claimed', 'done', 'cancelled')),
  -- the window occurrence it may go in: from scheduled_at until window_ends_at
  scheduled_at    timestamptz NOT NULL,
  window_ends_at  timestamptz NOT NULL,
  -- the lead's zone as resolved when scheduled, and where it came from (research, company, workspace)
  time_zone       text NOT NULL CHECK (length(time_zone) > 0),
  zone_source     text NOT NULL CHECK (zone_source IN ('lead', 'company', 'workspace')),
  -- higher goes first: the research's fit score (intent will add to it)
  priority        integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 1000),
  -- why it did not go at its time, in words a rep can read; cleared when claimed
  deferred_reason text CHECK (deferred_reason IS NULL OR length(deferred_reason) > 0),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 10),
  next_retry_at   timestamptz,
  claimed_at      timestamptz,
  claimed_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (window_ends_at > scheduled_at),
  CHECK ((status = 'claimed') = (claimed_at IS NOT NULL AND claimed_by IS NOT NULL)),
  CHECK (next_retry_at IS NULL OR attempts > 0),
  CHECK (status = 'scheduled' OR deferred_reason IS NULL)
);
-- The claim's scan: rows waiting, by the moment they may go.
CREATE INDEX scheduled_message_due ON scheduled_message (workspace_id, scheduled_at) WHERE status IN ('scheduled', 'claimed');
CREATE INDEX scheduled_message_mailbox ON scheduled_message (mailbox_id, status);
