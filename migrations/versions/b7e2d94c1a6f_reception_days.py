"""issue 16 item 4: 接待预告 — published reception days and who asked to be reminded

Revision ID: b7e2d94c1a6f
Revises: 4b03199f6eaf
Create Date: 2026-12-01 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
import server.models.types


# revision identifiers, used by Alembic.
revision = 'b7e2d94c1a6f'
down_revision = '4b03199f6eaf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('starts', sa.String(length=5), nullable=False),
        sa.Column('ends', sa.String(length=5), nullable=False),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('place', sa.String(length=100), nullable=False),
        sa.Column('deputy_ids', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('cancel_reason', sa.String(length=100), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('station_id', 'day', name='uq_receptions_station_day'),
    )
    with op.batch_alter_table('receptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receptions_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_receptions_station_id'), ['station_id'], unique=False)
    op.create_table(
        'reception_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reception_id', sa.Integer(), nullable=False),
        sa.Column('citizen_id', sa.Integer(), nullable=False),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id']),
        sa.ForeignKeyConstraint(['reception_id'], ['receptions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reception_id', 'citizen_id', name='uq_reception_subscriptions'),
    )
    with op.batch_alter_table('reception_subscriptions', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_reception_subscriptions_citizen_id'), ['citizen_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_reception_subscriptions_reception_id'), ['reception_id'], unique=False
        )


def downgrade():
    op.drop_table('reception_subscriptions')
    op.drop_table('receptions')
