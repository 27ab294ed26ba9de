"""CareLoop domain: one package per bounded context. Never imports streamlit."""
