-- Full-text search of the catalogue: an FTS5 index over courses' titles, summaries,
-- topics and audiences (English stemming), kept in step with `courses` by triggers.
CREATE VIRTUAL TABLE course_search USING fts5(
    title, summary, topics, audience,
    content = 'courses', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER course_search_insert AFTER INSERT ON courses BEGIN
    INSERT INTO course_search (rowid, title, summary, topics, audience)
    VALUES (new.id, new.title, new.summary, new.topics, new.audience);
END;

CREATE TRIGGER course_search_delete AFTER DELETE ON courses BEGIN
    INSERT INTO course_search (course_search, rowid, title, summary, topics, audience)
    VALUES ('delete', old.id, old.title, old.summary, old.topics, old.audience);
END;

CREATE TRIGGER course_search_update AFTER UPDATE ON courses BEGIN
    INSERT INTO course_search (course_search, rowid, title, summary, topics, audience)
    VALUES ('delete', old.id, old.title, old.summary, old.topics, old.audience);
    INSERT INTO course_search (rowid, title, summary, topics, audience)
    VALUES (new.id, new.title, new.summary, new.topics, new.audience);
END;

INSERT INTO course_search (course_search) VALUES ('rebuild');

CREATE INDEX courses_listed ON courses (visibility, title);
