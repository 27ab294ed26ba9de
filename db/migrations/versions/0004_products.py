"""products: service items, product versions, memberships, stored value, points, promotions, coupons, quotes

Revision ID: 0004_products
Revises: 0001_foundation
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004_products'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('membership_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=True),
    sa.Column('fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_membership_plans_code'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('price_mode', sa.String(length=4), nullable=False),
    sa.Column('items_total_cents', sa.BigInteger(), nullable=False),
    sa.Column('list_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('life_stage', sa.String(length=32), nullable=True),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('inclusions', sa.Text(), nullable=False),
    sa.Column('exclusions', sa.Text(), nullable=False),
    sa.Column('script', sa.Text(), nullable=False),
    sa.Column('faq', sa.JSON(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('single', 'package')", name=op.f('ck_products_kind')),
    sa.CheckConstraint("price_mode IN ('sum', 'set')", name=op.f('ck_products_price_mode')),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'published', 'retired')", name=op.f('ck_products_status')),
    sa.CheckConstraint('list_price_cents >= 0', name=op.f('ck_products_price_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_products_code_version'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_status_code', ['status', 'code'], unique=False)

    op.create_table('promotions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('is_coupon', sa.Boolean(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=True),
    sa.Column('ends', sa.Date(), nullable=True),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('stack_group', sa.String(length=32), nullable=False),
    sa.Column('stacks_with', sa.JSON(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('threshold_cents', sa.BigInteger(), nullable=False),
    sa.Column('buy_quantity', sa.Integer(), nullable=False),
    sa.Column('get_products', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('channel_price', 'percent_off', 'amount_off', 'buy_get')", name=op.f('ck_promotions_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promotions')),
    sa.UniqueConstraint('code', name=op.f('uq_promotions_code'))
    )
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('consultation', 'exam', 'lab', 'treatment', 'inpatient', 'nursing', 'goods')", name=op.f('ck_service_items_category')),
    sa.CheckConstraint('unit_price_cents >= 0', name=op.f('ck_service_items_price_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('code', name=op.f('uq_service_items_code'))
    )
    op.create_table('stored_value_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('pay_cents', sa.BigInteger(), nullable=False),
    sa.Column('credit_cents', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_value_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_stored_value_plans_code'))
    )
    op.create_table('plan_benefits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('departments', sa.JSON(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('stack_group', sa.String(length=32), nullable=False),
    sa.Column('stacks_with', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('free_quantity', 'percent_off')", name=op.f('ck_plan_benefits_kind')),
    sa.ForeignKeyConstraint(['plan_id'], ['membership_plans.id'], name=op.f('fk_plan_benefits_plan_id_membership_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_benefits')),
    sa.UniqueConstraint('code', name=op.f('uq_plan_benefits_code'))
    )
    with op.batch_alter_table('plan_benefits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_benefits_plan_id'), ['plan_id'], unique=False)

    op.create_table('product_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_product_items_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_items_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_items'))
    )
    with op.batch_alter_table('product_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_items_product_id'), ['product_id'], unique=False)

    op.create_table('member_coupons',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('promotion_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.CheckConstraint("status IN ('held', 'used', 'void')", name=op.f('ck_member_coupons_status')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_coupons_member_id_members')),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], name=op.f('fk_member_coupons_promotion_id_promotions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_coupons'))
    )
    with op.batch_alter_table('member_coupons', schema=None) as batch_op:
        batch_op.create_index('ix_member_coupons_member', ['member_id', 'status'], unique=False)

    op.create_table('member_memberships',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('fee_paid_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_memberships_member_id_members')),
    sa.ForeignKeyConstraint(['plan_id'], ['membership_plans.id'], name=op.f('fk_member_memberships_plan_id_membership_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_memberships'))
    )
    with op.batch_alter_table('member_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_member_memberships_member', ['member_id', 'ends'], unique=False)

    op.create_table('points_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('delta_points', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_points_ledger_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger'))
    )
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_points_ledger_member', ['member_id', 'at'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('list_total_cents', sa.BigInteger(), nullable=False),
    sa.Column('payable_cents', sa.BigInteger(), nullable=False),
    sa.Column('saving_cents', sa.BigInteger(), nullable=False),
    sa.Column('product_codes', sa.JSON(), nullable=False),
    sa.Column('product_versions', sa.JSON(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_quotes_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index('ix_quotes_member', ['member_id', 'created_at'], unique=False)

    op.create_table('stored_value_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('delta_cents', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_stored_value_ledger_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_value_ledger'))
    )
    with op.batch_alter_table('stored_value_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_stored_value_ledger_member', ['member_id', 'at'], unique=False)

    op.create_table('benefit_usage',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('membership_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('benefit_id', sa.Integer(), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['benefit_id'], ['plan_benefits.id'], name=op.f('fk_benefit_usage_benefit_id_plan_benefits')),
    sa.ForeignKeyConstraint(['membership_id'], ['member_memberships.id'], name=op.f('fk_benefit_usage_membership_id_member_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benefit_usage'))
    )
    with op.batch_alter_table('benefit_usage', schema=None) as batch_op:
        batch_op.create_index('ix_benefit_usage_membership', ['membership_id', 'benefit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('benefit_usage', schema=None) as batch_op:
        batch_op.drop_index('ix_benefit_usage_membership')

    op.drop_table('benefit_usage')
    with op.batch_alter_table('stored_value_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_value_ledger_member')

    op.drop_table('stored_value_ledger')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('ix_quotes_member')

    op.drop_table('quotes')
    with op.batch_alter_table('points_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_points_ledger_member')

    op.drop_table('points_ledger')
    with op.batch_alter_table('member_memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_member_memberships_member')

    op.drop_table('member_memberships')
    with op.batch_alter_table('member_coupons', schema=None) as batch_op:
        batch_op.drop_index('ix_member_coupons_member')

    op.drop_table('member_coupons')
    with op.batch_alter_table('product_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_items_product_id'))

    op.drop_table('product_items')
    with op.batch_alter_table('plan_benefits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_benefits_plan_id'))

    op.drop_table('plan_benefits')
    op.drop_table('stored_value_plans')
    op.drop_table('service_items')
    op.drop_table('promotions')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_status_code')

    op.drop_table('products')
    op.drop_table('membership_plans')
