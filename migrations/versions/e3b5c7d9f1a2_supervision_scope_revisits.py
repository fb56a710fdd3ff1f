"""issue 14 part B: stage deadlines, escalation notices, scope rules, merges and call-backs

Revision ID: e3b5c7d9f1a2
Revises: d7a3e9b1c2f4
Create Date: 2026-12-01 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import server.models.types


# revision identifiers, used by Alembic.
revision = 'e3b5c7d9f1a2'
down_revision = 'a4d8e2f6c1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'board_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=64), nullable=False),
        sa.Column('audience', sa.String(length=16), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id']),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    with op.batch_alter_table('board_notices', schema=None) as batch_op:
        batch_op.create_index('ix_board_notices_audience_created', ['audience', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_notices_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_notices_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_board_notices_unit_id'), ['unit_id'], unique=False)

    op.create_table(
        'scope_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic', sa.String(length=60), nullable=False),
        sa.Column('where', sa.String(length=120), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id']),
        sa.PrimaryKeyConstraint('id'),
    )

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_started_at', server.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_at', server.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revisit_asked_at', server.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revisit_answered_at', server.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revisit_solved', sa.Boolean(), nullable=True))
        batch_op.create_index('ix_messages_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key('fk_messages_merged_into_id', 'messages', ['merged_into_id'], ['id'])

    # Open items already in a stage: its clock starts when they were routed (or written).
    op.execute(
        "UPDATE messages SET stage_started_at = COALESCE(routed_at, created_at) "
        "WHERE status IN ('unassigned', 'routed', 'followed_up', 'reopened')"
    )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('fk_messages_merged_into_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_messages_merged_into_id'))
        batch_op.drop_index('ix_messages_status_due')
        batch_op.drop_column('revisit_solved')
        batch_op.drop_column('revisit_answered_at')
        batch_op.drop_column('revisit_asked_at')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('due_at')
        batch_op.drop_column('stage_started_at')

    with op.batch_alter_table('board_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_notices_unit_id'))
        batch_op.drop_index(batch_op.f('ix_board_notices_station_id'))
        batch_op.drop_index(batch_op.f('ix_board_notices_message_id'))
        batch_op.drop_index('ix_board_notices_audience_created')
    op.drop_table('scope_rules')
    op.drop_table('board_notices')
