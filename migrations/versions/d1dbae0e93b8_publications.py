"""issue 15 item 5: 双公开 — publications (redacted snapshots) and the citizen's no_publish

Revision ID: d1dbae0e93b8
Revises: e3b5c7d9f1a2
Create Date: 2026-12-01 15:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
import server.models.types


# revision identifiers, used by Alembic.
revision = 'd1dbae0e93b8'
down_revision = 'e3b5c7d9f1a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'publications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_kind', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('original', sa.JSON(), nullable=False),
        sa.Column('redacted', sa.JSON(), nullable=False),
        sa.Column('findings', sa.JSON(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('proposed_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('edited_by_id', sa.Integer(), nullable=True),
        sa.Column('edited_at', server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('withdraw_reason', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id']),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['edited_by_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['approved_by_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subject_kind', 'subject_id'),
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index('ix_publications_public', ['subject_kind', 'status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_station_id'), ['station_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_publish', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('no_publish')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_station_id'))
        batch_op.drop_index('ix_publications_public')
    op.drop_table('publications')
