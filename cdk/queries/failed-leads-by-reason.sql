-- Leads that failed or were skipped in the last 30 days, by stage and reason, with the status
-- names the database and the CLI use (`skipped`, `failed`; research with not enough evidence is
-- a skip there). Every lead of every run has a line in the lake, and so does every search
-- result turned away before it became a lead (stage `search`: suppressed, a competitor, over
-- the quota, an invalid email), so this is the whole picture; the reason is cut at its first
-- colon so "FetchTimeout: https://…" groups by the error name.
SELECT CASE WHEN status = 'insufficient_evidence' THEN 'skipped' ELSE status END AS status,
       coalesce(failure_stage, CASE WHEN status = 'insufficient_evidence' THEN 'research' END, '-') AS stage,
       split_part(coalesce(failure_reason, status), ':', 1) AS reason,
       count(*) AS leads,
       min(researched_at) AS first_seen,
       max(researched_at) AS last_seen
FROM research
WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
  AND status <> 'researched'
GROUP BY 1, 2, 3
ORDER BY leads DESC, status, stage, reason
