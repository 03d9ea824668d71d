-- Leads researched per ideal customer profile over the last 90 days: how many, how many had
-- enough evidence, how well they fit, and what the research cost. Results a search turned away
-- (stage `search`) never became leads and are left out.
SELECT coalesce(icp, '(no icp)') AS icp,
       count(DISTINCT lead_id) AS leads,
       count_if(status = 'researched') AS researched,
       count_if(status = 'insufficient_evidence') AS insufficient_evidence,
       round(avg(fit_score), 1) AS avg_fit_score,
       max(fit_score) AS best_fit_score,
       round(sum(cost_usd), 4) AS cost_usd
FROM research
WHERE dt >= CAST(CAST(current_date - INTERVAL '90' DAY AS DATE) AS VARCHAR)
  AND coalesce(failure_stage, '-') <> 'search'
GROUP BY coalesce(icp, '(no icp)')
ORDER BY leads DESC
