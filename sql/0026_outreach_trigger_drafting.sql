-- A trigger for outreach, consumed: the drafting step of the run that researched the lead drafts
-- a sequence for it (lambdas/core/intent/trigger-draft.ts), citing the signal, and settles the
-- trigger: `drafted` with the sequence, or `skipped` with the reason drafting was refused (the
-- after-quote is not in the stored page, no message could be drafted, the grounding checker
-- blocked every first touch). `run_id` is the run whose drafting step claimed it: a repeated
-- step of that run (a retry, a redrive, the template fallback) finds its trigger again and
-- drafts nothing twice.
ALTER TABLE outreach_trigger DROP CONSTRAINT outreach_trigger_status_check;
ALTER TABLE outreach_trigger ADD CONSTRAINT outreach_trigger_status_check CHECK (status IN ('pending', 'drafted', 'skipped'));
ALTER TABLE outreach_trigger ADD COLUMN run_id uuid REFERENCES run (id) ON DELETE SET NULL;
ALTER TABLE outreach_trigger ADD COLUMN reason text CHECK (length(reason) <= 1000);
ALTER TABLE outreach_trigger ADD COLUMN settled_at timestamptz;
ALTER TABLE outreach_trigger ADD CONSTRAINT outreach_trigger_skipped_reason CHECK (status <> 'skipped' OR reason IS NOT NULL);
CREATE INDEX outreach_trigger_lead ON outreach_trigger (lead_id, status);

-- The signal as a citable fact of the research a triggered sequence is drafted from: its quote
-- is the signal's after-quote, its page the after snapshot (so a citation resolves to the after
-- page's clean text in the lake), verified only when the quote is found in that stored text.
ALTER TABLE fact ADD COLUMN signal_id uuid REFERENCES company_signal (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX fact_research_signal ON fact (research_id, signal_id) WHERE signal_id IS NOT NULL;
