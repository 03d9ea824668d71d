-- Every fact kept for one company, with its exact quote and the page it came from, newest
-- research first. Execution parameter 1 (?): the company's domain, e.g. 'northwind.example'.
-- Athena's UNNEST of an array of structs yields one column per struct field, hence the aliases.
SELECT r.company_name, r.domain, r.lead_email, r.researched_at, r.run_id,
       f.fact_id, f.category, f.claim, f.quote, f.source_url, f.verified
FROM research r
CROSS JOIN UNNEST(r.facts) AS f (fact_id, category, claim, quote, source_url, verified)
WHERE r.domain = ?
ORDER BY r.researched_at DESC, f.fact_id
