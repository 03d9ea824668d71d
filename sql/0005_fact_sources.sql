-- The same quote on several pages of a site (a meta description, a tagline, a footer claim) is
-- one fact (lambdas/core/research/merge-facts.ts): the fact keeps the first page as its source
-- (fact.snapshot_id, fact.source_url), and each further page where the quote was also found is
-- a row here, in the order the pages were read.

CREATE TABLE fact_source (
  fact_id      uuid NOT NULL REFERENCES fact (id) ON DELETE CASCADE,
  -- 2, 3, ...: the fact's own source is the first
  ord          int NOT NULL CHECK (ord >= 2),
  snapshot_id  uuid NOT NULL REFERENCES page_snapshot (id),
  source_url   text NOT NULL,
  PRIMARY KEY (fact_id, ord),
  UNIQUE (fact_id, source_url)
);
