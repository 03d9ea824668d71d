-- A trigger for outreach: a fresh, strong signal may start a sequence for a lead of its company.
--
-- lambdas/core/intent/trigger.ts picks, per company whose intent for an ICP reached the threshold,
-- its newest signal observed within the freshness window that has an after-quote (so a draft can
-- cite it), and one lead of the company with no live sequence (draft, approved, active, paused)
-- whose address is not invalid or suppressed and whose company is not cooling off. The row hands
-- the lead to the normal drafting and approval queue (status `pending`; `drafted` with the
-- sequence once written). The primary key on the signal is the idempotency rule: the same signal
-- never starts two sequences, however often the selection runs.
CREATE TABLE outreach_trigger (
  signal_id     uuid PRIMARY KEY REFERENCES company_signal (id) ON DELETE CASCADE,
  workspace_id  uuid NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
  company_id    uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  lead_id       uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  icp_id        uuid NOT NULL REFERENCES icp (id) ON DELETE CASCADE,
  intent_score  integer NOT NULL CHECK (intent_score BETWEEN 0 AND 100),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'drafted')),
  sequence_id   uuid REFERENCES sequence (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outreach_trigger_pending ON outreach_trigger (workspace_id, status, created_at);
