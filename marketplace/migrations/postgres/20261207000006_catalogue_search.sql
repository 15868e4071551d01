-- Full-text search of the catalogue: a tsvector with English stemming over courses'
-- titles (weighted highest), topics, summaries and audiences, kept by PostgreSQL itself.
ALTER TABLE courses ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', topics), 'B') ||
    setweight(to_tsvector('english', summary || ' ' || audience), 'C')
) STORED;

CREATE INDEX courses_search ON courses USING GIN (search);
CREATE INDEX courses_listed ON courses (visibility, title);
