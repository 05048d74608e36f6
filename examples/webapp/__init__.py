"""A Flask web application on paysupport: logins, a patron-only page, a Flattr button, webhooks.

``flask --app examples.webapp.app run``; see README.md in this folder.
"""
