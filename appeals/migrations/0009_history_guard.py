"""PostgreSQL refuses to change or delete a row of the appeals' history (DESIGN.md section 3).

The model already refuses; this guards against a raw UPDATE or DELETE too,
from a script or a shell. TRUNCATE (what a test database's flush does) is
not a row operation and is not stopped. SQLite, the development database,
keeps the model-level guard only: its flush deletes rows one by one.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION appeals_appealevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the history of an appeal is append-only: % refused on appeals_appealevent', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER appeals_appealevent_append_only
    BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_appealevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS appeals_appealevent_append_only ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_appealevent_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # the % in RAISE is not a placeholder


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0008_author_email_index")]

    operations = [migrations.RunPython(create, drop)]
