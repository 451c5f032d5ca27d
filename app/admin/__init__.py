"""Admin pages under /admin: dashboard, inventory, CSV, coupons, orders and exports."""
