"""Web app: JSON API, gateway and server-rendered pages (create_app in app.py)."""
