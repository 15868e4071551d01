-- The format of each course's newest published version, kept on the course when a
-- version is published, so the catalogue lists and filters courses without looking up
-- their versions row by row. NULL: nothing published yet.
ALTER TABLE courses ADD COLUMN published_format TEXT;

UPDATE courses SET published_format = (
    SELECT k.scorm_version FROM course_versions v JOIN packages k ON k.id = v.package_id
    WHERE v.course_id = courses.id AND v.published_at IS NOT NULL
    ORDER BY v.number DESC LIMIT 1
);

-- The catalogue's orders, each from an index that also says whether a course is
-- published: by title (with the id after it), most recently updated, lowest price.
DROP INDEX courses_listed;
CREATE INDEX courses_by_title ON courses (visibility, title, published_format);
CREATE INDEX courses_by_update ON courses (visibility, updated_at, published_format);
CREATE INDEX courses_by_price ON courses (visibility, price_pence, title, published_format);
