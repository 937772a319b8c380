-- The citizen's goals get stable ids and a status (active, reached, dropped); each follow-up's
-- review of a goal is kept; hope and network are measured at the first contact and at closing.
ALTER TABLE episode_goals
    ADD COLUMN goal_id    text,
    ADD COLUMN status     text NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'reached', 'dropped')),
    ADD COLUMN set_at     timestamptz,
    ADD COLUMN set_by_role text,
    ADD COLUMN changed_at timestamptz,
    ADD COLUMN reviews    integer NOT NULL DEFAULT 0,
    ADD COLUMN last_progress text;
-- Goals stored before ids existed are the referral's, numbered from 1 as the episode seeds them.
UPDATE episode_goals SET goal_id = 'g' || (goal_no + 1) WHERE goal_id IS NULL;
ALTER TABLE episode_goals ALTER COLUMN goal_id SET NOT NULL;
CREATE UNIQUE INDEX episode_goals_id ON episode_goals (episode_id, goal_id);

CREATE TABLE goal_reviews (
    episode_id     text NOT NULL REFERENCES episodes ON DELETE CASCADE,
    goal_id        text NOT NULL,
    task_id        text NOT NULL,
    follow_up_no   integer NOT NULL,
    progress       text NOT NULL CHECK (progress IN ('none', 'some', 'much')),
    still_relevant boolean NOT NULL,
    reached        boolean NOT NULL,
    reviewed_at    timestamptz NOT NULL,
    PRIMARY KEY (episode_id, goal_id, task_id)
);

ALTER TABLE episodes
    ADD COLUMN network_size_start integer,
    ADD COLUMN network_size_end   integer,
    ADD COLUMN job_or_education   text,
    ADD COLUMN goals_total        integer NOT NULL DEFAULT 0,
    ADD COLUMN goals_reached      integer NOT NULL DEFAULT 0;
