"""handling units (承办单位): units, their integration keys, transfers; unit accounts, unit
answers in the thread, a category's kind (咨询/求助/建议/投诉) for the unit's answer time

Revision ID: e4b7c2a91d05
Revises: d7a3e9b1c2f4
Create Date: 2026-12-01 12:45:00.000000

"""

from alembic import op
import sqlalchemy as sa
import server.models.types


# revision identifiers, used by Alembic.
revision = "e4b7c2a91d05"
down_revision = "e19a0c7d5b21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("contact_person", sa.String(length=32), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=False),
        sa.Column("contact_email", sa.String(length=120), nullable=False),
        sa.Column("answer_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("name", name=op.f("uq_units_name")),
    )
    op.create_table(
        "unit_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_keys_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_unit_keys_key_hash")),
    )
    with op.batch_alter_table("unit_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_keys_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("co_unit_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("handed_by", sa.String(length=16), nullable=False),
        sa.Column("handed_by_id", sa.Integer(), nullable=True),
        sa.Column("handed_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sign_due_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signed_at", server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("returned_at", server.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("return_reason", sa.String(length=500), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_transfers_message_id_messages")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_transfers_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_transfers_unit_status", ["unit_id", "status"], unique=False)

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_staff_users_unit_id_units"), "units", ["unit_id"], ["id"]
        )

    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_replies_unit_id_units"), "units", ["unit_id"], ["id"]
        )

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_replies_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_staff_users_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_unit_status")
        batch_op.drop_index(batch_op.f("ix_transfers_message_id"))

    op.drop_table("transfers")
    with op.batch_alter_table("unit_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_keys_unit_id"))

    op.drop_table("unit_keys")
    op.drop_table("units")
