-- Watching companies: cheap re-checks of sites already researched.
--
-- Validators per page (RFC 9110 §8.8): the ETag and Last-Modified a page was served with, sent
-- back as If-None-Match / If-Modified-Since when the page is visited again. A 304, or a 200 whose
-- body hashes the same as the previous copy, reuses that copy: the new row points at the same raw
-- and clean lake objects (no cleanup, no tokens, no new raw object) and says how it was reused.
ALTER TABLE page_snapshot ADD COLUMN etag text CHECK (length(etag) <= 512);
ALTER TABLE page_snapshot ADD COLUMN last_modified text CHECK (length(last_modified) <= 100);
ALTER TABLE page_snapshot ADD COLUMN revalidated text CHECK (revalidated IN ('not_modified', 'same_hash'));
ALTER TABLE page_snapshot ADD COLUMN reused_snapshot_id uuid REFERENCES page_snapshot (id) ON DELETE SET NULL;
ALTER TABLE page_snapshot ADD CONSTRAINT page_snapshot_revalidated_reuses
  CHECK (revalidated IS NULL OR (outcome = 'fetched' AND reused_snapshot_id IS NOT NULL));
CREATE INDEX page_snapshot_company_url ON page_snapshot (company_id, url, fetched_at DESC);

-- How often an ICP's companies are re-checked (`watchEvery` in onboarding: 12h, 7d, 2w, or off).
ALTER TABLE icp ADD COLUMN watch_every text NOT NULL DEFAULT '7d'
  CHECK (watch_every = 'off' OR watch_every ~ '^[1-9][0-9]{0,3}[hdw]$');

-- A watch is a run of its own: the same run, run_lead and page_snapshot rows, started by the
-- watch schedule over companies already researched instead of by a lead search.
ALTER TABLE run DROP CONSTRAINT run_trigger_check;
ALTER TABLE run ADD CONSTRAINT run_trigger_check CHECK (trigger IN ('schedule', 'manual', 'watch'));

-- What a watch found per company: unchanged (every page a 304 or the same hash), changed (with
-- the number of signals change detection recorded; research ran again only when relevant), or
-- failed (the reason; the watch went on).
CREATE TABLE watch_check (
  run_id         uuid NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  company_id     uuid NOT NULL REFERENCES lead_company (id) ON DELETE CASCADE,
  lead_id        uuid NOT NULL REFERENCES lead (id) ON DELETE CASCADE,
  icp_id         uuid REFERENCES icp (id) ON DELETE SET NULL,
  status         text NOT NULL CHECK (status IN ('unchanged', 'changed', 'failed')),
  pages          integer NOT NULL DEFAULT 0 CHECK (pages >= 0),
  not_modified   integer NOT NULL DEFAULT 0 CHECK (not_modified >= 0),
  same_hash      integer NOT NULL DEFAULT 0 CHECK (same_hash >= 0),
  changed_pages  integer NOT NULL DEFAULT 0 CHECK (changed_pages >= 0),
  signals        integer NOT NULL DEFAULT 0 CHECK (signals >= 0),
  researched     boolean NOT NULL DEFAULT false,
  reason         text,
  checked_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, company_id),
  CHECK (status <> 'failed' OR reason IS NOT NULL),
  CHECK (status <> 'unchanged' OR (changed_pages = 0 AND signals = 0))
);
CREATE INDEX watch_check_company ON watch_check (company_id, checked_at DESC);
