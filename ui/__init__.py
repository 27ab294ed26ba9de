"""Streamlit glue shared by app.py and pages/: runtime resources, the page guard, sign-in, widgets.

It lives outside pages/ (Streamlit would serve every file there as a page) and outside core/
(core never imports streamlit).
"""
