"""Members: demographics, households, life stage, visits, orders and the 360° profile."""
