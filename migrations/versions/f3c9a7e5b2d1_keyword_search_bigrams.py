"""keyword search on PostgreSQL: a GIN index of each item's character bigrams

Revision ID: f3c9a7e5b2d1
Revises: e8b1c4d2a9f0
Create Date: 2026-12-01 13:00:00.000000

Chinese words are mostly two characters, shorter than pg_trgm's trigrams, and the database's
word parser knows no Chinese: the index holds every two-character slice of the lower-cased text
(and its last character), and the query asks for all of the search word's slices; the exact
ILIKE then keeps only true matches (server/admin/search.py). SQLite scans with LIKE instead.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c9a7e5b2d1'
down_revision = 'e8b1c4d2a9f0'
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION lz_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT substr(lower(value), i, 2) FROM generate_series(1, length(value)) AS i)
$$;
CREATE OR REPLACE FUNCTION lz_search_vector(content text, address text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(lz_bigrams(coalesce(content, '') || E'\n' || coalesce(address, '')))
$$;
CREATE OR REPLACE FUNCTION lz_search_lexeme(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT '''' || replace(replace(value, '\', '\\'), '''', '''''') || ''''
$$;
CREATE OR REPLACE FUNCTION lz_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN length(q) < 2 THEN (lz_search_lexeme(lower(q)) || ':*')::tsquery
  ELSE array_to_string(ARRAY(
    SELECT lz_search_lexeme(substr(lower(q), i, 2)) FROM generate_series(1, length(q) - 1) AS i
  ), ' & ')::tsquery END
$$;
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FUNCTIONS)
    op.execute(
        'CREATE INDEX ix_messages_search ON messages '
        'USING gin (lz_search_vector(content, location_address))'
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_messages_search')
    for name in ('lz_search_query(text)', 'lz_search_lexeme(text)',
                 'lz_search_vector(text, text)', 'lz_bigrams(text)'):
        op.execute(f'DROP FUNCTION IF EXISTS {name}')
