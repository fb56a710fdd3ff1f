"""register exports built in the background, with their progress

Revision ID: a4d8e2f6c1b3
Revises: f3c9a7e5b2d1
Create Date: 2026-12-01 13:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

import server.models.types


# revision identifiers, used by Alembic.
revision = 'a4d8e2f6c1b3'
down_revision = 'f3c9a7e5b2d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'register_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done_rows', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_register_exports_staff_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_register_exports')),
    )
    with op.batch_alter_table('register_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_exports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_exports_staff_id'), ['staff_id'], unique=False)


def downgrade():
    op.drop_table('register_exports')
