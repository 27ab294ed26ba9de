"""segments: saved segments, daily sizes, per-member RFM aggregates

Revision ID: 0003_segments
Revises: 0001_foundation
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003_segments'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments'))
    )
    op.create_table('segment_sizes',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_segment_sizes_segment_id_segments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'on_date', name=op.f('pk_segment_sizes'))
    )
    op.create_table('member_rfm',
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('recency_days', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.Integer(), nullable=False),
    sa.Column('monetary_cents', sa.BigInteger(), nullable=False),
    sa.Column('r', sa.Integer(), nullable=False),
    sa.Column('f', sa.Integer(), nullable=False),
    sa.Column('m', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_member_rfm'))
    )
    with op.batch_alter_table('member_rfm', schema=None) as batch_op:
        batch_op.create_index('ix_member_rfm_segment', ['segment', 'member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_rfm', schema=None) as batch_op:
        batch_op.drop_index('ix_member_rfm_segment')
    op.drop_table('member_rfm')
    op.drop_table('segment_sizes')
    op.drop_table('segments')
