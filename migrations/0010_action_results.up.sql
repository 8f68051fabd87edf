-- The answer to each applied Home Assistant action, by the caller's
-- request_id: a caller whose answer was lost (HA's socket dropped) asks again
-- with the same request_id and gets the same answer, and the action is not
-- applied twice. Kept at least a day; a job prunes older rows.
CREATE TABLE action_results (
    key        text PRIMARY KEY,          -- ha:<request_id>
    event      text NOT NULL,             -- the action's event type
    result     json NOT NULL,             -- the lifeops_result event's data, as sent
    created_at timestamptz NOT NULL
);
CREATE INDEX action_results_created ON action_results (created_at);
