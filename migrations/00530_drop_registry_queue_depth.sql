-- +goose Up
-- The registry status counts the jobs waiting per source through the job queue's own
-- client (syncjob.Queue.Depth), on the queue's connections: the hub no longer reads
-- River's table nor decodes its jobs' arguments in SQL, so the function 00350 gave
-- requests for it goes.
DROP FUNCTION ponte_registry_queue_depth(text);

-- +goose Down
-- 00350's function, unchanged.
-- +goose StatementBegin
CREATE FUNCTION ponte_registry_queue_depth(p_queue text)
    RETURNS TABLE (source text, waiting integer, running integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, public
    AS $$
    SELECT s.source,
           count(*) FILTER (WHERE j.state <> 'running')::int,
           count(*) FILTER (WHERE j.state = 'running')::int
      FROM river_job j
     CROSS JOIN LATERAL jsonb_array_elements_text(
           CASE WHEN jsonb_typeof(j.args->'sources') = 'array' THEN j.args->'sources'
                ELSE jsonb_build_array(j.args->>'source') END) AS s(source)
     WHERE j.queue = p_queue AND j.state IN ('available', 'pending', 'retryable', 'running', 'scheduled')
       AND s.source IS NOT NULL
     GROUP BY s.source
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ponte_registry_queue_depth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ponte_registry_queue_depth(text) TO ponte_app;
