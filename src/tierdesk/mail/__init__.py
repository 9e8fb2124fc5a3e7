"""E-mail: tickets and replies from RFC 5322 messages, and CSAT survey e-mails."""
