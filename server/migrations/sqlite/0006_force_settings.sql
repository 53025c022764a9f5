-- The force's settings (core::force::ForceSettings), one row. Absent until an
-- admin first sets them: the app's defaults apply until then.
CREATE TABLE force_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- ForceSettings as JSON, checked before it is written.
    settings TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
