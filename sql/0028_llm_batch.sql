-- Batch mode (Groq's Batch API): a run whose research asks Groq in batches instead of one call
-- at a time. A lead's research runs against its attempt cache; a request whose answer is not
-- cached is deferred, written here, and the lead waits. After the lead Map, SubmitLlmBatch
-- sends the run's pending requests as one batch, PollLlmBatch reads its status until it is
-- finished, and ImportLlmBatch writes each answer into the cache key the waiting attempt reads
-- (`cache_key`), then the waiting leads run again. The request body itself is in the lake
-- (`request_key`, under runs/<run>/llm-batch/): a prompt with pages can pass a Data API row's
-- 64 KB.
ALTER TABLE run ADD COLUMN groq_batch boolean NOT NULL DEFAULT false;

CREATE TABLE llm_batch_request (
  run_id       uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  -- unique in a run: `<lead id>:<hash of the cache key>`, sent to Groq as the line's custom_id
  custom_id    text NOT NULL CHECK (length(custom_id) BETWEEN 1 AND 64),
  lead_id      uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  pass         text NOT NULL CHECK (length(pass) <= 40),
  cache_key    text NOT NULL CHECK (length(cache_key) <= 1000),
  request_key  text NOT NULL CHECK (length(request_key) <= 1000),
  -- sha256 of the request as sent (model, prompts, schema, limits)
  body_sha256  text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'submitted', 'answered', 'failed')),
  batch_id     text CHECK (length(batch_id) <= 200),
  round        integer CHECK (round >= 1),
  error        text CHECK (length(error) <= 1000),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, custom_id),
  -- a request leaves `pending` only inside a batch: never submitted twice
  CHECK ((status = 'pending') = (batch_id IS NULL)),
  CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX llm_batch_request_batch ON llm_batch_request (run_id, batch_id, status);
