"""Intake of child-concern reports (orosanmälningar): how reports arrive before registration.

``mail_parse`` turns a raw e-mail into an ``IncomingMail`` (pure); ``mail`` polls an IMAP mailbox,
hands each message to a registration callback and marks it only after registration succeeded.
"""
