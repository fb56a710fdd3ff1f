"""messages and notices by time, for the overview and the item list

Revision ID: c1f0a2b3d4e5
Revises: 9403e3f4d31e
Create Date: 2026-11-22 08:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c1f0a2b3d4e5'
down_revision = '9403e3f4d31e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_created', ['created_at', 'id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_status_created', ['status', 'created_at'], unique=False)
    # Refused items belong to nobody's load (the reject action now clears the copy too).
    op.execute("UPDATE messages SET assigned_deputy_id = NULL WHERE status = 'rejected'")


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_status_created')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_created')
