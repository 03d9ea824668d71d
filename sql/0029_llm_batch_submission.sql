-- Batch mode: a crash-safe SubmitLlmBatch. Before it creates a Groq batch, SubmitLlmBatch writes
-- the round's submission key here and sends it in the batch's `metadata` (`submission_key`).
-- A retry of the step that finds its key already written (the first attempt may have crashed
-- after Groq accepted the batch, before the requests were marked submitted) first looks for a
-- batch carrying that key among the account's batches and adopts it instead of submitting the
-- same requests again.
CREATE TABLE llm_batch_submission (
  run_id          uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  round           integer NOT NULL CHECK (round >= 1),
  -- `<run id>:<round>:<hash of the pending custom ids>`, sent as the batch's metadata: the same
  -- for a retry of the step, another for a redrive's rounds (which count from 1 again)
  submission_key  text PRIMARY KEY CHECK (length(submission_key) BETWEEN 1 AND 200),
  -- set once the batch is known (created, or found on a retry)
  batch_id        text CHECK (length(batch_id) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_batch_submission_run ON llm_batch_submission (run_id, round);
